// The defaults are the local backend: no config file is needed (SPEC §3).

export const DEFAULT_LOCAL_ENDPOINT = "127.0.0.1:50051";
export const DEFAULT_CLOUD_ENDPOINT = "https://api.stigmer.ai:443";
export const DEFAULT_IDLE_TIMEOUT = "3h";
export const DEFAULT_STARTUP_TIMEOUT = "10s";
export const DEFAULT_LLM = {
  provider: "ollama",
  model: "qwen2.5-coder:7b",
  base_url: "http://localhost:11434",
} as const;

export const BACKEND_TYPES = ["local", "cloud"] as const;
export type BackendType = typeof BACKEND_TYPES[number];

export const LLM_PROVIDERS = ["ollama", "openai"] as const;

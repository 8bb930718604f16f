// The LLM provider settings an agent run uses (backend.local.llm.*); the
// agent loop itself is in src/agents/.

export interface LlmSettings {
  provider: string; // ollama | openai | anthropic
  model: string;
  baseUrl: string;
  apiKeyEnv: string;
  /** A secret holding the API key (backend.local.llm.api_key_secret); wins over apiKeyEnv. */
  apiKeySecret?: string;
  /** The key read from apiKeyEnv by the serving process (only the config layer reads the environment). */
  apiKey?: string;
}

/** Fixed settings, or read when each run starts. */
export type LlmSource = LlmSettings | (() => Promise<LlmSettings>);

export function currentLlm(source: LlmSource): Promise<LlmSettings> {
  return typeof source === "function" ? source() : Promise.resolve(source);
}

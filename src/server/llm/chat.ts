// The LLM provider settings an agent run uses (backend.local.llm.*); the
// agent loop itself is in src/agents/.

export interface LlmSettings {
  provider: string; // ollama | openai | anthropic
  model: string;
  baseUrl: string;
  apiKeyEnv: string;
}

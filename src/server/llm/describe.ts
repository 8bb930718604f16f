// One line saying which LLM provider agent runs will use, for the start-up
// progress and the log.

export function describeLlm(
  llm: { llmProvider: string; llmBaseUrl: string; llmModel: string; llmApiKeyEnv: string },
): string {
  if (llm.llmProvider === "ollama") {
    return `Using Ollama at ${llm.llmBaseUrl} (no API key required)`;
  }
  const key = llm.llmApiKeyEnv ? `API key from $${llm.llmApiKeyEnv}` : "no API key";
  return `Using an OpenAI-compatible API at ${llm.llmBaseUrl} (${key})`;
}

// The language model for a run, from the configured provider: Ollama (its own
// /api/chat), an OpenAI-compatible chat API (/v1/chat/completions: many such
// servers lack OpenAI's /v1/responses, which @ai-sdk/openai calls by default),
// or Anthropic. Loaded lazily: the AI SDK is only ever imported by the daemon.
import type { LanguageModel } from "ai";
import type { LlmSettings } from "../model/llm.ts";

export function baseOf(settings: LlmSettings): string {
  return settings.baseUrl.replace(/\/+$/, "");
}

/** What to do when the provider cannot be used. */
export function providerHint(settings: LlmSettings): string {
  return settings.provider === "ollama"
    ? `start Ollama (ollama serve) and pull the model (ollama pull ${settings.model}), or configure another provider: stigmer config set backend.local.llm.base_url <url>`
    : "check backend.local.llm.base_url and the API key variable (backend.local.llm.api_key_env)";
}

export async function languageModel(
  settings: LlmSettings,
  modelName: string | undefined,
  apiKey: string | undefined = settings.apiKey,
): Promise<LanguageModel> {
  const model = modelName || settings.model;
  const base = baseOf(settings);
  switch (settings.provider) {
    case "ollama": {
      const { createOllama } = await import("ollama-ai-provider-v2");
      // The provider wants the /api suffix that backend.local.llm.base_url does not carry.
      return createOllama({ baseURL: `${base}/api` })(model);
    }
    case "anthropic": {
      const { createAnthropic } = await import("@ai-sdk/anthropic");
      // An explicit key (even empty): the provider must not read its own variable.
      return createAnthropic({ baseURL: `${base}/v1`, apiKey: apiKey ?? "" })(model);
    }
    default: {
      const { createOpenAICompatible } = await import("@ai-sdk/openai-compatible");
      return createOpenAICompatible({
        name: settings.provider || "openai",
        baseURL: `${base}/v1`,
        ...(apiKey ? { apiKey } : {}),
        includeUsage: true,
      }).chatModel(model);
    }
  }
}

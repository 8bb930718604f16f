// One chat turn with the configured LLM provider: Ollama's /api/chat by
// default, or an OpenAI-compatible /v1/chat/completions.
import { readNamedVariable } from "../../config/environment.ts";

export interface LlmSettings {
  provider: string; // ollama | openai
  model: string;
  baseUrl: string;
  apiKeyEnv: string;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export class LlmError extends Error {}

function hint(settings: LlmSettings): string {
  return settings.provider === "ollama"
    ? `start Ollama (ollama serve) and pull the model (ollama pull ${settings.model}), or configure another provider: stigmer config set backend.local.llm.base_url <url>`
    : "check backend.local.llm.base_url and the API key variable (backend.local.llm.api_key_env)";
}

export async function chat(
  settings: LlmSettings,
  messages: ChatMessage[],
  options: { model?: string; signal: AbortSignal },
): Promise<string> {
  const model = options.model || settings.model;
  const base = settings.baseUrl.replace(/\/+$/, "");
  const ollama = settings.provider === "ollama";
  const url = ollama ? `${base}/api/chat` : `${base}/v1/chat/completions`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  const key = readNamedVariable(settings.apiKeyEnv);
  if (key) headers.authorization = `Bearer ${key}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(ollama ? { model, messages, stream: false } : { model, messages }),
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal.aborted) throw err;
    const reason = String((err as Error)?.cause ?? err).replace(/^.*?Error: /, "");
    throw new LlmError(
      `cannot reach the LLM provider (${settings.provider}) at ${base}: ${reason}; ${
        hint(settings)
      }`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw new LlmError(
      `the LLM provider at ${base} answered ${response.status}: ${text.slice(0, 300)}; ${
        hint(settings)
      }`,
    );
  }
  let body: { message?: { content?: string }; choices?: { message?: { content?: string } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new LlmError(
      `the LLM provider at ${base} did not answer with JSON: ${text.slice(0, 200)}`,
    );
  }
  const content = ollama ? body.message?.content : body.choices?.[0]?.message?.content;
  if (typeof content !== "string") {
    throw new LlmError(`the LLM provider at ${base} answered without a message`);
  }
  return content;
}

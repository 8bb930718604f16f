// A scripted model: a loopback HTTP server speaking the real wire formats of
// Ollama (/api/chat) and OpenAI (/v1/chat/completions), streaming or not, with
// tool calls. A script decides each reply from the messages it receives.

export interface SeenMessage {
  role: string;
  content: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  toolCallId?: string;
}

export interface ScriptReply {
  text?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  /** Wait before answering (to test cancellation of the model request). */
  delayMs?: number;
}

export interface ModelRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  messages: SeenMessage[];
  /** Names of the tools offered to the model. */
  tools: string[];
}

export interface ScriptedModel {
  url: string;
  requests: ModelRequest[];
  close(): Promise<void>;
}

export type Script = (messages: SeenMessage[], request: ModelRequest) => ScriptReply;

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part as { text?: string })?.text ?? "").join("");
  }
  return content === undefined || content === null ? "" : JSON.stringify(content);
}

function parseArguments(value: unknown): Record<string, unknown> {
  if (typeof value === "string") return value ? JSON.parse(value) : {};
  return (value ?? {}) as Record<string, unknown>;
}

function seenMessages(body: Record<string, unknown>): SeenMessage[] {
  const raw = (body.messages ?? []) as Record<string, unknown>[];
  return raw.map((m) => {
    const calls = m.tool_calls as { function: { name: string; arguments: unknown } }[] | undefined;
    return {
      role: String(m.role),
      content: contentText(m.content),
      ...(calls?.length
        ? {
          toolCalls: calls.map((c) => ({
            name: c.function.name,
            arguments: parseArguments(c.function.arguments),
          })),
        }
        : {}),
      ...(m.tool_call_id ? { toolCallId: String(m.tool_call_id) } : {}),
    };
  });
}

/** Splits a text into a few chunks, so streaming is really streamed. */
function chunks(text: string): string[] {
  const parts = text.match(/.{1,8}/gs) ?? [];
  return parts.length > 0 ? parts : [];
}

let callCounter = 0;

function ollamaReply(model: string, reply: ScriptReply, stream: boolean): Response {
  const now = new Date().toISOString();
  const toolCalls = reply.toolCalls?.map((c) => ({
    function: { name: c.name, arguments: c.arguments },
  }));
  const done = {
    model,
    created_at: now,
    done: true,
    done_reason: "stop",
    prompt_eval_count: 10,
    eval_count: 5,
  };
  if (!stream) {
    return Response.json({
      ...done,
      message: {
        role: "assistant",
        content: reply.text ?? "",
        ...(toolCalls ? { tool_calls: toolCalls } : {}),
      },
    });
  }
  const lines: unknown[] = chunks(reply.text ?? "").map((part) => ({
    model,
    created_at: now,
    message: { role: "assistant", content: part },
    done: false,
  }));
  if (toolCalls) {
    lines.push({
      model,
      created_at: now,
      message: { role: "assistant", content: "", tool_calls: toolCalls },
      done: false,
    });
  }
  lines.push({ ...done, message: { role: "assistant", content: "" } });
  return new Response(lines.map((l) => JSON.stringify(l) + "\n").join(""), {
    headers: { "content-type": "application/x-ndjson" },
  });
}

function openaiReply(model: string, reply: ScriptReply, stream: boolean): Response {
  const id = `chatcmpl-${++callCounter}`;
  const toolCalls = reply.toolCalls?.map((c, index) => ({
    index,
    id: `call_${callCounter}_${index}`,
    type: "function",
    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
  }));
  const finish = toolCalls ? "tool_calls" : "stop";
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  if (!stream) {
    return Response.json({
      id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{
        index: 0,
        message: {
          role: "assistant",
          content: reply.text ?? (toolCalls ? null : ""),
          ...(toolCalls ? { tool_calls: toolCalls.map(({ index: _, ...c }) => c) } : {}),
        },
        finish_reason: finish,
      }],
      usage,
    });
  }
  const base = {
    id,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
  };
  const events: unknown[] = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
  ];
  for (const part of chunks(reply.text ?? "")) {
    events.push({ ...base, choices: [{ index: 0, delta: { content: part } }] });
  }
  if (toolCalls) {
    events.push({ ...base, choices: [{ index: 0, delta: { tool_calls: toolCalls } }] });
  }
  events.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }], usage });
  const text = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + "data: [DONE]\n\n";
  return new Response(text, { headers: { "content-type": "text/event-stream" } });
}

export function startScriptedModel(script: Script): ScriptedModel {
  const requests: ModelRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const text = await req.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return new Response("bad json", { status: 400 });
    }
    const tools = ((body.tools ?? []) as { function?: { name?: string } }[])
      .map((t) => t.function?.name ?? "");
    const request: ModelRequest = {
      method: req.method,
      path,
      headers: Object.fromEntries(req.headers),
      body,
      messages: seenMessages(body),
      tools,
    };
    requests.push(request);
    const ollama = req.method === "POST" && path === "/api/chat";
    const openai = req.method === "POST" && path === "/v1/chat/completions";
    if (!ollama && !openai) return new Response("not found", { status: 404 });
    let reply: ScriptReply;
    try {
      reply = script(request.messages, request);
    } catch (err) {
      return new Response(`script failed: ${err}`, { status: 500 });
    }
    if (reply.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    }
    const model = String(body.model ?? "");
    // Ollama streams unless told not to; OpenAI only when asked.
    return ollama
      ? ollamaReply(model, reply, body.stream !== false)
      : openaiReply(model, reply, body.stream === true);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}

/** The last message the user sent. */
export function lastUser(messages: SeenMessage[]): string {
  return messages.findLast((m) => m.role === "user")?.content ?? "";
}

/** Tool results the model has received so far, in order. */
export function toolResults(messages: SeenMessage[]): string[] {
  return messages.filter((m) => m.role === "tool").map((m) => m.content);
}

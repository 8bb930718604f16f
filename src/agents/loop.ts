// An agent run (SPEC §10): the model sees the agent's instructions, skills and
// tools (from its MCP servers), calls tools, reads their results and goes on
// until it answers or reaches maxSteps. Built on the AI SDK's loop; every
// streamed text delta and tool call becomes an event.
import type { ModelMessage, Tool } from "ai";
import type { ExecutionEventType } from "../model/execution.ts";
import type { ResourceStore } from "../store/store.ts";
import type { LlmSettings } from "../model/llm.ts";
import { connectMcpServer, type McpConnection, type McpServerConfig } from "../mcp/client.ts";
import type { McpProcessRecord } from "../mcp/process_record.ts";
import { baseOf, languageModel, providerHint } from "./model.ts";
import { loadAgent, resolveAgentSpec, type ResolvedAgent, type SecretLookup } from "./spec.ts";
import { Redactor } from "../secrets/vault.ts";
import type { AgentJournal } from "./checkpoints.ts";

export { AgentNotFoundError } from "./spec.ts";

export const DEFAULT_MAX_STEPS = 20;
export const DEFAULT_TOOL_TIMEOUT_MS = 120_000;
/** The longest tool result an event carries (the model gets it whole). */
export const EVENT_RESULT_CHARS = 2000;

export class AgentRunError extends Error {}

export interface AgentEvent {
  type: ExecutionEventType;
  task: string;
  message: string;
  data: unknown;
}

export interface AgentRunRequest {
  store: ResourceStore;
  llm: LlmSettings;
  org: string;
  agent: string;
  message: string;
  signal: AbortSignal;
  /** The task path events carry: the agent's name for a direct run, the task in a workflow. */
  task: string;
  emit(event: AgentEvent): Promise<void>;
  record?: McpProcessRecord;
  toolTimeoutMs?: number;
  history?: ModelMessage[];
  /** Secret values by name, for `${secrets.NAME}` in the agent's MCP servers. */
  secrets?: SecretLookup;
  /** False: stdio MCP servers are refused (a shared server without --allow-local-processes). */
  allowLocalProcesses?: boolean;
  /** Hides the secret values used; the caller applies it to what it stores too. */
  redactor?: Redactor;
  /** Durable runs: records each step and tool result; its replay is where the loop goes on. */
  journal?: AgentJournal;
}

export interface AgentRunResult {
  text: string;
  /** The whole conversation, as the AI SDK records it (history, message, steps). */
  messages: ModelMessage[];
  steps: number;
}

function bounded(text: string): { text: string; truncated: boolean } {
  return text.length > EVENT_RESULT_CHARS
    ? { text: text.slice(0, EVENT_RESULT_CHARS), truncated: true }
    : { text, truncated: false };
}

function oneLine(value: unknown, max = 100): string {
  const text = JSON.stringify(value) ?? "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The provider's failure as a message naming its URL and what to do. */
function providerError(llm: LlmSettings, err: unknown): AgentRunError {
  const base = baseOf(llm);
  const e = err as {
    statusCode?: number;
    responseBody?: string;
    cause?: unknown;
    message?: string;
  };
  if (typeof e?.statusCode === "number") {
    return new AgentRunError(
      `the LLM provider at ${base} answered ${e.statusCode}: ${
        (e.responseBody ?? "").slice(0, 300)
      }; ${providerHint(llm)}`,
    );
  }
  // A connection failure: fetch's own error is the most precise reason.
  let cause: unknown = err;
  while ((cause as { cause?: unknown })?.cause) cause = (cause as { cause: unknown }).cause;
  const reason = String((cause as Error)?.message ?? cause).replace(/^.*?Error: /, "");
  if (/fetch|connect|refused|network|dns|resolve/i.test(`${e?.message} ${reason}`)) {
    return new AgentRunError(
      `cannot reach the LLM provider (${llm.provider}) at ${base}: ${reason}; ${providerHint(llm)}`,
    );
  }
  return new AgentRunError(
    `the LLM provider (${llm.provider}) at ${base} failed: ${e?.message ?? err}; ${
      providerHint(llm)
    }`,
  );
}

export async function runAgent(request: AgentRunRequest): Promise<AgentRunResult> {
  const redactor = request.redactor ?? new Redactor();
  try {
    return await agentLoop(request, redactor);
  } catch (err) {
    if (request.signal.aborted || !redactor.active || !(err instanceof Error)) throw err;
    throw new AgentRunError(redactor.text(err.message));
  }
}

async function agentLoop(
  request: AgentRunRequest,
  redactor: Redactor,
  resolved?: ResolvedAgent,
): Promise<AgentRunResult> {
  const { signal, task } = request;
  const emit = (event: AgentEvent) =>
    request.emit({
      ...event,
      message: redactor.text(event.message),
      data: redactor.value(event.data),
    });
  const used = new Set<string>();
  const agent = resolved ??
    await loadAgent(request.store, request.org, request.agent, request.secrets, used);
  redactor.add(used);
  const maxSteps = agent.maxSteps ?? DEFAULT_MAX_STEPS;
  const toolTimeoutMs = request.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const ai = await import("ai");
  let apiKey: string | undefined;
  if (request.llm.apiKeySecret) {
    const lookup = request.secrets ??
      ((name: string) => Promise.reject(new Error(`secret "${name}" is not set`)));
    apiKey = await lookup(request.llm.apiKeySecret);
    redactor.add([apiKey]);
  }
  const model = await languageModel(
    request.llm,
    agent.model,
    apiKey ?? request.llm.apiKey,
  );

  const refused = agent.mcpServers.find((s) => s.stdio);
  if (refused && request.allowLocalProcesses === false) {
    throw new AgentRunError(
      `this shared server does not start local processes, so it refuses the stdio MCP server "${refused.name}" of agent ${agent.name}; use an http MCP server, or start the server with --allow-local-processes`,
    );
  }
  const connections: McpConnection[] = [];
  const notes: string[] = [];
  try {
    // Every server starts at once; one that cannot start is told to the model.
    const started = await Promise.allSettled(
      agent.mcpServers.map((server: McpServerConfig) =>
        connectMcpServer(server, { record: request.record, signal })
      ),
    );
    if (signal.aborted) throw signal.reason;
    for (const [index, outcome] of started.entries()) {
      if (outcome.status === "fulfilled") {
        connections.push(outcome.value);
        continue;
      }
      const message = (outcome.reason as Error)?.message ?? String(outcome.reason);
      notes.push(message);
      await emit({
        type: "tool.call.failed",
        task,
        message,
        data: { server: agent.mcpServers[index].name, error: message, phase: "start" },
      });
    }

    /** A tool call's started event; what its end needs. */
    const startToolCall = async (
      name: string,
      args: Record<string, unknown>,
      callId: string,
      extra: Record<string, unknown>,
    ) => {
      const started = performance.now();
      const base = { name, ...extra, arguments: args, callId };
      await emit({
        type: "tool.call.started",
        task,
        message: `${name} ${oneLine(args)}`,
        data: base,
      });
      return { name, args, callId, base, started };
    };
    /** A tool call's end: its event, its checkpoint, and the text the model reads back. */
    const endToolCall = async (
      call: Awaited<ReturnType<typeof startToolCall>>,
      outcome: { ok: boolean; text: string },
    ): Promise<string> => {
      const { name, args, base } = call;
      const ms = Math.round(performance.now() - call.started);
      const { text, truncated } = bounded(outcome.text);
      await emit({
        type: outcome.ok ? "tool.call.completed" : "tool.call.failed",
        task,
        message: outcome.ok
          ? `${name} ${oneLine(args)} (${ms} ms)`
          : `${name} ${oneLine(args)}: ${oneLine(outcome.text, 200)}`,
        data: outcome.ok
          ? { ...base, status: "completed", result: text, truncated, ms }
          : { ...base, status: "failed", error: text, truncated, ms },
      });
      // A failed call is a result the model reads, so it can try something else.
      const returned = outcome.ok ? outcome.text : `Error: ${outcome.text}`;
      await request.journal?.recordTool(call.callId, name, redactor.value(args), returned);
      return returned;
    };

    const tools: Record<string, Tool> = {};
    const counts = new Map<string, number>();
    for (const tool of connections.flatMap((c) => c.tools)) {
      counts.set(tool.name, (counts.get(tool.name) ?? 0) + 1);
    }
    for (const tool of connections.flatMap((c) => c.tools)) {
      // Two servers with the same tool name: both are offered, named by their server.
      const name = counts.get(tool.name)! > 1 ? `${tool.server}__${tool.name}` : tool.name;
      tools[name] = ai.dynamicTool({
        description: tool.description ?? "",
        inputSchema: ai.jsonSchema(tool.inputSchema as Parameters<typeof ai.jsonSchema>[0]),
        execute: async (input, options) => {
          const args = (input ?? {}) as Record<string, unknown>;
          const call = await startToolCall(name, args, options.toolCallId, { server: tool.server });
          const callSignal = options.abortSignal
            ? AbortSignal.any([signal, options.abortSignal])
            : signal;
          const raw = await tool.call(args, callSignal, toolTimeoutMs);
          // A server may echo what it was given: secret values never reach the model or events.
          return await endToolCall(call, { ok: raw.ok, text: redactor.text(raw.text) });
        },
      });
    }

    // Sub-agents: tools that run the same loop with their own instructions and tools;
    // their events nest under this task.
    for (const sub of agent.subAgents) {
      if (tools[sub.name]) continue;
      tools[sub.name] = ai.dynamicTool({
        description: sub.description ?? `Ask the sub-agent ${sub.name}`,
        inputSchema: ai.jsonSchema({
          type: "object",
          properties: { message: { type: "string", description: `what to ask ${sub.name}` } },
          required: ["message"],
        }),
        execute: async (input, options) => {
          const message = String((input as { message?: unknown })?.message ?? "");
          const call = await startToolCall(sub.name, { message }, options.toolCallId, {
            subAgent: true,
          });
          let outcome: { ok: boolean; text: string };
          try {
            const subUsed = new Set<string>();
            const resolvedSub = await resolveAgentSpec(
              request.store,
              request.org,
              sub.name,
              sub,
              request.secrets ??
                ((name) => Promise.reject(new Error(`secret "${name}" is not set`))),
              subUsed,
            );
            redactor.add(subUsed);
            const result = await agentLoop(
              {
                ...request,
                agent: sub.name,
                message,
                history: undefined,
                journal: undefined,
                task: `${task}/${sub.name}`,
                signal: options.abortSignal
                  ? AbortSignal.any([signal, options.abortSignal])
                  : signal,
              },
              redactor,
              resolvedSub,
            );
            outcome = { ok: true, text: result.text };
          } catch (err) {
            if (signal.aborted) throw signal.reason;
            outcome = { ok: false, text: redactor.text((err as Error)?.message ?? String(err)) };
          }
          return await endToolCall(call, outcome);
        },
      });
    }

    const instructions = notes.length > 0
      ? `${agent.instructions}\n\n## Unavailable tools\n${notes.join("\n")}`
      : agent.instructions;
    const journal = request.journal;
    const input: ModelMessage[] = [
      ...(request.history ?? []),
      { role: "user", content: request.message },
      ...(journal?.replay ?? []),
    ];
    let streamError: unknown;
    let recordError: unknown;
    const result = ai.streamText({
      model,
      system: instructions,
      messages: input,
      tools,
      stopWhen: ai.stepCountIs(Math.max(1, maxSteps - (journal?.steps ?? 0))),
      abortSignal: signal,
      maxRetries: 1,
      onError: ({ error }) => {
        streamError ??= error;
      },
      // Awaited before the next step starts; the AI SDK swallows a callback's error.
      onStepFinish: journal
        ? async (step) => {
          try {
            await journal.recordStep(redactor.value(step.response.messages));
          } catch (err) {
            recordError ??= err;
          }
        }
        : undefined,
    });
    let text = "";
    let steps = 0;
    let lastFinish = "";
    for await (const part of result.stream) {
      if (part.type === "text-delta") {
        if (!part.text) continue;
        text += part.text;
        await emit({
          type: "agent.message",
          task,
          message: part.text,
          data: { agent: agent.name, delta: true },
        });
      } else if (part.type === "finish-step") {
        steps++;
        lastFinish = part.finishReason;
        if (lastFinish === "tool-calls") text = "";
      } else if (part.type === "error") {
        streamError ??= part.error;
      }
    }
    if (signal.aborted) throw signal.reason;
    if (recordError) throw recordError;
    if (streamError) throw providerError(request.llm, streamError);
    if (lastFinish === "tool-calls") {
      throw new AgentRunError(
        `agent ${agent.name} reached maxSteps (${maxSteps}) while still calling tools; raise spec.maxSteps or give it a narrower task`,
      );
    }
    const response = await result.response;
    return {
      text: redactor.text(text),
      messages: redactor.value([...input, ...response.messages]),
      steps,
    };
  } finally {
    await Promise.allSettled(connections.map((c) => c.close()));
  }
}

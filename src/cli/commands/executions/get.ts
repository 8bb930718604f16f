import { lazyImport } from "../../../lazy_import.ts";
import { connectBackend } from "../../backend.ts";
import { explain, withBackend } from "../../rpc_errors.ts";
import { makeClient } from "../../../client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../../rpc/gen/stigmer/v1/execution.ts";
import { follow } from "../../follow.ts";
import { info, printJson, writeOut } from "../../output.ts";
import { eventJson } from "../../follow.ts";

interface Transcript {
  messages: { role: string; task?: string; text: string }[];
  toolCalls: Record<string, unknown>[];
  lines: string[];
}

/** The stored events of a finished execution, as a conversation. */
async function readTranscript(
  client: ReturnType<typeof makeClient<typeof ExecutionServiceDefinition>>,
  org: string,
  id: string,
): Promise<Transcript> {
  const transcript: Transcript = { messages: [], toolCalls: [], lines: [] };
  for await (const event of client.watch({ org, id, afterSeq: 0 })) {
    const { data } = eventJson(event);
    const fields = (data ?? {}) as Record<string, unknown>;
    if (event.type === "agent.message" && fields.delta !== true) {
      transcript.messages.push({ role: "agent", task: event.task, text: event.message });
      transcript.lines.push(`agent ${event.task}: ${event.message}`);
    } else if (event.type === "tool.call.completed" || event.type === "tool.call.failed") {
      transcript.toolCalls.push({ task: event.task, ...fields });
      transcript.lines.push(
        `${event.type === "tool.call.completed" ? "⚙" : "✗"} ${event.task}: ${event.message}`,
      );
    }
  }
  return transcript;
}

export async function get(
  id: string,
  opts: {
    json?: boolean;
    /** table, json or yaml, as everywhere else; `--json` is `-o json`. */
    output?: "table" | "json" | "yaml";
    follow?: boolean;
    org?: string;
    autoStart?: boolean;
  },
): Promise<void> {
  if (opts.output === "json") opts = { ...opts, json: true };
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart, quiet: true });
  const org = backend.selection.org;
  try {
    const client = makeClient(backend.channel, ExecutionServiceDefinition);
    const execution = await withBackend(backend.selection, () => client.get({ org, id }));
    if (opts.follow) {
      let result;
      try {
        result = await follow(backend.channel, org, id, { json: opts.json });
      } catch (err) {
        throw explain(err, backend.selection);
      }
      if (result.detached) return;
      // The same closing lines as `stigmer run`: the output and how it ended.
      const { printRunSummary, storedDuration } = await lazyImport<
        typeof import("../../run_summary.ts")
      >("../../run_summary.ts", import.meta.url);
      const ended = await withBackend(backend.selection, () => client.get({ org, id }));
      printRunSummary(ended, result, storedDuration(ended) ?? 0, opts.json);
      return;
    }
    const view = {
      ...execution,
      input: execution.inputJson ? JSON.parse(execution.inputJson) : {},
      output: execution.outputJson ? JSON.parse(execution.outputJson) : null,
    };
    const { inputJson: _i, outputJson: _o, ...shown } = view;
    // A finished run's conversation: what was asked, each tool call, each whole message.
    const ended = !["RUNNING", "PENDING"].includes(execution.phase);
    const transcript = ended ? await readTranscript(client, org, id) : undefined;
    if (transcript && (transcript.messages.length > 0 || transcript.toolCalls.length > 0)) {
      const message = (view.input as { message?: unknown }).message;
      if (typeof message === "string") {
        transcript.messages.unshift({ role: "user", text: message });
        transcript.lines.unshift(`user: ${message}`);
      }
      Object.assign(shown, { messages: transcript.messages, toolCalls: transcript.toolCalls });
    }
    if (opts.json) return printJson(shown);
    if (opts.output === "yaml") {
      const { stringify } = await import("yaml");
      return writeOut(stringify(shown).trimEnd());
    }
    for (const [key, value] of Object.entries(shown)) {
      if (value === "" || value === null || key === "messages" || key === "toolCalls") continue;
      writeOut(
        `${`${key}:`.padEnd(13)}${typeof value === "object" ? JSON.stringify(value) : value}`,
      );
    }
    if (transcript && transcript.lines.length > 0) {
      writeOut("transcript:");
      for (const line of transcript.lines) writeOut(`  ${line}`);
    }
    if (execution.phase === "RUNNING" || execution.phase === "PENDING") {
      info(`Follow it: stigmer executions get ${id} --follow`);
    }
  } finally {
    backend.channel.close();
  }
}

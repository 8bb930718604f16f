// Following an execution's events: readable lines, or NDJSON with --json.
// Ctrl-C detaches; the run goes on in the backend.
import type { Channel } from "../client/grpc_fetch.ts";
import { makeClient } from "../client/grpc_fetch.ts";
import {
  type ExecutionEvent,
  ExecutionServiceDefinition,
} from "../rpc/gen/stigmer/v1/execution.ts";
import { BackendUnavailableError, StigmerError } from "../errors.ts";
import { GrpcError, Status } from "../rpc/status.ts";
import { colors, info, writeOut } from "./output.ts";

const TERMINAL = new Set([
  "execution.completed",
  "execution.failed",
  "execution.cancelled",
  "execution.interrupted",
]);

export interface FollowResult {
  phase: string;
  detached: boolean;
  tasksCompleted: number;
  tasksFailed: number;
  output?: unknown;
}

function short(json: string, max = 120): string {
  return json.length > max ? `${json.slice(0, max - 1)}…` : json;
}

/** An event as --json prints it: `data` a JSON value, never a JSON string (SPEC §9). */
export function eventJson(event: ExecutionEvent): Record<string, unknown> {
  const { dataJson, ...rest } = event;
  let data: unknown = null;
  if (dataJson) {
    try {
      data = JSON.parse(dataJson);
    } catch {
      data = dataJson;
    }
  }
  return { ...rest, data };
}

function eventData(event: ExecutionEvent): Record<string, unknown> {
  const data = eventJson(event).data;
  return data !== null && typeof data === "object" ? data as Record<string, unknown> : {};
}

/** Streamed agent text is written as it comes; a line ends before anything else. */
const streamed = { open: "" };

function endStreamedLine(): void {
  if (streamed.open) {
    Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    streamed.open = "";
  }
}

function printEvent(event: ExecutionEvent): void {
  const c = colors();
  if (event.type === "agent.message" && eventData(event).delta === true) {
    if (streamed.open !== event.task) {
      endStreamedLine();
      Deno.stderr.writeSync(new TextEncoder().encode(`${c.cyan("agent")} ${event.task}: `));
      streamed.open = event.task;
    }
    Deno.stderr.writeSync(new TextEncoder().encode(event.message));
    return;
  }
  if (event.type === "agent.message" && streamed.open === event.task) {
    // The whole message after its deltas: already on screen.
    endStreamedLine();
    return;
  }
  endStreamedLine();
  switch (event.type) {
    case "task.started":
      return info(c.dim(`→ ${event.task}`));
    case "task.completed":
      return info(
        `${c.green("✓")} ${event.task}${event.dataJson ? c.dim(` ${short(event.dataJson)}`) : ""}`,
      );
    case "task.failed": {
      // The engine's message already names the task that failed: say it once.
      const message = event.message.startsWith(`${event.task}: `)
        ? event.message.slice(event.task.length + 2)
        : event.message;
      return info(`${c.red("✗")} ${event.task}: ${message}`);
    }
    case "agent.message":
      return info(`${c.cyan("agent")} ${event.task}: ${event.message}`);
    case "tool.call.completed":
      return info(`  ${c.green("⚙")} ${event.message}`);
    case "tool.call.failed":
      return info(`  ${c.red("⚙")} ${event.message}`);
    case "event.emitted":
      return info(c.dim(`  ↑ ${event.task}: emitted ${event.message}`));
    case "event.received":
      return info(c.dim(`  ↓ ${event.task}: received ${event.message}`));
    case "log":
      return info(c.dim(event.message));
    case "execution.started":
      return info(`Started ${event.executionId}: ${event.message}`);
    case "execution.resumed":
      return info(c.dim(`Resumed ${event.executionId}: ${event.message}`));
    default:
      return;
  }
}

/** How long a follower keeps trying to reach a backend again before it gives up. */
const RECONNECT_FOR_MS = 60_000;

export interface FollowOptions {
  json?: boolean;
  afterSeq?: number;
  /**
   * A fresh channel to the backend after the stream was lost (the local daemon was killed:
   * this starts the next one, which resumes the run). Without it a lost stream is an error.
   */
  reconnect?: () => Promise<Channel>;
}

export async function follow(
  channel: Channel,
  org: string,
  id: string,
  options: FollowOptions,
): Promise<FollowResult> {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  const result: FollowResult = { phase: "", detached: false, tasksCompleted: 0, tasksFailed: 0 };
  let lastFailure: string | undefined;
  let lastSeq = options.afterSeq ?? 0;
  let lostSince: number | undefined;
  try {
    for (;;) {
      try {
        const ended = await watchOnce();
        if (ended) return result;
        throw new GrpcError(Status.UNAVAILABLE, "the event stream ended before the execution did");
      } catch (err) {
        if (controller.signal.aborted || !options.reconnect) throw err;
        if (!(err instanceof GrpcError || err instanceof BackendUnavailableError)) throw err;
        if (err instanceof GrpcError && err.code !== Status.UNAVAILABLE) throw err;
        lostSince ??= performance.now();
        if (performance.now() - lostSince > RECONNECT_FOR_MS) throw err;
        if (!options.json) info(colors().dim(`lost the backend; reconnecting to follow ${id}…`));
        try {
          channel = await options.reconnect();
        } catch (again) {
          if (!(again instanceof BackendUnavailableError)) throw again;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    }
  } catch (err) {
    if (controller.signal.aborted) {
      result.detached = true;
      return result;
    }
    if (err instanceof StigmerError) throw err;
    // The backend went away mid-stream (a crash, a restart): the run may live on.
    if (err instanceof GrpcError && err.code === Status.UNAVAILABLE) {
      throw new BackendUnavailableError(
        `lost the connection while following ${id}: ${err.details}`,
        {
          hint:
            `see: stigmer server status; follow it again: stigmer executions get ${id} --follow`,
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }

  /** Follows until the terminal event (true) or until the stream ends without one (false). */
  async function watchOnce(): Promise<boolean> {
    const stream = makeClient(channel, ExecutionServiceDefinition).watch(
      { org, id, afterSeq: lastSeq },
      { signal: controller.signal },
    );
    for await (const event of stream) {
      if (event.seq <= lastSeq) continue;
      lastSeq = event.seq;
      lostSince = undefined;
      if (options.json) writeOut(JSON.stringify(eventJson(event)));
      else printEvent(event);
      if (event.type === "task.completed") result.tasksCompleted++;
      if (event.type === "task.failed") {
        result.tasksFailed++;
        lastFailure = event.message;
      }
      if (TERMINAL.has(event.type)) {
        result.phase = event.type.slice("execution.".length).toUpperCase();
        if (event.type === "execution.completed" && event.dataJson) {
          result.output = JSON.parse(event.dataJson);
        }
        // A run that failed with its task's error: that line was just printed.
        if (
          event.type !== "execution.completed" && !options.json && event.message !== lastFailure
        ) {
          info(`${colors().red("✗")} ${event.message}`);
        }
        return true;
      }
    }
    return false;
  }
}

// The engine's public types: the workflow document it runs and the hooks its caller gives it.
import type { ExecutionEventType } from "../model/execution.ts";
import type { ProblemDetails } from "./errors.ts";

/** A CNCF Serverless Workflow 1.0 document (the subset this engine runs; extra fields are allowed). */
export interface WorkflowDocument {
  document: {
    dsl: string;
    namespace: string;
    name: string;
    version: string;
    [key: string]: unknown;
  };
  do: TaskList;
  input?: { from?: unknown; schema?: unknown };
  output?: { as?: unknown; schema?: unknown };
  timeout?: unknown;
  use?: {
    errors?: Record<string, unknown>;
    retries?: Record<string, unknown>;
    timeouts?: Record<string, unknown>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** An ordered list of single-key objects: `[{ taskName: task }, …]`. */
export type TaskList = Array<Record<string, TaskDefinition>>;

/** Fields every task may have, plus the one field that says its kind (set, call, for…). */
export interface TaskDefinition {
  if?: string;
  input?: { from?: unknown; schema?: unknown };
  output?: { as?: unknown; schema?: unknown };
  export?: { as?: unknown; schema?: unknown };
  timeout?: unknown;
  then?: string;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface EngineEvent {
  type: ExecutionEventType;
  /** The task's path, e.g. "do/0/greet" or "do/1/loop/do/0/step". */
  task: string;
  message: string;
  data?: unknown;
}

export interface AgentCallRequest {
  /** The agent's name, as `call: agent` / `with.agent` gives it. */
  agent: string;
  message: string;
  /** The task's input (after `input.from`). */
  input: unknown;
  /** Aborts when the run is cancelled or the task times out. */
  signal: AbortSignal;
}

export interface EngineHooks {
  emit(event: EngineEvent): void | Promise<void>;
  /** Runs one turn of the named agent and returns its reply text. */
  callAgent(request: AgentCallRequest): Promise<string>;
  /** Defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Durable runs: records each task's outcome and replays recorded ones (journal.ts). */
  journal?: EngineJournal;
}

/** What a task's run produced: its result, or the error it failed with. */
export type JournalEntry =
  // `context`: $context after the task, when tasks nested in it exported (replay restores it).
  | { output: unknown; then?: string; end?: boolean; context?: unknown }
  | { error: ProblemDetails; message: string; context?: unknown };

export interface EngineJournal {
  /**
   * The recorded outcome of the task run at `key` ("/do/1/loop/do/0/step@1.3": pointer @
   * occurrence), or undefined when it must run. A replayed task emits no events again.
   */
  replay(key: string, task: string): JournalEntry | undefined | Promise<JournalEntry | undefined>;
  /** A task's run ended: awaited before anything else happens in that branch of the run. */
  record(key: string, entry: JournalEntry, task: string): void | Promise<void>;
}

export interface RunOptions {
  /** Aborting it cancels the run: the promise rejects with WorkflowCancelledError within ~1 ms. */
  signal: AbortSignal;
  /** Timeout for each `call` task that sets none of its own. */
  defaultTaskTimeoutMs?: number;
  /** Exposed to expressions as $workflow.id; defaults to a random UUID. */
  executionId?: string;
}

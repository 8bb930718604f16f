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
  /** The calling task's path: the agent's events carry it. */
  task?: string;
  /** Durable runs: the calling task's journal key (the same on a resumed run). */
  journalKey?: string;
}

/** `call: mcp`'s transport, as the DSL writes it. */
export interface McpTransportSpec {
  stdio?: { command: string; arguments?: string[]; environment?: Record<string, string> };
  http?: { endpoint: string; headers?: Record<string, string> };
}

export interface McpCallRequest {
  method: string;
  parameters: unknown;
  transport: McpTransportSpec;
  signal: AbortSignal;
  task: string;
}

/** A CloudEvent 1.0 in its JSON form: what `emit` publishes and `listen` consumes. */
export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  [extension: string]: unknown;
}

/** The event bus of the process running the workflow (scoped to the run's organization). */
export interface EventHooks {
  publish(event: CloudEvent): void | Promise<void>;
  /** Calls `onEvent` for every event published from now until the returned function is called. */
  subscribe(onEvent: (event: CloudEvent) => void): () => void;
}

/** A `run: workflow` target: the DSL names a workflow by namespace, name and version. */
export interface WorkflowRef {
  namespace: string;
  name: string;
  /** "latest" when the task gives none. */
  version: string;
}

export interface EngineHooks {
  /**
   * Finds a workflow for `run: workflow` (by its document's namespace, name and version).
   * Without it, such tasks fail with a configuration error.
   */
  loadWorkflow?(ref: WorkflowRef, signal: AbortSignal): Promise<WorkflowDocument | undefined>;
  /**
   * The `$secrets` of a sub-workflow (`run: workflow`), by its own `use.secrets` (see
   * src/engine/secrets.ts); throws when a declared one is missing. Without it, a
   * sub-workflow sees the caller's secrets.
   */
  loadSecrets?(document: WorkflowDocument): Promise<Record<string, unknown> | undefined>;
  emit(event: EngineEvent): void | Promise<void>;
  /** The event bus for `emit` and `listen`; without it those tasks fail with a runtime error. */
  eventBus?: EventHooks;
  /** Runs one turn of the named agent and returns its reply text. */
  callAgent(request: AgentCallRequest): Promise<string>;
  /** `call: mcp`: one MCP method; the JSON-RPC result. */
  callMcp?(request: McpCallRequest): Promise<unknown>;
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
  /**
   * A value a task keeps while it runs, across a resume (a `wait` records when it began): the
   * value recorded at `key` by an earlier run of the same task, else `value`, recorded now.
   * Without it, a resumed `wait` waits its whole duration again.
   */
  mark?(key: string, value: unknown): unknown | Promise<unknown>;
}

export interface RunOptions {
  /** Aborting it cancels the run: the promise rejects with WorkflowCancelledError within ~1 ms. */
  signal: AbortSignal;
  /** Timeout for each `call` task that sets none of its own. */
  defaultTaskTimeoutMs?: number;
  /** Exposed to expressions as $workflow.id; defaults to a random UUID. */
  executionId?: string;
  /** Exposed to expressions as $secrets (SPEC §11); the caller hides their values in events. */
  secrets?: Record<string, unknown>;
  /**
   * Whether `run: shell|script|container` may start local programs (default true, as in
   * the local daemon). When false, those tasks fail with this refusal's reason.
   */
  localProcesses?: { allowed: boolean; refusal?: string };
  /** How deep this run is in `run: workflow` calls (0 at the top). */
  depth?: number;
}

// The store interface. One SQL algorithm (sql_store.ts) implements it, on SQLite for the local
// daemon and on PostgreSQL for a shared server.
import type { ApplyOutcome, Kind, Resource, ResourceInput } from "../model/resource.ts";
import type {
  Execution,
  ExecutionEvent,
  ExecutionKind,
  ExecutionPhase,
} from "../model/execution.ts";

export interface ApplyBatchOptions {
  /** Delete resources of this project that the batch no longer declares. */
  pruneProject?: string;
}

export interface ApplyBatchResult {
  outcomes: ApplyOutcome[]; // in input order
  pruned: Resource[];
}

export interface ListOptions {
  kind?: Kind;
  /** Every label here must match exactly. */
  labels?: Record<string, string>;
  pageSize?: number; // default 100, at most 1000
  pageToken?: string; // opaque; "" or undefined for the first page
}

export interface Page<T> {
  items: T[];
  nextPageToken: string; // "" on the last page
}

export interface NewExecution {
  kind: ExecutionKind;
  org: string;
  targetId: string;
  targetName: string;
  input: Record<string, unknown>;
  /** The workflow document as it was when the run started: a resumed run uses this version. */
  workflow?: unknown;
}

/** A task's recorded outcome in a durable run (the engine's JournalEntry, as JSON). */
export interface Checkpoint {
  key: string;
  entry: unknown;
}

export interface ExecutionUpdate {
  phase?: ExecutionPhase;
  output?: unknown;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface ResourceStore {
  /** Upsert by org + kind + slug, all in one transaction: all or nothing. */
  applyBatch(
    org: string,
    inputs: ResourceInput[],
    options?: ApplyBatchOptions,
  ): Promise<ApplyBatchResult>;
  /** Find by slug, name or id. */
  get(org: string, kind: Kind, ref: string): Promise<Resource | undefined>;
  list(org: string, options?: ListOptions): Promise<Page<Resource>>;
  /** Returns the deleted resource, or undefined when there was none. */
  delete(org: string, kind: Kind, ref: string): Promise<Resource | undefined>;

  createExecution(input: NewExecution): Promise<Execution>;
  getExecution(org: string, id: string): Promise<Execution | undefined>;
  listExecutions(
    org: string,
    options?: { pageSize?: number; pageToken?: string },
  ): Promise<Page<Execution>>;
  updateExecution(id: string, update: ExecutionUpdate): Promise<Execution>;
  /** Appends with the next seq for that execution and returns the stored event. */
  appendEvent(
    event: Omit<ExecutionEvent, "seq" | "time"> & { time?: string },
  ): Promise<ExecutionEvent>;
  listEvents(executionId: string, afterSeq?: number): Promise<ExecutionEvent[]>;
  /**
   * Ends an execution: its final phase and its terminal event in one transaction, so no
   * reader sees one without the other (a process may die between two writes).
   */
  finishExecution(
    update: ExecutionUpdate,
    event: Omit<ExecutionEvent, "seq" | "time">,
  ): Promise<ExecutionEvent>;
  /** Sets an organization's secret, already encrypted (SPEC §11); the value never comes here in clear. */
  putSecret(org: string, name: string, sealed: SealedValue): Promise<"created" | "updated">;
  getSecret(org: string, name: string): Promise<SealedValue | undefined>;
  /** Names and dates only. */
  listSecrets(org: string): Promise<SecretEntry[]>;
  deleteSecret(org: string, name: string): Promise<boolean>;
  /** Agent sessions (SPEC §10): one JSON document per organization and name. */
  putSession(org: string, name: string, session: StoredSession): Promise<void>;
  getSession(org: string, name: string): Promise<StoredSession | undefined>;
  listSessions(org: string): Promise<StoredSession[]>;
  deleteSession(org: string, name: string): Promise<boolean>;
  /** Records (or replaces) one task's outcome of a durable run. */
  putCheckpoint(executionId: string, checkpoint: Checkpoint): Promise<void>;
  listCheckpoints(executionId: string): Promise<Checkpoint[]>;
  /** The workflow document stored with the execution (null for agent runs). */
  getExecutionWorkflow(executionId: string): Promise<unknown>;
  /** Every PENDING or RUNNING execution, oldest first, across organizations. */
  listUnfinishedExecutions(): Promise<Execution[]>;
  /**
   * Calls back with the execution's id whenever any process appends an event, where the
   * database can tell (PostgreSQL LISTEN/NOTIFY); resolves with the way to stop. Optional:
   * a store only one process uses has nothing to tell.
   */
  watchEvents?(onEvent: (executionId: string) => void): Promise<() => Promise<void>>;
  /** Marks every PENDING or RUNNING execution INTERRUPTED; returns how many. */
  markUnfinishedInterrupted(): Promise<number>;

  /** SQLite's integrity check or the engine's equivalent: "ok" when sound. */
  integrityCheck(): Promise<string>;
  close(): Promise<void>;
}

/** A secret's value encrypted with AES-GCM: base64 IV and ciphertext with its tag. */
export interface SealedValue {
  iv: string;
  data: string;
}

export interface SecretEntry {
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** An agent session (SPEC §10): its messages as the AI SDK records them, and the runs that added to them. */
export interface StoredSession {
  name: string;
  agent: string;
  createdAt: string;
  updatedAt: string;
  executions: string[];
  // deno-lint-ignore no-explicit-any
  messages: any[];
}

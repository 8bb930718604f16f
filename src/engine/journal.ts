// Durable runs: the engine's side of checkpointing. Every run of a task gets a key that
// is the same on every run of the same workflow with the same recorded outcomes: the
// task's JSON pointer plus its occurrence (the how-many-th time it runs inside the same
// run of its enclosing task: a loop's iteration, a retry's attempt, a `then` jump back).
// The caller's journal (EngineHooks.journal) records each task's outcome and, on resume,
// hands it back so the task is not run again. The scope travels in an AsyncLocalStorage
// so task kinds need no change, and concurrent branches (fork) each keep their own.
import { AsyncLocalStorage } from "node:async_hooks";
import { WorkflowError } from "./errors.ts";
import type { TaskResult } from "./task.ts";
import type { EngineJournal, JournalEntry } from "./types.ts";

interface Scope {
  /** Occurrence numbers from the root, e.g. "1.4" (second top-level run, fifth inside it). */
  readonly occurrence: string;
  readonly counters: Map<string, number>;
  /** The journal key of the task this scope is the run of. */
  readonly key?: string;
}

const scopes = new AsyncLocalStorage<Scope>();

/** The keys of one run's tasks. */
export class JournalKeys {
  readonly #root: Scope = { occurrence: "", counters: new Map() };

  /** The key of the task that starts now at `pointer`, and the scope its nested tasks run in. */
  next(pointer: string): { key: string; scope: Scope } {
    const parent = scopes.getStore() ?? this.#root;
    const n = parent.counters.get(pointer) ?? 0;
    parent.counters.set(pointer, n + 1);
    const occurrence = parent.occurrence ? `${parent.occurrence}.${n}` : String(n);
    const key = `${pointer}@${occurrence}`;
    return { key, scope: { occurrence, counters: new Map(), key } };
  }

  /** Runs `body` (a task's own run) with `scope` as the enclosing scope of its nested tasks. */
  within<T>(scope: Scope, body: () => Promise<T>): Promise<T> {
    return scopes.run(scope, body);
  }
}

/** The journal key of the task running now (for what it records itself, e.g. an agent's steps). */
export function currentJournalKey(): string | undefined {
  return scopes.getStore()?.key;
}

/**
 * A value the running task keeps across a resume (EngineJournal.mark): the one an earlier
 * run of this same task recorded under `name`, else `value` (recorded now). Without a
 * journal, `value`.
 */
export async function keptValue<T>(journal: EngineJournal | undefined, name: string, value: T) {
  const key = currentJournalKey();
  if (!journal?.mark || key === undefined) return { value, kept: false };
  const recorded = await journal.mark(`${key}#${name}`, value);
  return { value: recorded as T, kept: recorded !== value };
}

/** What to record for a task whose run returned `result`. */
export function completedEntry(result: TaskResult, context?: unknown): JournalEntry {
  const entry: JournalEntry = { output: result.output ?? null };
  if (context !== undefined) entry.context = context;
  if (result.then !== undefined) entry.then = result.then;
  if (result.end) entry.end = true;
  return entry;
}

/** What to record for a task whose run failed with `error`. */
export function failedEntry(error: WorkflowError, context?: unknown): JournalEntry {
  const entry: JournalEntry = { error: error.toJSON(), message: error.message };
  if (context !== undefined) entry.context = context;
  return entry;
}

/** The recorded outcome as the task's run would have returned (or thrown) it. */
export function replayEntry(entry: JournalEntry): TaskResult {
  if ("error" in entry) {
    const { instance, ...problem } = entry.error;
    const where = instance?.replace(/^\//, "");
    const summary = where && entry.message.startsWith(`${where}: `)
      ? entry.message.slice(where.length + 2)
      : entry.message;
    throw new WorkflowError({ ...problem, instance, summary });
  }
  return { output: entry.output, then: entry.then, end: entry.end };
}

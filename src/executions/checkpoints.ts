// Durable runs, the store's side of the engine's journal (src/engine/journal.ts): each
// task's outcome is written to the store before the run goes on, and a resumed run gets
// back every outcome recorded so far, so completed tasks are not run again.
import type { EngineJournal, JournalEntry } from "../engine/mod.ts";
import type { ResourceStore } from "../store/store.ts";

/** A value a running task keeps across a resume (EngineJournal.mark), e.g. when a wait began. */
interface MarkEntry {
  mark: unknown;
}

/** Encrypts checkpoints that may hold secret values, and opens them on resume. */
export interface CheckpointSealer {
  seal(key: string, entry: JournalEntry | MarkEntry): Promise<unknown>;
  open(key: string, stored: unknown): Promise<JournalEntry>;
}

interface Sealed {
  sealed: { iv: string; data: string };
}

const isSealed = (v: unknown): v is Sealed =>
  typeof v === "object" && v !== null && "sealed" in v &&
  typeof (v as Sealed).sealed?.iv === "string";

/**
 * A sealer on the secret source's key (SPEC §11): a checkpoint recorded while `active()`
 * (the run has secret values) is stored encrypted, bound to the execution and task key.
 */
export function sealerFor(
  source: {
    seal?(context: string, text: string): Promise<{ iv: string; data: string }>;
    open?(context: string, sealed: { iv: string; data: string }): Promise<string>;
  } | undefined,
  executionId: string,
  active: () => boolean,
): CheckpointSealer | undefined {
  if (!source?.seal || !source.open) return undefined;
  const context = (key: string) => `checkpoint/${executionId}/${key}`;
  return {
    seal: async (key, entry) =>
      active() ? { sealed: await source.seal!(context(key), JSON.stringify(entry)) } : entry,
    open: async (key, stored) =>
      isSealed(stored)
        ? JSON.parse(await source.open!(context(key), stored.sealed))
        : stored as JournalEntry,
  };
}

export class StoreJournal implements EngineJournal {
  readonly #recorded: Map<string, JournalEntry>;
  #onResume: ((task: string) => Promise<void>) | undefined;

  private constructor(
    private readonly store: ResourceStore,
    private readonly executionId: string,
    recorded: Map<string, JournalEntry>,
    onResume: ((task: string) => Promise<void>) | undefined,
    private readonly sealer?: CheckpointSealer,
  ) {
    this.#recorded = recorded;
    this.#onResume = onResume;
  }

  /** A journal for a run that starts now: nothing to replay. */
  static fresh(store: ResourceStore, executionId: string, sealer?: CheckpointSealer): StoreJournal {
    return new StoreJournal(store, executionId, new Map(), undefined, sealer);
  }

  /**
   * A journal for a run that resumes: loads its checkpoints; `onResume` is called once,
   * with the first task that runs again (the one that was in flight).
   */
  static async resume(
    store: ResourceStore,
    executionId: string,
    onResume: (task: string) => Promise<void>,
    sealer?: CheckpointSealer,
  ): Promise<StoreJournal> {
    const recorded = new Map<string, JournalEntry>();
    for (const { key, entry } of await store.listCheckpoints(executionId)) {
      if (isSealed(entry) && !sealer) {
        throw new Error(`checkpoint ${key} of ${executionId} is encrypted and no key is available`);
      }
      recorded.set(key, sealer ? await sealer.open(key, entry) : entry as JournalEntry);
    }
    return new StoreJournal(store, executionId, recorded, onResume, sealer);
  }

  /** How many outcomes were recorded before this process took the run. */
  get replayable(): number {
    return this.#recorded.size;
  }

  /** Whether `onResume` is still to be called (no task has run again yet). */
  get resumePending(): boolean {
    return this.#onResume !== undefined;
  }

  async replay(key: string, task: string): Promise<JournalEntry | undefined> {
    const entry = this.#recorded.get(key);
    if (entry) return entry;
    const onResume = this.#onResume;
    this.#onResume = undefined;
    await onResume?.(task);
    return undefined;
  }

  async record(key: string, entry: JournalEntry): Promise<void> {
    const stored = this.sealer ? await this.sealer.seal(key, entry) : entry;
    await this.store.putCheckpoint(this.executionId, { key, entry: stored });
  }

  /** A running task's kept value (a `wait`'s start): recorded once, the same on resume. */
  async mark(key: string, value: unknown): Promise<unknown> {
    const recorded = this.#recorded.get(key) as MarkEntry | undefined;
    if (recorded && "mark" in recorded) return recorded.mark;
    const entry: MarkEntry = { mark: value };
    this.#recorded.set(key, entry as unknown as JournalEntry);
    const stored = this.sealer ? await this.sealer.seal(key, entry) : entry;
    await this.store.putCheckpoint(this.executionId, { key, entry: stored });
    return value;
  }
}

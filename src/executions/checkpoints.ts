// Durable runs, the store's side of the engine's journal (src/engine/journal.ts): each
// task's outcome is written to the store before the run goes on, and a resumed run gets
// back every outcome recorded so far, so completed tasks are not run again.
import type { EngineJournal, JournalEntry } from "../engine/mod.ts";
import type { ResourceStore } from "../store/store.ts";

/** Encrypts checkpoints at rest: task outputs may hold secret values (SPEC §11). */
export interface Sealer {
  seal(text: string, context: string): Promise<string>;
  unseal(sealed: string, context: string): Promise<string>;
  /** Whether this run holds secret values now (only then are its checkpoints sealed). */
  active(): boolean;
}

interface SealedEntry {
  sealed: string;
}

function isSealed(entry: unknown): entry is SealedEntry {
  return typeof entry === "object" && entry !== null && typeof (entry as SealedEntry).sealed ===
      "string" &&
    Object.keys(entry).length === 1;
}

export class StoreJournal implements EngineJournal {
  readonly #recorded: Map<string, JournalEntry>;
  #onResume: ((task: string) => Promise<void>) | undefined;

  private constructor(
    private readonly store: ResourceStore,
    private readonly executionId: string,
    recorded: Map<string, JournalEntry>,
    onResume: ((task: string) => Promise<void>) | undefined,
    private readonly sealer: Sealer | undefined,
  ) {
    this.#recorded = recorded;
    this.#onResume = onResume;
  }

  /** A journal for a run that starts now: nothing to replay. */
  static fresh(store: ResourceStore, executionId: string, sealer?: Sealer): StoreJournal {
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
    sealer?: Sealer,
  ): Promise<StoreJournal> {
    const recorded = new Map<string, JournalEntry>();
    for (const { key, entry } of await store.listCheckpoints(executionId)) {
      if (!isSealed(entry)) {
        recorded.set(key, entry as JournalEntry);
        continue;
      }
      if (!sealer) throw new Error(`checkpoint ${key} is encrypted and this backend has no key`);
      recorded.set(key, JSON.parse(await sealer.unseal(entry.sealed, `${executionId}/${key}`)));
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
    const stored = this.sealer?.active()
      ? { sealed: await this.sealer.seal(JSON.stringify(entry), `${this.executionId}/${key}`) }
      : entry;
    await this.store.putCheckpoint(this.executionId, { key, entry: stored });
  }
}

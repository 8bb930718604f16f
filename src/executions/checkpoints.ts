// Durable runs, the store's side of the engine's journal (src/engine/journal.ts): each
// task's outcome is written to the store before the run goes on, and a resumed run gets
// back every outcome recorded so far, so completed tasks are not run again.
import type { EngineJournal, JournalEntry } from "../engine/mod.ts";
import type { ResourceStore } from "../store/store.ts";

export class StoreJournal implements EngineJournal {
  readonly #recorded: Map<string, JournalEntry>;
  #onResume: ((task: string) => Promise<void>) | undefined;

  private constructor(
    private readonly store: ResourceStore,
    private readonly executionId: string,
    recorded: Map<string, JournalEntry>,
    onResume: ((task: string) => Promise<void>) | undefined,
  ) {
    this.#recorded = recorded;
    this.#onResume = onResume;
  }

  /** A journal for a run that starts now: nothing to replay. */
  static fresh(store: ResourceStore, executionId: string): StoreJournal {
    return new StoreJournal(store, executionId, new Map(), undefined);
  }

  /**
   * A journal for a run that resumes: loads its checkpoints; `onResume` is called once,
   * with the first task that runs again (the one that was in flight).
   */
  static async resume(
    store: ResourceStore,
    executionId: string,
    onResume: (task: string) => Promise<void>,
  ): Promise<StoreJournal> {
    const recorded = new Map<string, JournalEntry>();
    for (const { key, entry } of await store.listCheckpoints(executionId)) {
      recorded.set(key, entry as JournalEntry);
    }
    return new StoreJournal(store, executionId, recorded, onResume);
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

  record(key: string, entry: JournalEntry): Promise<void> {
    return this.store.putCheckpoint(this.executionId, { key, entry });
  }
}

// What the services know about the process that serves them.

export interface Runtime {
  mode: "local" | "server";
  version: string;
  instanceId: string;
  pid: number;
  dataDir: string;
  startedAt: Date;
  endpoint: string;
  logPath: string;
  idleTimeoutMs: number;
  activity: ActivityTracker;
  /** All executions running here, or those of the given organizations. */
  runningExecutions(orgs?: readonly string[]): number;
  /** Executions in progress in the whole backend (every server on a shared database). */
  backendRunningExecutions(orgs?: readonly string[]): Promise<number>;
  requestShutdown(reason: string): void;
  /** The run viewer's URL with a fresh one-time token (SPEC §12); the local daemon only. */
  openViewer?(): Promise<{ url: string; port: number }>;
}

/** Counts calls in flight and remembers the last one, for the idle timeout. */
export class ActivityTracker {
  #active = 0;
  #last = Date.now();
  #previous = Date.now();

  started(): void {
    this.#active++;
    this.#previous = this.#last;
    this.#last = Date.now();
  }

  ended(): void {
    this.#active--;
    this.#last = Date.now();
  }

  get activeCalls(): number {
    return this.#active;
  }

  idleMs(now = Date.now()): number {
    return this.#active > 0 ? 0 : now - this.#last;
  }

  /** Idle time as seen from inside a call: ignores that one call. */
  idleMsBeforeThisCall(now = Date.now()): number {
    return this.#active > 1 ? 0 : now - this.#previous;
  }
}

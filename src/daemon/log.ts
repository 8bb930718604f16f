// The daemon's log: data/logs/daemon.log, rotated at each start (the last few
// kept). Lines are plain text so `stigmer server logs` and people read them.
// Lines with "phase:" are progress the starting CLI shows to the user.

import { type Level, Log } from "../server/log.ts";

export type { Level };

const KEEP = 5;

export class DaemonLog extends Log {
  readonly #file: Deno.FsFile;

  private constructor(file: Deno.FsFile, level: Level) {
    super((bytes) => file.writeSync(bytes), level);
    this.#file = file;
  }

  /** Rotates daemon.log → daemon.log.1 → … (the last KEEP kept) and opens a fresh file. */
  static open(path: string, level: Level = "info"): DaemonLog {
    for (let i = KEEP - 1; i >= 1; i--) {
      try {
        Deno.renameSync(i === 1 ? path : `${path}.${i - 1}`, `${path}.${i}`);
      } catch { /* nothing to rotate */ }
    }
    const file = Deno.openSync(path, { write: true, create: true, append: true, mode: 0o600 });
    return new DaemonLog(file, level);
  }

  /** A start-up step the CLI shows while it waits. */
  phase(message: string): void {
    this.info(`phase: ${message}`);
  }

  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}

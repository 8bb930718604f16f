// The daemon's log: data/logs/daemon.log, rotated at each start (the last few
// kept). Lines are plain text so `stigmer server logs` and people read them.
// Lines with "phase:" are progress the starting CLI shows to the user.

const KEEP = 5;
const encoder = new TextEncoder();

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class DaemonLog {
  #file: Deno.FsFile;
  #min: number;

  private constructor(file: Deno.FsFile, level: Level) {
    this.#file = file;
    this.#min = ORDER[level];
  }

  /** Rotates daemon.log → daemon.log.1 → … and opens a fresh file. */
  static open(path: string, level: Level = "info"): DaemonLog {
    for (let i = KEEP - 1; i >= 1; i--) {
      try {
        Deno.renameSync(i === 1 ? path : `${path}.${i - 1}`, `${path}.${i}`);
      } catch { /* nothing to rotate */ }
    }
    try {
      Deno.renameSync(path, `${path}.1`);
    } catch { /* first start */ }
    const file = Deno.openSync(path, { write: true, create: true, append: true, mode: 0o600 });
    return new DaemonLog(file, level);
  }

  write(level: Level, message: string): void {
    if (ORDER[level] < this.#min) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`;
    try {
      this.#file.writeSync(encoder.encode(line));
    } catch { /* a full disk must not take the daemon down */ }
  }

  debug(message: string): void {
    this.write("debug", message);
  }
  info(message: string): void {
    this.write("info", message);
  }
  warn(message: string): void {
    this.write("warn", message);
  }
  error(message: string): void {
    this.write("error", message);
  }
  /** A start-up step the CLI shows while it waits. */
  phase(message: string): void {
    this.write("info", `phase: ${message}`);
  }

  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}

/** Reads the last `count` lines of a log file ("" when absent). */
export function tailLines(path: string, count: number): string[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return [];
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.slice(-count);
}

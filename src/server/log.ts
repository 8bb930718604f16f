// One timestamped line per event, at or above a level. The daemon writes its
// lines to a rotated file (src/daemon/log.ts); the shared server to stderr,
// for the supervisor that runs it in the foreground.
const encoder = new TextEncoder();

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class Log {
  readonly #sink: (bytes: Uint8Array) => void;
  readonly #min: number;

  constructor(sink: (bytes: Uint8Array) => void, level: Level = "info") {
    this.#sink = sink;
    this.#min = ORDER[level] ?? ORDER.info;
  }

  static toStderr(level: Level = "info"): Log {
    return new Log((bytes) => Deno.stderr.writeSync(bytes), level);
  }

  write(level: Level, message: string): void {
    if (ORDER[level] < this.#min) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`;
    try {
      this.#sink(encoder.encode(line));
    } catch { /* a full disk or a closed stderr must not take the server down */ }
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
}

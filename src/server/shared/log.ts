// The shared server logs to stderr (it runs in the foreground, under a
// supervisor that keeps its output), one timestamped line per event.
const encoder = new TextEncoder();

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class StderrLog {
  readonly #min: number;

  constructor(level: Level = "info") {
    this.#min = ORDER[level] ?? ORDER.info;
  }

  write(level: Level, message: string): void {
    if (ORDER[level] < this.#min) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`;
    try {
      Deno.stderr.writeSync(encoder.encode(line));
    } catch { /* a closed stderr must not take the server down */ }
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

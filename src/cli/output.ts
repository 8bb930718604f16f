// Where the CLI writes: data to stdout, progress and notes to stderr, so that
// `--json` output stays parseable. Colour only on a terminal, never with
// NO_COLOR, --no-color or in CI logs.
import pc from "picocolors";
import { readEnvironment } from "../config/environment.ts";
import { escapeUnsafe } from "../model/unsafe_text.ts";

const encoder = new TextEncoder();

let colorEnabled: boolean | undefined;

export function setColor(enabled: boolean): void {
  colorEnabled = enabled;
}

export function colorsOn(): boolean {
  if (colorEnabled === undefined) {
    try {
      const env = readEnvironment();
      colorEnabled = !env.noColor && !env.ci && Deno.stderr.isTerminal();
    } catch {
      // No home directory: that error is being reported right now, in plain text.
      colorEnabled = false;
    }
  }
  return colorEnabled;
}

export function colors() {
  return pc.createColors(colorsOn());
}

/** True when progress may animate: a terminal, and not a CI log. */
export function interactive(): boolean {
  return Deno.stderr.isTerminal() && !readEnvironment().ci;
}

export function writeOut(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
}

export function writeErr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
}

export function info(text: string): void {
  writeErr(text);
}

export function success(text: string): void {
  writeErr(`${colors().green("✓")} ${text}`);
}

export function warn(text: string): void {
  writeErr(`${colors().yellow("warning:")} ${text}`);
}

export function printJson(value: unknown): void {
  writeOut(JSON.stringify(value, null, 2));
}

/**
 * Aligned columns with a header row, as kubectl prints them. Cells are escaped
 * (a name from a server may hold a newline or a bidi override: it must not
 * forge a row); `paint` colours a column's cells after they are aligned.
 */
export function formatTable(
  header: string[],
  rows: string[][],
  paint: Record<number, (cell: string) => string> = {},
): string {
  const safe = rows.map((row) => row.map((cell) => escapeUnsafe(cell ?? "")));
  const widths = header.map((h, i) => Math.max(h.length, ...safe.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[], painted: boolean) =>
    cells.map((c, i) => {
      const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]);
      return painted && paint[i] ? paint[i](c) + padded.slice(c.length) : padded;
    }).join("   ").trimEnd();
  return [line(header, false), ...safe.map((row) => line(row, true))].join("\n");
}

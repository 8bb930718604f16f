// Where the CLI writes: data to stdout, progress and notes to stderr, so that
// `--json` output stays parseable. Colour only on a terminal, never with
// NO_COLOR, --no-color or in CI logs.
import pc from "picocolors";
import { readEnvironment } from "../config/environment.ts";

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

/** Aligned columns with a header row, as kubectl prints them (widths without colour codes). */
export { formatTable } from "./table.ts";

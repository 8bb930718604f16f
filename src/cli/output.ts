// Where the CLI writes: data to stdout, progress and notes to stderr, so that
// `--json` output stays parseable. Colour only on a terminal, never with
// NO_COLOR, --no-color or in CI logs.
//
// Colours: ansi-styles gives the escape codes as plain ESM with no import of its own. Measured
// (whole `deno run`, CPU time over an empty script, same run): ansi-styles 1.13×; picocolors
// (CommonJS), yoctocolors (imports node:tty), kleur (reads the `process` global) and ansis (an ESM
// wrapper around CommonJS) each bring up Deno's Node layer: 1.6–1.8×.
import styles from "ansi-styles";
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

type Paint = (text: string) => string;

/** The styles the CLI uses; each one is the identity when colour is off. */
export interface Colors {
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
  dim: Paint;
  bold: Paint;
}

function painter(style: { open: string; close: string }, on: boolean): Paint {
  return on ? (text) => `${style.open}${text}${style.close}` : (text) => text;
}

export function colors(): Colors {
  const on = colorsOn();
  return {
    red: painter(styles.red, on),
    green: painter(styles.green, on),
    yellow: painter(styles.yellow, on),
    cyan: painter(styles.cyan, on),
    dim: painter(styles.dim, on),
    bold: painter(styles.bold, on),
  };
}

/** True when progress may animate: a terminal, and not a CI log. */
export function interactive(): boolean {
  return Deno.stderr.isTerminal() && !readEnvironment().ci;
}

/**
 * True for the error a write to a closed pipe gives (`stigmer … | head -1`): the reader has all it
 * wants, so the command ends quietly with exit 0, like other Unix tools.
 */
export function isBrokenPipe(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; depth++) {
    if (e instanceof Deno.errors.BrokenPipe) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

function writeAll(file: typeof Deno.stdout, bytes: Uint8Array): void {
  try {
    let written = 0;
    while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
  } catch (err) {
    if (isBrokenPipe(err)) Deno.exit(0);
    throw err;
  }
}

export function writeOut(text: string): void {
  writeAll(Deno.stdout, encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
}

export function writeErr(text: string): void {
  writeAll(Deno.stderr, encoder.encode(text.endsWith("\n") ? text : `${text}\n`));
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

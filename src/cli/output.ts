// Where the CLI writes: data to stdout, progress and notes to stderr, so that
// `--json` output stays parseable. Colour only on a terminal, never with
// NO_COLOR, --no-color or in CI logs.
//
// Colours: six SGR codes of ECMA-48, written here. Deno's npm resolution costs ~5 ms a package on
// every command, even for ansi-styles's one small file (4.8 ms measured alone; a warm `get` is 1.7%
// faster without it, farm-bench, 30 pairs). picocolors, yoctocolors, kleur and ansis each also
// bring up Deno's Node layer (1.6–1.8× the floor). Each close code ends only its own attribute, so
// the styles nest.
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

/** Each style's opening and closing SGR parameter. */
const STYLES: Record<keyof Colors, [open: number, close: number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

function painter([open, close]: [number, number], on: boolean): Paint {
  return on ? (text) => `\x1b[${open}m${text}\x1b[${close}m` : (text) => text;
}

export function colors(): Colors {
  const on = colorsOn();
  return {
    red: painter(STYLES.red, on),
    green: painter(STYLES.green, on),
    yellow: painter(STYLES.yellow, on),
    cyan: painter(STYLES.cyan, on),
    dim: painter(STYLES.dim, on),
    bold: painter(STYLES.bold, on),
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

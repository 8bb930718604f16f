// Progress for the auto-start: a spinner with phases on a terminal, plain
// lines when piped or in CI, so logs stay readable (SPEC §6 step 3).
//
// The spinner is written here on Deno's own APIs (a timer and Deno.stderr): nanospinner is
// CommonJS and yocto-spinner imports node:process and node:util, and either brings up Deno's Node
// layer on the warm path (see BENCHMARKS.md). What it leaves on screen is exactly what the plain
// lines print, in the same order: the animated line is only ever the last one, and it is erased
// before anything is written above it.
import type { Progress } from "../client/daemon/progress.ts";
import { colors, info, interactive } from "./output.ts";

export function lineProgress(): Progress {
  const c = colors();
  return {
    start: (text) => info(text),
    phase: (text) => info(`  ${c.green("✓")} ${text}`),
    succeed: (text) => info(`${c.green("✓")} ${text}`),
    fail: (text) => info(`${c.red("✗")} ${text}`),
    note: (text) => info(text),
  };
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const INTERVAL_MS = 80;
const ERASE_LINE = "\r\x1b[2K";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
const encoder = new TextEncoder();

function write(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}

function showCursor(): void {
  write(SHOW_CURSOR);
}

/**
 * One animated line below the finished ones. `start` shows its text on that line; the first
 * phase turns it into a plain line (as piped output prints it) and the spinner goes on, indented,
 * where the next phase will appear.
 */
export function spinnerProgress(): Progress {
  const c = colors();
  const plain = lineProgress();
  let timer: ReturnType<typeof setInterval> | undefined;
  let frame = 0;
  let indent = "";
  let label = "";
  let startText: string | undefined;

  const draw = () =>
    write(`${ERASE_LINE}${indent}${c.cyan(FRAMES[frame++ % FRAMES.length])}${label}`);
  const spin = (prefix: string, text: string) => {
    indent = prefix;
    label = text;
    if (timer === undefined) {
      write(HIDE_CURSOR); // the cursor would blink over the frames
      globalThis.addEventListener("unload", showCursor); // also if the command exits mid-spin
      timer = setInterval(draw, INTERVAL_MS);
      Deno.unrefTimer(timer); // never what keeps the process alive
    }
    draw();
  };
  const stop = () => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    write(ERASE_LINE);
    showCursor();
    globalThis.removeEventListener("unload", showCursor);
  };
  /** Writes finished lines above the spinner, which goes on if it was running. */
  const above = (print: () => void) => {
    const running = timer !== undefined;
    stop();
    if (startText !== undefined) {
      plain.start(startText); // the line piped output began with
      startText = undefined;
    }
    print();
    if (running) spin("  ", ""); // where the next phase will appear
  };

  return {
    start: (text) => {
      stop();
      startText = text;
      spin("", ` ${text}`);
    },
    phase: (text) => above(() => plain.phase(text)),
    succeed: (text) => {
      stop();
      above(() => plain.succeed(text));
    },
    fail: (text) => {
      stop();
      above(() => plain.fail(text));
    },
    note: (text) => above(() => plain.note(text)),
  };
}

export function cliProgress(): Promise<Progress> {
  // Animate only on a terminal (not in CI), and not while stdout is captured by something
  // that may interleave with stderr.
  if (!interactive() || !Deno.stdout.isTerminal()) return Promise.resolve(lineProgress());
  return Promise.resolve(spinnerProgress());
}

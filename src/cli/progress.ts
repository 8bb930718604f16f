// Progress for the auto-start: a spinner with phases on a terminal, plain
// lines when piped or in CI, so logs stay readable (SPEC §6 step 3).
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

const encoder = new TextEncoder();

/** What nanospinner writes to: strings (Deno.stderr takes bytes), and a width that is never 0. */
const spinnerStream = {
  write: (text: string) => Deno.stderr.writeSync(encoder.encode(text)),
  get columns(): number {
    try {
      // A pty with no size (script, some CI runners) says 0: nanospinner would loop forever.
      return Deno.consoleSize().columns || 80;
    } catch {
      return 80;
    }
  },
};

export async function cliProgress(): Promise<Progress> {
  // nanospinner animates only when stdout is a terminal too.
  if (!interactive() || !Deno.stdout.isTerminal()) return lineProgress();
  const { createSpinner } = await import("nanospinner");
  const c = colors();
  let spinner: ReturnType<typeof createSpinner> | undefined;
  return {
    start: (text) => {
      spinner = createSpinner(text, { stream: spinnerStream as never }).start();
    },
    phase: (text) => {
      // Keep the finished phase on screen, then go on spinning.
      spinner?.clear();
      info(`  ${c.green("✓")} ${text}`);
      spinner?.update({ text: "Starting local backend daemon..." });
      spinner?.spin();
    },
    succeed: (text) => spinner ? spinner.success({ text }) : info(text),
    fail: (text) => spinner ? spinner.error({ text }) : info(text),
    note: (text) => info(text),
  };
}

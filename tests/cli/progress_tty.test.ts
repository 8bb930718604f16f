// The auto-start's progress on a terminal (a pty from `script`) animates a spinner, and what it
// leaves on screen is the same lines, in the same order, with the same marks, as piped output.
import { assert, assertEquals } from "../helpers/assert.ts";
import { MAIN, scriptArgs } from "../helpers/cli.ts";
import { assertExit, cliTest } from "./helpers.ts";

const ERASE = "\r\x1b[2K";
// deno-lint-ignore no-control-regex
const COLOUR = /\x1b\[\d+(;\d+)*m/g;

/** What a terminal shows at the end: each line as last redrawn, colours dropped. */
function screen(raw: string): string[] {
  // Showing and hiding the cursor prints nothing.
  return raw.replaceAll("\x1b[?25l", "").replaceAll("\x1b[?25h", "").split("\n").map((segment) => {
    const line = segment.replace(/\r$/, "");
    const at = line.lastIndexOf(ERASE);
    return (at >= 0 ? line.slice(at + ERASE.length) : line).replaceAll(COLOUR, "");
  }).filter((line) => line.trim() !== "");
}

/** Pids, ports and durations differ between two starts. */
function normalized(lines: string[]): string[] {
  return lines.map((line) => line.replaceAll(/\d+(\.\d+)?/g, "N"));
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

cliTest("auto-start progress: a spinner on a terminal, the same lines as piped", async (home) => {
  const piped = await home.run(["server", "start"]);
  assertExit(piped, 0, "server start (piped)");
  assertExit(await home.run(["server", "stop"]), 0, "server stop");

  const command = [Deno.execPath(), ...scriptArgs(MAIN, ["server", "start"])].map(shellQuote);
  const out = await new Deno.Command("script", {
    args: ["-qfec", command.join(" "), "/dev/null"],
    env: home.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const raw = new TextDecoder().decode(out.stdout);
  assertExit(await home.run(["server", "stop"]), 0, "server stop");
  assertEquals(out.code, 0, raw);
  assert(raw.includes(ERASE) && /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(raw), `no spinner on the terminal: ${raw}`);

  const expected = normalized(piped.stderr.split("\n").filter((line) => line.trim() !== ""));
  assertEquals(normalized(screen(raw)), expected);
  // The spinner hid the cursor, and it is visible again at the end.
  assert(raw.lastIndexOf("\x1b[?25h") > raw.indexOf("\x1b[?25l"), "the cursor is shown again");
  assert(raw.includes("\x1b[?25l"), "the spinner hides the cursor");
  assert(expected.at(-1)!.startsWith("✓ Daemon started"), expected.join("\n"));
});

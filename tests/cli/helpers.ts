// What every CLI test here shares: a temporary home, the real CLI process, and
// two checks after each run that users rely on — no stack trace without
// --debug, and no daemon started by a command that must not start one.
import {
  type CliResult,
  daemonsOf,
  makeTestHome,
  type RunOptions,
  type TestHome,
} from "../helpers/cli.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

/** A line of a JavaScript stack trace. */
export const STACK_LINE = /^\s+at /m;

/** A home without config.yaml: the defaults (the shared helper writes one). */
export const NO_CONFIG = "";

export interface CliHome extends TestHome {
  /** Runs the CLI and checks the output holds no stack trace (unless --debug). */
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  configPath: string;
}

export function assertNoStackTrace(result: CliResult, what: string): void {
  assert(
    !STACK_LINE.test(result.stderr) && !STACK_LINE.test(result.stdout),
    `${what} printed a stack trace:\n${result.stderr}`,
  );
}

/** Exit code, with the output in the message when it differs. */
export function assertExit(result: CliResult, code: number, what = "the command"): void {
  assertEquals(
    result.code,
    code,
    `${what} exited ${result.code}, expected ${code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
  );
}

/** None of the commands these tests run may start the local daemon. */
export function assertNoDaemon(home: TestHome): void {
  let info = false;
  try {
    Deno.statSync(`${home.dataDir}/daemon.json`);
    info = true;
  } catch { /* absent, as it should be */ }
  const pids = daemonsOf(home.dataDir);
  assert(!info && pids.length === 0, `a daemon was started (pids: ${pids.join(", ") || "none"})`);
}

export function wrapHome(home: TestHome): CliHome {
  return {
    ...home,
    configPath: `${home.home}/config.yaml`,
    run: async (args, options = {}) => {
      const result = await home.run(args, options);
      const debug = args.includes("--debug") || Boolean(options.env?.STIGMER_DEBUG);
      if (!debug) assertNoStackTrace(result, `stigmer ${args.join(" ")}`);
      return result;
    },
  };
}

/**
 * A Deno.test with its own home (default: no config.yaml), removed afterwards,
 * that fails if any daemon was started.
 */
export function cliTest(
  name: string,
  fn: (home: CliHome) => Promise<void>,
  config: string = NO_CONFIG,
): void {
  Deno.test(name, async () => {
    const home = await makeTestHome(config);
    try {
      await fn(wrapHome(home));
      assertNoDaemon(home);
    } finally {
      await home.cleanup(); // stops, by pid, any daemon that should not be there
    }
  });
}

export function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** Every file under dir, relative, with its bytes: to prove nothing changed. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of Deno.readDirSync(`${dir}${sub}`)) {
      const rel = `${sub}/${entry.name}`;
      if (entry.isDirectory) walk(rel);
      else out[rel] = Deno.readTextFileSync(`${dir}${rel}`);
    }
  };
  walk("");
  return out;
}

/** True when this process can read a mode-000 directory: root, or CAP_DAC_OVERRIDE. */
export function permissionsBypassed(): boolean {
  const dir = Deno.makeTempDirSync({ prefix: "stigmer-perm-probe-" });
  try {
    Deno.writeTextFileSync(`${dir}/probe`, "x");
    Deno.chmodSync(dir, 0o000);
    try {
      Deno.readTextFileSync(`${dir}/probe`);
      return true;
    } catch {
      return false;
    } finally {
      Deno.chmodSync(dir, 0o700);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

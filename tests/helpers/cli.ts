// Runs the real CLI as a separate process, the way users do, against a
// temporary STIGMER_HOME whose daemon listens on a free loopback port. Every
// daemon a test starts is stopped by its pid before the test ends.
import { readDaemonInfo } from "../../src/rpc/daemon_info.ts";

export const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
export const MAIN = `${REPO}/main.ts`;
export const CONFIG = `${REPO}/deno.json`;

/**
 * The permissions `deno task stigmer` grants (see deno.json and the README): the CLI is a
 * network client of whatever endpoint the user configures, so it gets --allow-net whole.
 */
export const CLI_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-run",
  // `stigmer server run` runs agents in process: the AI SDK reads the host name when it loads.
  "--allow-sys=hostname",
];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestHome {
  home: string;
  dataDir: string;
  /** Environment for the CLI: this home, plain output, no inherited STIGMER_*. */
  env: Record<string, string>;
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  spawn(args: string[], options?: RunOptions): Deno.ChildProcess;
  /** Stops any daemon this home has and removes it. */
  cleanup(): Promise<void>;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
}

const decoder = new TextDecoder();

/**
 * The caller's environment minus every STIGMER_* variable (and INIT_CWD), so a developer's
 * own settings never leak into a test; Deno's cache and network settings
 * (DENO_DIR, proxies, CA stores) stay, so the CLI finds its npm packages.
 */
export function inheritedEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const key of Object.keys(env)) {
    // INIT_CWD: `deno task test` sets it for the test runner, and a `deno task` started by a
    // test keeps an INIT_CWD it inherits instead of setting its own (as npm does).
    if (
      key.startsWith("STIGMER_") || key === "NO_COLOR" || key === "CI" || key === "INIT_CWD"
    ) delete env[key];
  }
  return env;
}

/** The arguments of `deno run` for a script of this repository, as the CLI runs. */
export function scriptArgs(script: string, args: string[]): string[] {
  return ["run", "--quiet", "--no-prompt", "--config", CONFIG, ...CLI_PERMISSIONS, script, ...args];
}

/** `deno run` of a script of this repository with the CLI's permissions and config. */
export function scriptCommand(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: RunOptions = {},
) {
  return new Deno.Command(Deno.execPath(), {
    args: scriptArgs(script, args),
    cwd: options.cwd,
    env: { ...env, ...options.env },
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
}

export function cliCommand(args: string[], env: Record<string, string>, options: RunOptions = {}) {
  return scriptCommand(MAIN, args, env, options);
}

export async function runWith(
  args: string[],
  env: Record<string, string>,
  options: RunOptions = {},
): Promise<CliResult> {
  const child = cliCommand(args, env, options).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/**
 * Every process whose command line contains all of `needles`, from `ps`
 * (Deno asks for --allow-all to read /proc; `ps` needs only --allow-run).
 */
export function processesMatching(...needles: string[]): { pid: number; args: string }[] {
  const out = new Deno.Command("ps", { args: ["-eo", "pid=,stat=,args="], stdout: "piped" })
    .outputSync();
  const found: { pid: number; args: string }[] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match || match[2].startsWith("Z")) continue; // a zombie is dead
    if (needles.every((n) => match[3].includes(n))) {
      found.push({ pid: Number(match[1]), args: match[3] });
    }
  }
  return found;
}

/** Daemons serving this data dir, started or still starting. */
export function daemonsOf(dataDir: string): number[] {
  return processesMatching("__daemon", `--data-dir=${dataDir}`).map((p) => p.pid);
}

/** Stops a daemon by its pid, after checking it really is the one this home runs. */
export async function stopDaemonByPid(dataDir: string): Promise<void> {
  const pids = new Set<number>(daemonsOf(dataDir));
  const info = readDaemonInfo(`${dataDir}/daemon.json`);
  if (info && pids.has(info.pid)) pids.add(info.pid);
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGTERM");
    } catch { /* gone */ }
  }
  const deadline = Date.now() + 5000;
  for (const pid of pids) {
    while (Date.now() < deadline && isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
    if (isAlive(pid)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
}

export function isAlive(pid: number): boolean {
  const out = new Deno.Command("ps", { args: ["-o", "stat=", "-p", String(pid)], stdout: "piped" })
    .outputSync();
  const stat = new TextDecoder().decode(out.stdout).trim();
  return stat !== "" && !stat.startsWith("Z");
}

export async function makeTestHome(
  config = 'backend:\n  local:\n    endpoint: "127.0.0.1:0"\n',
): Promise<TestHome> {
  const home = await Deno.makeTempDir({ prefix: "stigmer-test-home-" });
  if (config) await Deno.writeTextFile(`${home}/config.yaml`, config);
  const dataDir = `${home}/data`;
  const env: Record<string, string> = { ...inheritedEnv(), STIGMER_HOME: home, NO_COLOR: "1" };
  return {
    home,
    dataDir,
    env,
    run: (args, options) => runWith(args, env, options),
    spawn: (args, options) => cliCommand(args, env, options).spawn(),
    cleanup: async () => {
      await stopDaemonByPid(dataDir);
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
  };
}

/** A test with its own home, cleaned up (daemon stopped) whatever happens. */
export function withHome(
  fn: (home: TestHome) => Promise<void>,
  config?: string,
): () => Promise<void> {
  return async () => {
    const home = await makeTestHome(config);
    try {
      await fn(home);
    } finally {
      await home.cleanup();
    }
  };
}

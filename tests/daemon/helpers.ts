// What the daemon tests share: a home with a chosen config, the command that
// auto-starts, waiting without fixed sleeps, and reading what the daemon wrote.
import { type DaemonInfo, readDaemonInfo } from "../../src/rpc/daemon_info.ts";
import { daemonCommandLine } from "../../src/client/daemon/command_line.ts";
import { type CliResult, MAIN, type TestHome } from "../helpers/cli.ts";
import { assertEquals } from "../helpers/assert.ts";

/** A command that needs the backend, so it auto-starts the daemon. */
export const AUTO_START = ["get", "agents"];

export interface LocalConfig {
  endpoint?: string;
  dataDir?: string;
  idleTimeout?: string;
  startupTimeout?: string;
}

export function configYaml(local: LocalConfig = {}): string {
  const lines = [
    "backend:",
    "  local:",
    `    endpoint: "${local.endpoint ?? "127.0.0.1:0"}"`,
  ];
  if (local.dataDir) lines.push(`    data_dir: "${local.dataDir}"`);
  if (local.idleTimeout) lines.push(`    idle_timeout: ${local.idleTimeout}`);
  if (local.startupTimeout) lines.push(`    startup_timeout: ${local.startupTimeout}`);
  return `${lines.join("\n")}\n`;
}

/** A port nobody listens on right now: bind port 0, note it, close. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function daemonInfo(home: TestHome): DaemonInfo | undefined {
  return readDaemonInfo(`${home.dataDir}/daemon.json`);
}

/** Exit code, with the output in the message when it differs. */
export function assertExit(result: CliResult, code: number, what = "the command"): void {
  assertEquals(
    result.code,
    code,
    `${what} exited ${result.code}, expected ${code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
  );
}

/** The pid from "Daemon started (pid N, host:port) in X.Ys". */
export function startedPid(stderr: string): number | undefined {
  const match = /Daemon started \(pid (\d+), /.exec(stderr);
  return match ? Number(match[1]) : undefined;
}

/**
 * Starts the daemon the way the CLI does, but as this test's child and with
 * no CLI around it: nothing has connected to it yet when it returns.
 */
export async function spawnDaemon(
  home: TestHome,
  options: { reportVersion?: string; wait?: boolean } = {},
): Promise<Deno.ChildProcess> {
  Deno.mkdirSync(home.dataDir, { recursive: true, mode: 0o700 });
  const { command, args } = daemonCommandLine(
    { execPath: Deno.execPath(), mainModule: `file://${MAIN}`, compiled: false },
    {
      dataDir: home.dataDir,
      listen: "127.0.0.1:0",
      idleTimeoutMs: 0,
      llmProvider: "ollama",
      llmModel: "",
      llmBaseUrl: "http://localhost:11434",
      llmApiKeyEnv: "",
      logLevel: "info",
      reportVersion: options.reportVersion,
    },
  );
  const child = new Deno.Command(command, { args, stdout: "null", stderr: "null" }).spawn();
  if (options.wait === false) return child;
  try {
    await waitFor(() => daemonInfo(home)?.pid === child.pid, 15_000, "the daemon to start");
  } catch (err) {
    child.kill("SIGKILL");
    await child.status;
    throw err;
  }
  return child;
}

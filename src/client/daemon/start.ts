// Spawns the daemon detached and waits until it serves, watching the child:
// if it exits or does not get ready in time, the user gets the reason, the
// log's path and its last lines (SPEC §6, steps 2–4).
import type { LocalBackendConfig } from "../../config/config.ts";
import { type DataPaths, dataPaths, homePaths } from "../../config/paths.ts";
import { readEnvironment } from "../../config/environment.ts";
import { readDaemonInfo } from "../../rpc/daemon_info.ts";
import { BackendUnavailableError } from "../../errors.ts";
import { ensurePrivateDir } from "../../secure_fs.ts";
import { DaemonExit } from "../../rpc/daemon_exit.ts";
import type { DaemonArgs } from "../../rpc/daemon_args.ts";
import { tailLines } from "../../rpc/log_tail.ts";
import { currentLaunchContext, daemonCommandLine } from "./command_line.ts";
import { type LiveDaemon, probe } from "./probe.ts";
import type { Progress } from "./progress.ts";

const POLL_MS = 10;

export function daemonArgsFor(local: LocalBackendConfig, reportVersion?: string): DaemonArgs {
  return {
    dataDir: local.dataDir,
    listen: local.endpoint,
    idleTimeoutMs: local.idleTimeoutMs,
    llmProvider: local.llm.provider,
    llmModel: local.llm.model,
    llmBaseUrl: local.llm.baseUrl,
    llmApiKeyEnv: local.llm.apiKeyEnv,
    allowedHosts: local.allowedHosts,
    logLevel: "info",
    reportVersion,
  };
}

function logExcerpt(paths: DataPaths): string {
  const lines = tailLines(paths.daemonLog, 10);
  return lines.length > 0
    ? `\nlast lines of ${paths.daemonLog}:\n${lines.map((l) => `  ${l}`).join("\n")}`
    : `\n(${paths.daemonLog} is empty)`;
}

function startFailure(code: number, local: LocalBackendConfig, paths: DataPaths): Error {
  const port = local.endpoint.slice(local.endpoint.lastIndexOf(":") + 1);
  const host = local.endpoint.slice(0, local.endpoint.lastIndexOf(":"));
  if (code === DaemonExit.ADDRESS_IN_USE) {
    return new BackendUnavailableError(
      `cannot start the local daemon: port ${port} on ${host} is in use by another program`,
      {
        hint: `choose another port: stigmer config set backend.local.endpoint ${host}:${
          Number(port) + 1
        }   (or ${host}:0 for any free port)`,
      },
    );
  }
  if (code === DaemonExit.DATA_DIR) {
    return new BackendUnavailableError(
      `cannot start the local daemon: ${dataDirProblem(paths)}`,
      {
        hint: "check its permissions, or set backend.local.data_dir to a writable directory",
      },
    );
  }
  return new BackendUnavailableError(
    `the local daemon failed to start (exit code ${code})${logExcerpt(paths)}`,
    { hint: `see the whole log: stigmer server logs   (${paths.daemonLog})` },
  );
}

/**
 * The daemon cannot log why it could not use its data dir (the log lives
 * there), so the CLI retries the same steps to name the reason.
 */
function dataDirProblem(paths: DataPaths): string {
  try {
    ensurePrivateDir(paths.dataDir);
    ensurePrivateDir(paths.logsDir);
    Deno.openSync(paths.daemonLock, { read: true, write: true, create: true, mode: 0o600 }).close();
  } catch (err) {
    return (err as Error).message;
  }
  return `cannot use ${paths.dataDir}`;
}

/** Reads new "phase:" lines from the log and shows them. */
function phaseReader(paths: DataPaths, progress: Progress) {
  let shown = 0;
  return () => {
    const phases = tailLines(paths.daemonLog, 200)
      .map((line) => /\bphase: (.*)$/.exec(line)?.[1])
      .filter((p): p is string => p !== undefined);
    for (; shown < phases.length; shown++) progress.phase(phases[shown]);
  };
}

export async function spawnDaemon(
  local: LocalBackendConfig,
  progress: Progress,
  options: { reportVersion?: string; extraRead?: string[] } = {},
): Promise<LiveDaemon> {
  const paths = dataPaths(local.dataDir);
  const began = performance.now();
  progress.start("Starting local backend daemon...");
  // config.yaml (and its parsed cache): agent runs read the LLM settings when they start.
  const home = homePaths(readEnvironment().home);
  const { command, args } = daemonCommandLine(
    currentLaunchContext(),
    daemonArgsFor(local, options.reportVersion),
    [...(options.extraRead ?? []), home.config, home.configCache],
  );
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      detached: true, // its own process group: Ctrl-C on the CLI does not reach it
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (err) {
    progress.fail("Could not start the daemon");
    throw new BackendUnavailableError(`cannot run ${command}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let exitCode: number | undefined;
  child.status.then((s) => (exitCode = s.code));
  const showPhases = phaseReader(paths, progress);
  const deadline = began + local.startupTimeoutMs;
  try {
    while (true) {
      showPhases();
      if (exitCode === DaemonExit.ALREADY_RUNNING) {
        // Another daemon won a race outside the spawn lock: use it once it answers.
        const result = await probe(paths);
        if (result.state === "running") {
          const { pid, host, port } = result.daemon.info;
          progress.succeed(`Daemon running (pid ${pid}, ${host}:${port})`);
          return result.daemon;
        }
        if (result.state === "unresponsive" && performance.now() <= deadline) {
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          continue;
        }
      }
      if (exitCode !== undefined) {
        progress.fail("The daemon exited during start-up");
        throw startFailure(exitCode, local, paths);
      }
      const info = readDaemonInfo(paths.daemonInfo);
      if (info && info.pid === child.pid) {
        const result = await probe(paths);
        if (result.state === "running") {
          showPhases();
          const seconds = ((performance.now() - began) / 1000).toFixed(1);
          progress.succeed(
            `Daemon started (pid ${info.pid}, ${info.host}:${info.port}) in ${seconds}s`,
          );
          return result.daemon;
        }
      }
      if (performance.now() > deadline) {
        // It is our child: stopping it is safe.
        try {
          Deno.kill(child.pid, "SIGKILL");
        } catch { /* already gone */ }
        progress.fail("The daemon did not get ready in time");
        throw new BackendUnavailableError(
          `the local daemon did not get ready within ${local.startupTimeoutMs / 1000}s${
            logExcerpt(paths)
          }`,
          { hint: "raise backend.local.startup_timeout, or see: stigmer server logs" },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    child.unref();
  }
}

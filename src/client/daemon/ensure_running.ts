// ensureRunning: before the first RPC in local mode, make sure our daemon is
// up, starting it when it is not (SPEC §6). The fast path is a file read, a
// lock probe and one Hello call on the connection the command then uses.
import type { LocalBackendConfig } from "../../config/config.ts";
import { dataPaths } from "../../config/paths.ts";
import { ensurePrivateDir } from "../../secure_fs.ts";
import { BackendUnavailableError } from "../../errors.ts";
import { VERSION } from "../../version.ts";
import { type LiveDaemon, probe } from "./probe.ts";
import { spawnDaemon } from "./start.ts";
import { stopDaemon } from "./stop.ts";
import type { Progress } from "./progress.ts";

export interface EnsureOptions {
  autoStart: boolean;
  progress: Progress;
  /** Tests only: start a daemon that reports this version. */
  reportVersion?: string;
  extraRead?: string[];
}

const NOT_RUNNING_HINT =
  "start it with: stigmer server start   (or allow auto-start: drop --no-auto-start / STIGMER_NO_AUTO_START)";

async function withSpawnLock<T>(path: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackendUnavailableError(`another stigmer command is still starting the daemon`, {
              hint: `wait and try again; see: stigmer server status`,
            }),
          ),
        timeoutMs,
      );
    });
    await Promise.race([file.lock(true), timeout]).finally(() => clearTimeout(timer));
    return await fn();
  } finally {
    file.close(); // closing releases the lock
  }
}

async function handshake(daemon: LiveDaemon, local: LocalBackendConfig, options: EnsureOptions) {
  if (daemon.hello.version === VERSION || options.reportVersion === daemon.hello.version) {
    return daemon;
  }
  if (daemon.hello.runningExecutions > 0) {
    options.progress.note(
      `warning: the daemon runs version ${daemon.hello.version}, this CLI is ${VERSION}; ` +
        `not replacing it while ${daemon.hello.runningExecutions} execution(s) run ` +
        `(run stigmer server restart later)`,
    );
    return daemon;
  }
  options.progress.note(
    `Replacing the local daemon ${daemon.hello.version} with version ${VERSION}`,
  );
  daemon.channel.close();
  await stopDaemon(dataPaths(local.dataDir), `replaced by version ${VERSION}`);
  return undefined;
}

export async function ensureRunning(
  local: LocalBackendConfig,
  options: EnsureOptions,
): Promise<LiveDaemon> {
  const paths = dataPaths(local.dataDir);
  const first = await probe(paths);
  if (first.state === "running") {
    const ok = await handshake(first.daemon, local, options);
    if (ok) return ok;
  }
  if (!options.autoStart) {
    throw new BackendUnavailableError("the local daemon is not running", {
      hint: NOT_RUNNING_HINT,
    });
  }
  try {
    ensurePrivateDir(paths.dataDir);
  } catch (err) {
    throw new BackendUnavailableError(`cannot start the local daemon: ${(err as Error).message}`, {
      hint: "check the permissions of the data directory, or set backend.local.data_dir",
      cause: err,
    });
  }
  return await withSpawnLock(paths.spawnLock, local.startupTimeoutMs * 2 + 5000, async () => {
    // Another command may have started it while we waited for the lock.
    const deadline = performance.now() + local.startupTimeoutMs;
    while (true) {
      const again = await probe(paths);
      if (again.state === "running") {
        const ok = await handshake(again.daemon, local, options);
        if (ok) return ok;
        continue;
      }
      if (again.state === "stopped") break;
      // The lock is held but the daemon does not answer: starting or stopping.
      if (performance.now() > deadline) {
        throw new BackendUnavailableError(`the local daemon does not answer: ${again.reason}`, {
          hint: "see: stigmer server logs; replace it with: stigmer server restart",
        });
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return await spawnDaemon(local, options.progress, options);
  });
}

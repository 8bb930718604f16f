// Stopping the daemon: ask politely (Shutdown RPC), then SIGTERM, then SIGKILL,
// and only ever signal a process proven to be our daemon (SPEC §6).
import type { DataPaths } from "../../config/paths.ts";
import { isLockHeld, readDaemonInfo, removeDaemonInfo } from "../../rpc/daemon_info.ts";
import { makeClient } from "../grpc_fetch.ts";
import { DaemonServiceDefinition } from "../../rpc/gen/stigmer/v1/daemon.ts";
import { StigmerError } from "../../errors.ts";
import { probe } from "./probe.ts";

export type StopOutcome =
  | { state: "not-running" }
  | { state: "stopped"; pid: number; how: "shutdown" | "SIGTERM" | "SIGKILL" };

async function lockReleased(paths: DataPaths, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!isLockHeld(paths.daemonLock)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !isLockHeld(paths.daemonLock);
}

/** The process's arguments: /proc when Deno lets us read it (it wants --allow-all), else `ps`. */
function argumentsOf(pid: number): string[] | undefined {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
  } catch { /* not Linux, or not permitted */ }
  try {
    const out = new Deno.Command("ps", { args: ["-ww", "-o", "args=", "-p", String(pid)] })
      .outputSync();
    const line = new TextDecoder().decode(out.stdout).trim();
    // ps joins with spaces; our daemon's arguments are `--flag=value` words.
    return out.success && line ? line.split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

/** A process whose command line is our daemon for this data dir. */
function commandLineIsOurDaemon(pid: number, paths: DataPaths): boolean {
  const args = argumentsOf(pid);
  if (!args) return false;
  if (args.includes("__daemon") && args.includes(`--data-dir=${paths.dataDir}`)) return true;
  // A data dir with spaces is split by ps: compare the joined line instead.
  const line = args.join(" ");
  return args.includes("__daemon") && line.includes(` --data-dir=${paths.dataDir} `);
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* already gone */ }
}

export async function stopDaemon(
  paths: DataPaths,
  reason = "stigmer server stop",
): Promise<StopOutcome> {
  const result = await probe(paths);
  if (result.state === "stopped") return { state: "not-running" };
  let pid: number;
  if (result.state === "running") {
    pid = result.daemon.info.pid;
    try {
      await makeClient(result.daemon.channel, DaemonServiceDefinition).shutdown({ reason }, {
        timeoutMs: 2000,
      });
    } catch { /* fall through to signals */ }
    result.daemon.channel.close();
    if (await lockReleased(paths, 5000)) return { state: "stopped", pid, how: "shutdown" };
  } else {
    // Not answering: signal it only if its command line proves what it is.
    const info = result.info ?? readDaemonInfo(paths.daemonInfo);
    if (!info || !commandLineIsOurDaemon(info.pid, paths)) {
      throw new StigmerError(
        `a process holds ${paths.daemonLock} but cannot be verified as the daemon (${result.reason}); not stopping it`,
        { hint: "find it with: fuser " + paths.daemonLock },
      );
    }
    pid = info.pid;
  }
  signal(pid, "SIGTERM");
  // A stopped (SIGSTOP, Ctrl-Z) process only acts on SIGTERM once continued.
  signal(pid, "SIGCONT");
  if (await lockReleased(paths, 5000)) {
    removeDaemonInfo(paths.daemonInfo);
    return { state: "stopped", pid, how: "SIGTERM" };
  }
  signal(pid, "SIGKILL");
  if (await lockReleased(paths, 3000)) {
    removeDaemonInfo(paths.daemonInfo);
    return { state: "stopped", pid, how: "SIGKILL" };
  }
  throw new StigmerError(`daemon pid ${pid} did not stop`, { hint: `kill it: kill -9 ${pid}` });
}

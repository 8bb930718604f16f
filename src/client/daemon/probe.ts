// Is our daemon up? Proof, not hope: a live process holds daemon.lock, and the
// Hello RPC, authenticated with daemon.token, answers with the instanceId and
// pid that daemon.json names. A stale file is removed; a pid is never trusted
// on its own.
import type { DataPaths } from "../../config/paths.ts";
import {
  type DaemonInfo,
  isLockHeld,
  readDaemonInfo,
  removeDaemonInfo,
} from "../../rpc/daemon_info.ts";
import { Channel, makeClient } from "../grpc_fetch.ts";
import { DaemonServiceDefinition, type HelloResponse } from "../../rpc/gen/stigmer/v1/daemon.ts";
import { VERSION } from "../../version.ts";

export interface LiveDaemon {
  info: DaemonInfo;
  hello: HelloResponse;
  channel: Channel;
}

export type ProbeResult =
  | { state: "running"; daemon: LiveDaemon }
  | { state: "stopped" }
  /** The lock is held but the daemon does not answer (yet): starting, stopping or hung. */
  | { state: "unresponsive"; info?: DaemonInfo; reason: string };

export function readToken(paths: DataPaths): string | undefined {
  try {
    return Deno.readTextFileSync(paths.daemonToken).trim();
  } catch {
    return undefined;
  }
}

export function endpointOf(info: DaemonInfo): string {
  return info.host.includes(":") ? `[${info.host}]:${info.port}` : `${info.host}:${info.port}`;
}

export async function probe(paths: DataPaths, timeoutMs = 2000): Promise<ProbeResult> {
  const info = readDaemonInfo(paths.daemonInfo);
  if (!isLockHeld(paths.daemonLock)) {
    // Nobody holds the lock: whatever daemon.json says is history.
    if (info) removeDaemonInfo(paths.daemonInfo);
    return { state: "stopped" };
  }
  if (!info) return { state: "unresponsive", reason: "the daemon has not announced its port yet" };
  const token = readToken(paths);
  if (!token) return { state: "unresponsive", info, reason: "daemon.token is missing" };
  const channel = new Channel({ endpoint: endpointOf(info), token });
  try {
    const hello = await makeClient(channel, DaemonServiceDefinition).hello(
      { clientVersion: VERSION },
      { timeoutMs },
    );
    if (hello.instanceId !== info.instanceId || hello.pid !== info.pid) {
      channel.close();
      return {
        state: "unresponsive",
        info,
        reason: `the server on ${endpointOf(info)} is not the daemon daemon.json names`,
      };
    }
    return { state: "running", daemon: { info, hello, channel } };
  } catch (err) {
    channel.close();
    return { state: "unresponsive", info, reason: (err as Error).message };
  }
}

// The daemon's side of daemon.json: written once it serves (src/rpc/daemon_info.ts
// is the contract, which the CLI reads). Kept here because the atomic, private
// write belongs to config's file helpers, which only the daemon's side may use.
import { writeFileAtomic } from "../secure_fs.ts";
import type { DaemonInfo } from "../rpc/daemon_info.ts";

export function writeDaemonInfo(path: string, info: DaemonInfo): void {
  writeFileAtomic(path, `${JSON.stringify(info, null, 2)}\n`);
}

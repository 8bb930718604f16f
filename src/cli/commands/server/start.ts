import { ensureRunning } from "../../../client/daemon/ensure_running.ts";
import { probe } from "../../../client/daemon/probe.ts";
import { cliProgress } from "../../progress.ts";
import { info } from "../../output.ts";
import { localDaemon } from "./shared.ts";

export async function start(): Promise<void> {
  const { config, paths } = await localDaemon();
  const before = await probe(paths);
  if (before.state === "running") before.daemon.channel.close();
  const daemon = await ensureRunning(config.local, {
    autoStart: true,
    progress: await cliProgress(),
  });
  if (before.state === "running" && before.daemon.info.instanceId === daemon.info.instanceId) {
    info(
      `Daemon already running (pid ${daemon.info.pid}, ${daemon.info.host}:${daemon.info.port})`,
    );
  }
  daemon.channel.close();
}

import { stopDaemon } from "../../../client/daemon/stop.ts";
import { ensureRunning } from "../../../client/daemon/ensure_running.ts";
import { cliProgress } from "../../progress.ts";
import { success } from "../../output.ts";
import { localDaemon } from "./shared.ts";

export async function restart(): Promise<void> {
  const { config, paths } = await localDaemon();
  const outcome = await stopDaemon(paths, "stigmer server restart");
  if (outcome.state === "stopped") success(`Daemon stopped (pid ${outcome.pid})`);
  const daemon = await ensureRunning(config.local, {
    autoStart: true,
    progress: await cliProgress(),
  });
  daemon.channel.close();
}

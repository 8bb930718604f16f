import { ensureRunning } from "../../../client/daemon/ensure_running.ts";
import { cliProgress } from "../../progress.ts";
import { info } from "../../output.ts";
import { localDaemon } from "./shared.ts";

export async function start(): Promise<void> {
  const { config } = await localDaemon();
  const progress = await cliProgress();
  let spawned = false;
  const daemon = await ensureRunning(config.local, {
    autoStart: true,
    progress: {
      ...progress,
      start: (text) => {
        spawned = true;
        progress.start(text);
      },
    },
  });
  // Already up, or started a moment ago by another command: say so, or the user sees nothing.
  if (!spawned) {
    info(
      `Daemon already running (pid ${daemon.info.pid}, ${daemon.info.host}:${daemon.info.port})`,
    );
  }
  daemon.channel.close();
}

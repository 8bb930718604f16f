import { stopDaemon } from "../../../client/daemon/stop.ts";
import { info, success } from "../../output.ts";
import { localDaemon } from "./shared.ts";

export async function stop(): Promise<void> {
  const { paths } = await localDaemon();
  const outcome = await stopDaemon(paths);
  if (outcome.state === "not-running") info("Daemon is not running");
  else {success(
      `Daemon stopped (pid ${outcome.pid}${outcome.how === "shutdown" ? "" : `, ${outcome.how}`})`,
    );}
}

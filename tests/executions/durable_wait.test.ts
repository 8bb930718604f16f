// Durable runs: a `wait` that was in flight when the daemon died waits only what remains of
// its duration when the next daemon resumes the run (the wait's start is a checkpoint), not
// its whole duration again. The real CLI and daemon, SIGKILLed mid-wait.
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  alive,
  applyProject,
  assertExit,
  daemonPid,
  getExecution,
  sleep,
  spawnCli,
  startedId,
  waitingWorkflow,
  waitUntil,
  withExecutionHome,
  writeProject,
} from "./helpers.ts";

const WAIT_MS = 10_000;

Deno.test(
  "durable: a wait in flight when the daemon dies waits only its remainder on resume",
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "waiting", {
      "waiting.yaml": waitingWorkflow("waiting", `PT${WAIT_MS / 1000}S`),
    });
    await applyProject(home, dir);
    const live = spawnCli(home, ["run", "waiting"]);
    await live.waitFor(/Started wex-/);
    const id = startedId(live.stderr)!;
    const db = () => new DatabaseSync(`${home.dataDir}/stigmer.db`, { readOnly: true });
    // The wait recorded when it began (wall clock) before waiting.
    const began = await waitUntil("the wait's start to be recorded", () => {
      const conn = db();
      try {
        const row = conn.prepare(
          "SELECT entry FROM execution_checkpoints WHERE execution_id = ? AND key = ?",
        ).get(id, "/do/1/pause@0#wait") as { entry: string } | undefined;
        return row ? (JSON.parse(row.entry) as { mark: number }).mark : undefined;
      } finally {
        conn.close();
      }
    }, 60_000);
    await sleep(3000);
    const pid = daemonPid(home);
    assert(pid, "no daemon.json");
    Deno.kill(pid, "SIGKILL");
    const killedAt = Date.now();
    await waitUntil("the killed daemon to be gone", () => !alive(pid));
    // The next command starts a daemon, which resumes the run in its wait.
    assertExit(await home.run(["executions", "list"]), 0, "stigmer executions list");
    await waitUntil(
      `${id} to end`,
      async () => (await getExecution(home, id)).phase !== "RUNNING",
      120_000,
      250,
    );
    await live.result();
    const execution = await getExecution(home, id);
    assertEquals(execution.phase, "COMPLETED", JSON.stringify(execution));
    assertEquals(execution.output, { done: true });

    const conn = db();
    const events = conn.prepare(
      "SELECT type, task, message, data FROM execution_events WHERE execution_id = ? ORDER BY seq",
    ).all(id) as { type: string; task: string; message: string; data: string }[];
    conn.close();
    const trace = events.map((e) => `${e.type} ${e.task} ${e.message}`).join("\n");
    const resumed = events.filter((e) => e.type === "execution.resumed");
    assertEquals(resumed.map((e) => e.task), ["do/1/pause"], trace);
    const log = events.find((e) => e.type === "log" && e.task === "do/1/pause");
    assert(log, `no "resumed wait" log:\n${trace}`);
    const { remainingMs, durationMs } = JSON.parse(log.data);
    assertEquals(durationMs, WAIT_MS);
    // At least the time between the recorded start and the kill had passed.
    const elapsedBeforeKill = killedAt - began;
    assert(
      remainingMs <= WAIT_MS - elapsedBeforeKill,
      `${remainingMs} ms remained, though ${elapsedBeforeKill} ms of ${WAIT_MS} had passed`,
    );
    console.log(
      `killed ${elapsedBeforeKill} ms into a ${WAIT_MS} ms wait; resumed with ${remainingMs} ms left`,
    );
  }),
);

// Durable runs through real processes: a 10-task workflow (HTTP calls to a counter server
// this test runs on loopback, and waits) while the daemon is SIGKILLed again and again at
// random points. Every run must complete with the output of an uninterrupted run, and the
// counter must show each completed call made once: only a call in flight when the daemon
// died may have been made twice.
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startHitCounter } from "../helpers/hit_counter.ts";
import {
  alive,
  applyProject,
  assertExit,
  assertIncludes,
  daemonChannel,
  daemonPid,
  executionClient,
  getExecution,
  sleep,
  spawnCli,
  startedId,
  waitUntil,
  withExecutionHome,
  workflowManifest,
  writeProject,
} from "./helpers.ts";

/** Runs at once; the issue asks for 20 (each is 10 tasks). */
const RUNS = 20;
/** Daemon kills while they run. */
const KILLS = 6;
const CALLS = [1, 3, 5, 7, 9];

function tenTasks(port: number): string {
  let yaml = "";
  for (let i = 1; i <= 10; i++) {
    if (CALLS.includes(i)) {
      yaml += `
    - call${i}:
        call: http
        input:
          from: "\${ $workflow.input }"
        with:
          method: get
          endpoint: http://127.0.0.1:${port}/hit/{run}/${i}
        export:
          as: "\${ $context + { c${i}: .n } }"
`;
    } else if (i < 10) {
      yaml += `
    - pause${i}:
        wait: PT0.8S
`;
    } else {
      yaml += `
    - result:
        set:
          calls: "\${ $context }"
          run: "\${ $workflow.input.run }"
`;
    }
  }
  return workflowManifest("durable", yaml);
}

Deno.test(
  `durable: ${RUNS} runs of 10 tasks complete through ${KILLS} daemon SIGKILLs, each completed call made once`,
  withExecutionHome(async (home) => {
    const server = startHitCounter();
    const { hits } = server;
    try {
      const dir = await writeProject(home, "durable", {
        "durable.yaml": tenTasks(server.port),
      });
      await applyProject(home, dir);

      // Started straight through gRPC: 19 CLI processes would take longer than the runs.
      const ids: string[] = [];
      const channel = daemonChannel(home);
      try {
        for (let run = 1; run < RUNS; run++) {
          const execution = await executionClient(channel).start({
            org: "local",
            target: "durable",
            targetKind: "",
            inputJson: JSON.stringify({ run }),
            message: "",
          });
          ids.push(execution.id);
        }
      } finally {
        channel.close();
      }
      // Run 0 followed by `stigmer run`, which must reconnect and follow it to the end.
      const follower = spawnCli(home, ["run", "durable", "--input", "run=0"]);
      await follower.waitFor(/Started wex-/);
      ids.unshift(startedId(follower.stderr)!);

      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(200 + Math.random() * 1000);
        const pid = daemonPid(home);
        assert(pid, "no daemon.json");
        Deno.kill(pid, "SIGKILL");
        await waitUntil("the killed daemon to be gone", () => !alive(pid));
        // The next command starts the next daemon, which resumes the runs.
        assertExit(await home.run(["executions", "list"]), 0, "stigmer executions list");
      }

      const followed = await follower.result();
      assertExit(followed, 0, "stigmer run durable, followed through the kills");
      assertIncludes(followed.stderr, "reconnecting to follow");

      for (const [run, id] of ids.entries()) {
        await waitUntil(
          `run ${run} (${id}) to end`,
          async () => (await getExecution(home, id)).phase !== "RUNNING",
          120_000,
          250,
        );
        const execution = await getExecution(home, id);
        assertEquals(execution.phase, "COMPLETED", JSON.stringify(execution));
        assertEquals(execution.output, {
          calls: Object.fromEntries(CALLS.map((i) => [`c${i}`, i])),
          run,
        });
        let repeats = 0;
        for (const i of CALLS) {
          const count = hits.get(`${run}/${i}`) ?? 0;
          assert(count >= 1, `run ${run}: call ${i} was never made`);
          repeats += count - 1;
        }
        // Each kill can catch at most one call of this run in flight.
        assert(repeats <= KILLS, `run ${run}: ${repeats} repeated calls for ${KILLS} kills`);
      }
      // The kills did land mid-run: runs resumed (read from the store the daemon left).
      const db = new DatabaseSync(`${home.dataDir}/stigmer.db`, { readOnly: true });
      const { resumed } = db.prepare(
        "SELECT count(DISTINCT execution_id) AS resumed FROM execution_events WHERE type = ?",
      ).get("execution.resumed") as { resumed: number };
      db.close();
      assert(resumed > 0, "no run was resumed: the kills missed every run");
      const repeated = [...hits.values()].filter((n) => n > 1).length;
      console.log(
        `${RUNS} runs, ${KILLS} kills: ${resumed} runs resumed, ${repeated} of ${hits.size} calls repeated`,
      );
    } finally {
      await server.shutdown();
    }
  }),
);

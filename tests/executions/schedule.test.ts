// Scheduled workflows in a real daemon: `every` and a cron with seconds each fire twice,
// `on` starts a run per event with the events as its input, `stigmer get workflows` shows
// the next start, deleting a workflow stops its schedule, and the daemon does not exit for
// idleness while a schedule is due.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  daemonPid,
  localConfig,
  sleep,
  waitUntil,
  withExecutionHome,
  workflowManifest,
  writeProject,
} from "./helpers.ts";
import type { TestHome } from "../helpers/cli.ts";

const EXAMPLES = new URL(
  "../../../shared/reference/serverless-workflow/examples/",
  import.meta.url,
);

function scheduled(
  name: string,
  schedule: string,
  doYaml = "    - tick:\n        set:\n          at: ${ now }\n",
): string {
  return workflowManifest(name, doYaml, `  schedule:\n${schedule}\n`);
}

/** The example from the reference folder as a Workflow manifest (its document unchanged). */
function exampleManifest(file: string, name: string): string {
  const text = Deno.readTextFileSync(new URL(file, EXAMPLES));
  return `apiVersion: agentic.stigmer.ai/v1\nkind: Workflow\nmetadata:\n  name: ${name}\nspec:\n${
    text.split("\n").map((line) => (line ? `  ${line}` : line)).join("\n")
  }\n`;
}

interface ListedExecution {
  id: string;
  targetName: string;
  phase: string;
  inputJson: string;
  startedAt: string;
  finishedAt: string;
}

async function executionsOf(home: TestHome, name: string): Promise<ListedExecution[]> {
  const result = await home.run(["executions", "list", "--json"]);
  assertExit(result, 0, "stigmer executions list --json");
  return (JSON.parse(result.stdout) as ListedExecution[]).filter((e) => e.targetName === name);
}

Deno.test(
  "schedule: every PT1S, a cron with seconds and after PT1S each start the workflow twice",
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "sched", {
      "every.yaml": scheduled("every-second", "    every: PT1S\n"),
      "cron.yaml": scheduled("cron-second", '    cron: "* * * * * *"\n'),
      "after.yaml": scheduled("after-second", "    after: PT1S\n"),
    });
    const applied = Date.now();
    await applyProject(home, dir);
    for (const name of ["every-second", "cron-second", "after-second"]) {
      const runs = await waitUntil(
        `two runs of ${name}`,
        async () => {
          const done = (await executionsOf(home, name)).filter((e) => e.phase === "COMPLETED");
          return done.length >= 2 ? done : undefined;
        },
        30_000,
        200,
      );
      assert(runs.length >= 2);
      if (name === "after-second") {
        // `after` waits for the previous run to end, then the interval.
        const [first, second] = runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
        const gap = Date.parse(second.startedAt) - Date.parse(first.finishedAt);
        assert(gap >= 900, `the second run started ${gap} ms after the first ended`);
      }
    }
    // `every` starts the first run one interval after loading, not at once.
    assert(Date.now() - applied >= 1000);
  }),
);

Deno.test(
  "schedule: get workflows shows the next start; schedule-cron.yaml is midnight; delete stops it",
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "sched", {
      "cron.yaml": exampleManifest("schedule-cron.yaml", "backup"),
      "every.yaml": scheduled("hourly", "    every: PT1H\n"),
      "plain.yaml": scheduled("plain", "    {}\n").replace("  schedule:\n    {}\n", ""),
    });
    await applyProject(home, dir);
    const table = await home.run(["get", "workflows"]);
    assertExit(table, 0, "stigmer get workflows");
    assertMatch(table.stdout, /NEXT START/);
    assertMatch(table.stdout, /hourly .* in (59m|60m|1h)\s*$/m);
    assertMatch(table.stdout, /plain .* -\s*$/m);
    const json = await home.run(["get", "workflow", "backup", "-o", "json"]);
    assertExit(json, 0, "stigmer get workflow backup -o json");
    const next = new Date(JSON.parse(json.stdout).status.nextStart);
    assertEquals(
      [next.getHours(), next.getMinutes(), next.getSeconds()],
      [0, 0, 0],
      "cron 0 0 * * * is local midnight",
    );
    assert(next.getTime() > Date.now() && next.getTime() - Date.now() <= 24 * 3600_000);

    const removed = await home.run(["delete", "workflow", "hourly"]);
    assertExit(removed, 0, "stigmer delete workflow hourly");
    // Re-apply the rest: the deleted one is not scheduled any more.
    await Deno.remove(`${dir}/stigmer/every.yaml`);
    await Deno.writeTextFile(
      `${dir}/stigmer/fast.yaml`,
      scheduled("fast", "    every: PT1S\n"),
    );
    await applyProject(home, dir);
    await waitUntil("a run of fast", async () => (await executionsOf(home, "fast")).length > 0);
    const del = await home.run(["delete", "workflow", "fast"]);
    assertExit(del, 0, "stigmer delete workflow fast");
    const count = (await executionsOf(home, "fast")).length;
    await sleep(2500);
    assertEquals((await executionsOf(home, "fast")).length, count, "no run after the delete");
  }),
);

Deno.test(
  "schedule.on: each matching event starts a run whose input is the events",
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "sched", {
      "on.yaml": scheduled(
        "on-low",
        "    on:\n      one:\n        with:\n          type: com.example.hospital.events.patients.heartbeat.low\n",
        "    - note:\n        set:\n          patient: ${ $workflow.input[0].data.patient.id }\n",
      ),
    });
    await applyProject(home, dir);
    const other = await home.run(["events", "emit", "--type", "other", "--source", "urn:t"]);
    assertExit(other, 0, "events emit other");
    const sent = await home.run([
      "events",
      "emit",
      "--type",
      "com.example.hospital.events.patients.heartbeat.low",
      "--source",
      "urn:monitor",
      "--data",
      '{"patient":{"id":"p-9"}}',
      "--json",
    ]);
    assertExit(sent, 0, "events emit");
    assertEquals(JSON.parse(sent.stdout).delivered, 1);
    const [run] = await waitUntil("a completed run of on-low", async () => {
      const runs = (await executionsOf(home, "on-low")).filter((e) => e.phase === "COMPLETED");
      return runs.length > 0 ? runs : undefined;
    });
    const input = JSON.parse(run.inputJson);
    assertEquals(input.length, 1);
    assertEquals(input[0].source, "urn:monitor");
    const shown = await home.run(["executions", "get", run.id, "--json"]);
    assertEquals(JSON.parse(shown.stdout).output, { patient: "p-9" });
    assertEquals((await executionsOf(home, "on-low")).length, 1, "the other event started none");
  }),
);

Deno.test(
  "schedule: the daemon does not exit for idleness while a schedule is due",
  withExecutionHome(
    async (home) => {
      const dir = await writeProject(home, "sched", {
        "every.yaml": scheduled("soon", "    every: PT1S\n"),
      });
      await applyProject(home, dir);
      const pid = daemonPid(home);
      assert(pid, "the daemon is running");
      await sleep(3500); // idle_timeout is 1s: without the schedule it would have exited
      assertEquals(daemonPid(home), pid, "the daemon is still the same one");
      assert((await executionsOf(home, "soon")).length >= 2);
    },
    localConfig({ idle_timeout: "1s" }),
  ),
);

// Volume through a real daemon: 50 runs at once, and one `for` loop of 10,000
// steps (each step two stored events). Timings are printed for the report.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  daemonChannel,
  executionClient,
  getExecution,
  waitUntil,
  withExecutionHome,
  workflowManifest,
  writeProject,
} from "./helpers.ts";

/** The most runs in progress at one instant, from their startedAt/finishedAt. */
function maxOverlap(runs: { startedAt: string; finishedAt: string }[]): number {
  const edges = runs.flatMap((r) => [
    [Date.parse(r.startedAt), 1],
    [Date.parse(r.finishedAt), -1],
  ]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0, most = 0;
  for (const [, step] of edges) most = Math.max(most, now += step);
  return most;
}

const RUNS = 50;
const CLI_RUNS = 5; // started by CLI processes with --no-follow; the rest over gRPC
const STEPS = 10_000;

Deno.test(
  `${RUNS} concurrent runs all complete`,
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "many", {
      "small.yaml": workflowManifest(
        "small",
        `
    - first:
        set:
          i: '\${ .i }'
    - pause:
        wait:
          milliseconds: 300
    - second:
        set:
          i: '\${ .i }'
          done: true
`,
      ),
    });
    await applyProject(home, dir);

    const began = performance.now();
    const channel = daemonChannel(home);
    try {
      const client = executionClient(channel);
      let grpcMs = 0;
      const [cliStarted, grpcStarted] = await Promise.all([
        Promise.all(
          Array.from({ length: CLI_RUNS }, async (_, i) => {
            const r = await home.run(["run", "small", "--no-follow", "--input", `i=${i}`]);
            assertExit(r, 0, "stigmer run small --no-follow");
            return r.stdout.trim();
          }),
        ),
        Promise.all(
          Array.from({ length: RUNS - CLI_RUNS }, (_, i) =>
            client.start({
              org: "local",
              target: "small",
              targetKind: "",
              inputJson: JSON.stringify({ i: CLI_RUNS + i }),
              message: "",
            }).then((e) => e.id)),
        ).finally(() => (grpcMs = performance.now() - began)),
      ]);
      const ids = [...cliStarted, ...grpcStarted];
      assertEquals(new Set(ids).size, RUNS);
      const startedMs = performance.now() - began;

      // Each run waits 300 ms; run one after the other they would need 15 s.
      const finished = await waitUntil(
        "every run to end",
        async () => {
          const page = await client.list({ org: "local", pageSize: 100, pageToken: "" });
          const ended = page.items.filter((e) => !["PENDING", "RUNNING"].includes(e.phase));
          return ended.length === RUNS ? page.items : undefined;
        },
        30_000,
        100,
      );
      const allMs = performance.now() - began;
      console.log(
        `${RUNS} concurrent runs: ${RUNS - CLI_RUNS} started over gRPC in ${
          grpcMs.toFixed(0)
        } ms, ${CLI_RUNS} by CLI processes in ${startedMs.toFixed(0)} ms; all ended in ${
          allMs.toFixed(0)
        } ms`,
      );
      assertEquals(finished.filter((e) => e.phase === "COMPLETED").length, RUNS);
      const outputs = finished.map((e) => JSON.parse(e.outputJson)).sort((a, b) => a.i - b.i);
      assertEquals(outputs, Array.from({ length: RUNS }, (_, i) => ({ i, done: true })));
      // Concurrent, as the daemon's own clock says (not the test's, which CPU load skews).
      const overlap = maxOverlap(finished);
      console.log(`  at most ${overlap} runs in progress at the same time`);
      assert(overlap >= 10, `at most ${overlap} of ${RUNS} runs overlapped: not concurrent`);
    } finally {
      channel.close();
    }

    // The CLI's list shows them all.
    const list = await home.run(["executions", "list", "--json"]);
    assertExit(list, 0, "stigmer executions list --json");
    const items = JSON.parse(list.stdout) as { phase: string }[];
    assertEquals(items.length, RUNS);
    assert(items.every((e) => e.phase === "COMPLETED"), list.stdout);
  }),
);

Deno.test(
  `a ${STEPS.toLocaleString("en")}-step for loop runs through the daemon`,
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "loop", {
      "loop.yaml": workflowManifest(
        "loop",
        `
    - count:
        input:
          from: '\${ {count: 0} }'
        for:
          in: '\${ [range(${STEPS})] }'
        do:
          - step:
              set:
                count: '\${ .count + 1 }'
`,
      ),
    });
    await applyProject(home, dir);
    const began = performance.now();
    const run = await home.run(["run", "loop"]);
    const cliMs = performance.now() - began;
    assertExit(run, 0, "stigmer run loop");
    assertEquals(JSON.parse(run.stdout), { count: STEPS });
    const done = /✓ (wex-[0-9a-z]+) COMPLETED in [\d.]+s \((\d+) tasks completed\)/.exec(
      run.stderr.slice(-500),
    );
    assert(done, run.stderr.slice(-500));
    assertEquals(Number(done[2]), STEPS + 1);
    const stored = await getExecution(home, done[1]);
    const daemonMs = Date.parse(stored.finishedAt as string) -
      Date.parse(stored.startedAt as string);
    console.log(
      `${STEPS}-step for loop: ${daemonMs} ms in the daemon (${
        (daemonMs / STEPS).toFixed(3)
      } ms a step), ${cliMs.toFixed(0)} ms for \`stigmer run\` following it`,
    );
    assertMatch(String(stored.phase), /^COMPLETED$/);
  }),
);

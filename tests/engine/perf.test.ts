// Engine overhead at scale: many tasks and long loops give the right output and events.
// The times are printed for the record only; limits on them belong in scripts/bench.ts,
// as a loaded machine would fail them here.
import assert from "node:assert/strict";
import { loadJq } from "../../src/engine/jq.ts";
import type { TaskList } from "../../src/engine/mod.ts";
import { run, workflow } from "./helpers.ts";

await loadJq();

function sets(n: number, body: (i: number) => Record<string, unknown>): TaskList {
  return Array.from({ length: n }, (_, i) => ({ [`t${i}`]: { set: body(i) } }));
}

async function timeSets(label: string, tasks: TaskList, expected: unknown): Promise<void> {
  await run(workflow(tasks.slice(0, 50)), { i: 0 }); // warm up
  const started = performance.now();
  const { output, hooks } = await run(workflow(tasks), { i: 0 });
  const perTask = (performance.now() - started) / tasks.length;
  assert.deepEqual(output, expected);
  assert.equal(hooks.events.length, tasks.length * 2);
  console.log(`  ${label}: ${(perTask * 1000).toFixed(0)} µs per set task`);
}

Deno.test("perf: 1,000 set tasks", async () => {
  const n = 1000;
  await timeSets("constants", sets(n, (i) => ({ i, label: "constant" })), {
    i: n - 1,
    label: "constant",
  });
  await timeSets(
    "paths (${ .i }, ${ $input.i })",
    sets(n, (i) => ({ i: "${ .i }", n: i, first: "${ $input.i }" })),
    {
      i: 0,
      n: n - 1,
      first: 0,
    },
  );
  await timeSets(
    "arithmetic (${ .i + 1 }, ${ .i % 2 == 0 })",
    sets(n, () => ({ i: "${ .i + 1 }", even: "${ .i % 2 == 0 }" })),
    {
      i: n,
      even: false,
    },
  );
  // Functions need real jq: ~1 ms a call on an idle machine, whatever the expression.
  const viaJq = 200;
  await timeSets(
    "jq functions (${ .i | tostring | length }), 200 tasks",
    sets(viaJq, () => ({ i: "${ .i | tostring | length }" })),
    { i: 1 },
  );
});

Deno.test("perf: a 10,000-step for loop", async () => {
  const loop = (body: string) =>
    workflow([{
      loop: { for: { in: "$input.items", each: "n" }, do: [{ add: { set: { total: body } } }] },
    }]);
  const cases = [
    ["paths", 10_000, "${ $n }", (s: number) => s - 1],
    ["arithmetic", 10_000, "${ .total + $n }", (s: number) => (s * (s - 1)) / 2],
    ["jq functions", 1_000, "${ .total + ($n | tostring | length) }", () => 2890],
  ] as const;
  for (const [label, steps, body, expected] of cases) {
    const items = Array.from({ length: steps }, (_, i) => i);
    const started = performance.now();
    const { output, hooks } = await run(loop(body), { items, total: 0 });
    const elapsed = performance.now() - started;
    assert.deepEqual(output, { total: expected(steps) });
    // Two events per iteration for the task inside the loop, two for the loop itself.
    assert.equal(hooks.events.length, steps * 2 + 2);
    console.log(
      `  ${steps} iterations (${label}): ${elapsed.toFixed(0)} ms, ${hooks.events.length} events`,
    );
  }
});

// Per-task overhead of `fork` and `run: workflow`, engine alone (no CLI, no store): the
// median of several runs, minus a plain `set` baseline, divided by the task count.
// Run: deno run --allow-read --allow-env scripts/bench_engine.ts
import { runWorkflow, type WorkflowDocument } from "../src/engine/mod.ts";

const N = 1000;
const RUNS = 7;

function doc(tasks: unknown[], name = "bench"): WorkflowDocument {
  return {
    document: { dsl: "1.0.0", namespace: "bench", name, version: "1.0.0" },
    do: tasks as WorkflowDocument["do"],
  };
}

const set = (i: number) => ({ [`s${i}`]: { set: { i } } });
const docs: Record<string, WorkflowDocument> = {
  [`${N} set tasks in sequence (baseline)`]: doc(Array.from({ length: N }, (_, i) => set(i))),
  [`a fork of ${N} set branches`]: doc([{
    f: { fork: { branches: Array.from({ length: N }, (_, i) => set(i)) } },
  }]),
  [`${N} forks of 1 set branch`]: doc(
    Array.from({ length: N }, (_, i) => ({ [`f${i}`]: { fork: { branches: [set(i)] } } })),
  ),
  [`${N} run: workflow calls of a 1-task workflow`]: doc(
    Array.from({ length: N }, (_, i) => ({
      [`r${i}`]: { run: { workflow: { namespace: "bench", name: "leaf", version: "1.0.0" } } },
    })),
  ),
};
const leaf = doc([set(0)], "leaf");
const hooks = {
  emit: () => {},
  callAgent: () => Promise.resolve(""),
  loadWorkflow: () => Promise.resolve(leaf),
};

async function time(d: WorkflowDocument): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await runWorkflow(d, {}, hooks, { signal: new AbortController().signal });
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const results: Array<[string, number]> = [];
for (const [name, d] of Object.entries(docs)) results.push([name, await time(d)]);
const base = results[0][1];
for (const [name, ms] of results) {
  console.log(
    `${name.padEnd(46)} ${ms.toFixed(1).padStart(8)} ms  ${
      (ms / N * 1000).toFixed(0).padStart(5)
    } µs/task` +
      (ms === base ? "" : `  (+${((ms - base) / N * 1000).toFixed(0)} µs over set)`),
  );
}

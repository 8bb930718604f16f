// Checkpoint cost per task: the same 1,000-task `set` workflow run in-process on a SQLite
// store (events appended as the daemon does), without and with checkpoints, alternating,
// in the same process. `deno run -A scripts/bench_checkpoints.ts` prints it alone.
import { runWorkflow, type WorkflowDocument } from "../src/engine/mod.ts";
import { StoreJournal } from "../src/executions/checkpoints.ts";
import { SqliteStore } from "../src/store/sqlite_store.ts";

const TASKS = 1000;

function document(): WorkflowDocument {
  return {
    document: { dsl: "1.0.0", namespace: "bench", name: "big", version: "0.1.0" },
    do: Array.from({ length: TASKS }, (_, i) => ({ [`t${i}`]: { set: { n: i } } })),
  };
}

/** Milliseconds of one run of the workflow, with or without checkpoints. */
async function once(store: SqliteStore, checkpoints: boolean): Promise<number> {
  const execution = await store.createExecution({
    kind: "WorkflowExecution",
    org: "local",
    targetId: "wfl-bench",
    targetName: "big",
    input: {},
    workflow: document(),
  });
  const id = execution.id;
  const began = performance.now();
  await runWorkflow(document(), {}, {
    emit: async (event) => {
      await store.appendEvent({ executionId: id, ...event, data: event.data ?? null });
    },
    callAgent: () => Promise.reject(new Error("no agents here")),
    journal: checkpoints ? StoreJournal.fresh(store, id) : undefined,
  }, { signal: new AbortController().signal, executionId: id });
  return performance.now() - began;
}

export interface CheckpointCost {
  withoutMs: number[];
  withMs: number[];
  /** Median extra milliseconds per task. */
  perTaskMs: number;
}

export async function measureCheckpointCost(runs: number): Promise<CheckpointCost> {
  const dir = await Deno.makeTempDir({ prefix: "stigmer-bench-checkpoints-" });
  const store = SqliteStore.open(`${dir}/stigmer.db`);
  try {
    await once(store, false);
    await once(store, true);
    const withoutMs: number[] = [], withMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      withoutMs.push(await once(store, false));
      withMs.push(await once(store, true));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { withoutMs, withMs, perTaskMs: (median(withMs) - median(withoutMs)) / TASKS };
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const cost = await measureCheckpointCost(5);
  console.log(JSON.stringify(cost));
}

// A writer process for the crash and concurrency tests. Each batch b writes
// `size` agents labelled {writer, batch: b} and moves the writer's counter
// workflow to {lastBatch: b} in the same transaction, then appends one event
// to the writer's execution. It prints "applying b" before and "committed b"
// after. So after any crash, a batch is all there or not at all, and the
// counter names the last one.
//
// Usage: deno run apply_loop.ts <db> <writer> <size> <batches: 0 = forever> [first batch]
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import type { ResourceInput } from "../../src/model/resource.ts";

const [db, writer, size, batches, first = "0"] = Deno.args;
const store = SqliteStore.open(db);
const execution = await store.createExecution({
  kind: "WorkflowExecution",
  org: "local",
  targetId: "",
  targetName: `${writer}-counter`,
  input: {},
});
const filler = "x".repeat(2_000); // big rows make each transaction take a while
const encoder = new TextEncoder();

const start = Number(first);
const end = Number(batches) === 0 ? Infinity : start + Number(batches);
for (let b = start; b < end; b++) {
  const inputs: ResourceInput[] = [];
  for (let i = 0; i < Number(size); i++) {
    inputs.push({
      kind: "Agent",
      name: `${writer}-b${b}-r${i}`,
      labels: { writer, batch: String(b) },
      annotations: {},
      spec: { instructions: filler, batch: b, index: i },
      project: writer,
    });
  }
  inputs.push({
    kind: "Workflow",
    name: `${writer}-counter`,
    labels: { counter: writer },
    annotations: {},
    spec: { lastBatch: b },
    project: writer,
  });
  Deno.stdout.writeSync(encoder.encode(`applying ${b}\n`));
  await store.applyBatch("local", inputs);
  await store.appendEvent({
    executionId: execution.id,
    type: "log",
    task: "",
    message: String(b),
    data: { batch: b },
  });
  Deno.stdout.writeSync(encoder.encode(`committed ${b}\n`));
}
await store.close();

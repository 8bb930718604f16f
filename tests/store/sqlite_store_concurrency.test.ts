// Several connections to one file, as when a second daemon or a CLI opens the
// store while the daemon writes: writes wait for each other instead of failing
// with "database is locked", and none is lost.
import { assertEquals } from "../helpers/assert.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import type { ResourceInput } from "../../src/model/resource.ts";
import { spawnApplyLoop, withTempDir } from "./helpers.ts";

const BATCH_SIZE = 50;
const BATCHES = 30;

Deno.test("two processes and two in-process instances write one file at once", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/stigmer.db`;
    // The children and the instances below all open the new file at about the same time.
    const children = ["proc-a", "proc-b"].map((writer) => ({
      writer,
      child: spawnApplyLoop(dir, [path, writer, String(BATCH_SIZE), String(BATCHES)]),
    }));
    const one = SqliteStore.open(path);
    const two = SqliteStore.open(path);
    try {
      const executions = await Promise.all([one, two].map((store) =>
        store.createExecution({
          kind: "AgentExecution",
          org: "local",
          targetId: "",
          targetName: "",
          input: {},
        })
      ));
      const outputs = Promise.all(children.map(({ child }) => child.output()));
      let childrenDone = false;
      outputs.finally(() => childrenDone = true);
      // Keep writing until the children are done, so the writes really overlap.
      let inProcessBatches = 0;
      for (let b = 0; b < BATCHES || !childrenDone; b++) {
        // Interleave the two instances, with a pause so the children get the lock too.
        await Promise.all([one, two].map(async (store, i) => {
          const writer = i === 0 ? "inproc-one" : "inproc-two";
          await store.applyBatch("local", batch(writer, b));
          await store.appendEvent({
            executionId: executions[i === 0 ? 1 : 0].id, // each writes the other's events
            type: "log",
            task: "",
            message: `${writer} ${b}`,
            data: null,
          });
        }));
        inProcessBatches = b + 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }

      for (const [i, { code, stdout, stderr }] of (await outputs).entries()) {
        const errors = new TextDecoder().decode(stderr);
        assertEquals(code, 0, `${children[i].writer} failed: ${errors}`);
        assertEquals(new TextDecoder().decode(stdout).match(/committed/g)?.length, BATCHES);
      }

      assertEquals(await one.integrityCheck(), "ok");
      const expected = {
        "proc-a": BATCHES,
        "proc-b": BATCHES,
        "inproc-one": inProcessBatches,
        "inproc-two": inProcessBatches,
      };
      for (const [writer, batches] of Object.entries(expected)) {
        let count = 0;
        let pageToken = "";
        do {
          const page = await two.list("local", { labels: { writer }, pageSize: 1000, pageToken });
          count += page.items.length;
          pageToken = page.nextPageToken;
        } while (pageToken);
        assertEquals(count, BATCH_SIZE * batches, writer);
        const counter = await one.get("local", "Workflow", `${writer}-counter`);
        assertEquals(counter?.spec.lastBatch, batches - 1);
        assertEquals(counter?.metadata.version, batches);
      }
      const all = await one.listExecutions("local");
      assertEquals(all.items.length, 4);
      for (const execution of all.items) {
        const seqs = (await two.listEvents(execution.id)).map((e) => e.seq);
        const batches = executions.some((e) => e.id === execution.id) ? inProcessBatches : BATCHES;
        assertEquals(seqs, Array.from({ length: batches }, (_, i) => i + 1));
      }
    } finally {
      await one.close();
      await two.close();
    }
  });
});

function batch(writer: string, b: number): ResourceInput[] {
  return [
    ...Array.from({ length: BATCH_SIZE }, (_, i): ResourceInput => ({
      kind: "Skill",
      name: `${writer}-b${b}-r${i}`,
      labels: { writer, batch: String(b) },
      annotations: {},
      spec: { description: "x".repeat(500) },
      project: writer,
    })),
    {
      kind: "Workflow",
      name: `${writer}-counter`,
      labels: {},
      annotations: {},
      spec: { lastBatch: b },
      project: writer,
    },
  ];
}

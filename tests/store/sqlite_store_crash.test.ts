// A daemon killed with SIGKILL in the middle of an apply must leave the store
// sound: every batch is either all there or not at all, and every batch the
// writer saw committed is there.
import { assert, assertEquals } from "../helpers/assert.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import type { Resource } from "../../src/model/resource.ts";
import { spawnApplyLoop, withTempDir } from "./helpers.ts";

const BATCH_SIZE = 300;
const MAX_ROUNDS = 12;
const MID_APPLY_KILLS_WANTED = 3;

Deno.test("SIGKILL mid-apply leaves every batch whole or absent", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/stigmer.db`;
    let nextBatch = 0;
    let midApplyKills = 0;
    for (let round = 0; round < MAX_ROUNDS && midApplyKills < MID_APPLY_KILLS_WANTED; round++) {
      const child = spawnApplyLoop(dir, [
        path,
        "crash",
        String(BATCH_SIZE),
        "0",
        String(nextBatch),
      ]);
      const log = await killAfterCommits(child, 2, Math.random() * 150);

      const store = SqliteStore.open(path);
      try {
        assertEquals(await store.integrityCheck(), "ok");
        const perBatch = countByBatch(await listAll(store, { writer: "crash" }));
        const present = [...perBatch.keys()].sort((a, b) => a - b);
        for (const [batch, count] of perBatch) {
          assertEquals(count, BATCH_SIZE, `batch ${batch} is partly there`);
        }
        // Batches are written in order, so the present ones run 0..last without a gap…
        assertEquals(present, Array.from({ length: present.length }, (_, i) => i));
        // …every acknowledged one survived…
        for (const batch of log.committed) {
          assert(perBatch.has(batch), `committed batch ${batch} lost`);
        }
        // …and the counter, updated in the same transactions, agrees.
        const counter = await store.get("local", "Workflow", "crash-counter");
        assertEquals(counter?.spec.lastBatch, present.at(-1));
        assertEquals(counter?.metadata.version, present.length);
        // Killed between "applying" and "committed": the batch was in flight.
        if (log.inFlight !== undefined && !perBatch.has(log.inFlight)) midApplyKills++;
        nextBatch = present.length;
      } finally {
        await store.close();
      }
    }
    // Batches are big, so most kills land inside a transaction; make sure some did.
    assert(midApplyKills > 0, "no kill landed in the middle of an apply");
  });
});

interface WriterLog {
  committed: number[];
  /** The batch it had started and not acknowledged when it died. */
  inFlight?: number;
}

/** Reads the writer's lines until `commits` batches are acknowledged, waits delayMs, then SIGKILLs. */
async function killAfterCommits(
  child: Deno.ChildProcess,
  commits: number,
  delayMs: number,
): Promise<WriterLog> {
  const log: WriterLog = { committed: [] };
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const readLines = async (until: () => boolean) => {
    while (!until()) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const [word, batch] = line.split(" ");
        if (word === "applying") log.inFlight = Number(batch);
        if (word === "committed") {
          log.committed.push(Number(batch));
          log.inFlight = undefined;
        }
      }
    }
  };
  await readLines(() => log.committed.length >= commits);
  if (log.committed.length < commits) {
    await child.status;
    throw new Error(`the writer ended early: ${await stderr}`);
  }
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill("SIGKILL");
  await readLines(() => false); // whatever it acknowledged before dying counts too
  const status = await child.status;
  await stderr;
  assertEquals(status.signal, "SIGKILL");
  return log;
}

async function listAll(store: SqliteStore, labels: Record<string, string>): Promise<Resource[]> {
  const all: Resource[] = [];
  let pageToken = "";
  do {
    const page = await store.list("local", { labels, pageSize: 1000, pageToken });
    all.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

function countByBatch(resources: Resource[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of resources) {
    const batch = Number(r.metadata.labels.batch);
    counts.set(batch, (counts.get(batch) ?? 0) + 1);
  }
  return counts;
}

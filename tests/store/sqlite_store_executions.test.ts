import { assert, assertEquals, assertMatch, assertRejects } from "../helpers/assert.ts";
import { NotFoundError } from "../../src/store/errors.ts";
import type { NewExecution } from "../../src/store/store.ts";
import { withStore } from "./helpers.ts";

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function newExecution(extra: Partial<NewExecution> = {}): NewExecution {
  return {
    kind: "WorkflowExecution",
    org: "local",
    targetId: "wfl-01",
    targetName: "hello",
    input: { who: "world" },
    ...extra,
  };
}

Deno.test("createExecution: wex-/aex- ids, PENDING, empty fields", async () => {
  await withStore(async (store) => {
    const wex = await store.createExecution(newExecution());
    const aex = await store.createExecution(newExecution({ kind: "AgentExecution" }));
    assertMatch(wex.id, /^wex-[0-9a-z]{26}$/);
    assertMatch(aex.id, /^aex-[0-9a-z]{26}$/);
    assertMatch(wex.createdAt, ISO_UTC);
    assertEquals({ ...wex, id: "", createdAt: "" }, {
      id: "",
      org: "local",
      kind: "WorkflowExecution",
      targetId: "wfl-01",
      targetName: "hello",
      phase: "PENDING",
      input: { who: "world" },
      output: null,
      error: "",
      createdAt: "",
      startedAt: "",
      finishedAt: "",
    });
    assertEquals(await store.getExecution("local", wex.id), wex);
    assertEquals(await store.getExecution("acme", wex.id), undefined);
    assertEquals(await store.getExecution("local", "wex-nope"), undefined);
  });
});

Deno.test("updateExecution changes only the given fields and returns the row", async () => {
  await withStore(async (store) => {
    const created = await store.createExecution(newExecution());
    const started = await store.updateExecution(created.id, {
      phase: "RUNNING",
      startedAt: "2025-01-01T00:00:00.000Z",
    });
    assertEquals(started, { ...created, phase: "RUNNING", startedAt: "2025-01-01T00:00:00.000Z" });
    const done = await store.updateExecution(created.id, {
      phase: "COMPLETED",
      output: { greeting: "hi", list: [1, 2] },
      finishedAt: "2025-01-01T00:00:01.000Z",
    });
    assertEquals(done.output, { greeting: "hi", list: [1, 2] });
    assertEquals(done.startedAt, "2025-01-01T00:00:00.000Z");
    assertEquals(done.phase, "COMPLETED");
    const cleared = await store.updateExecution(created.id, { output: null, error: "boom" });
    assertEquals([cleared.output, cleared.error, cleared.phase], [null, "boom", "COMPLETED"]);
    assertEquals(await store.getExecution("local", created.id), cleared);
    await assertRejects(
      () => store.updateExecution("wex-nope", { phase: "FAILED" }),
      NotFoundError,
    );
  });
});

Deno.test("appendEvent numbers events 1, 2, 3… per execution; listEvents after a seq", async () => {
  await withStore(async (store) => {
    const a = await store.createExecution(newExecution());
    const b = await store.createExecution(newExecution());
    const appended = [];
    for (let i = 0; i < 5; i++) {
      appended.push(
        await store.appendEvent({
          executionId: a.id,
          type: i === 0 ? "execution.started" : "task.completed",
          task: i === 0 ? "" : `do/${i}/step`,
          message: `event ${i}`,
          data: { i },
        }),
      );
      await store.appendEvent({
        executionId: b.id,
        type: "log",
        task: "",
        message: "",
        data: null,
      });
    }
    assertEquals(appended.map((e) => e.seq), [1, 2, 3, 4, 5]);
    assertMatch(appended[0].time, ISO_UTC);
    const events = await store.listEvents(a.id);
    assertEquals(events, appended);
    assertEquals(events[3], {
      executionId: a.id,
      seq: 4,
      type: "task.completed",
      task: "do/3/step",
      message: "event 3",
      data: { i: 3 },
      time: appended[3].time,
    });
    assertEquals((await store.listEvents(a.id, 3)).map((e) => e.seq), [4, 5]);
    assertEquals(await store.listEvents(a.id, 5), []);
    assertEquals((await store.listEvents(b.id)).map((e) => e.seq), [1, 2, 3, 4, 5]);
    const timed = await store.appendEvent({
      executionId: a.id,
      type: "log",
      task: "",
      message: "",
      data: null,
      time: "2025-01-01T00:00:00.000Z",
    });
    assertEquals([timed.seq, timed.time], [6, "2025-01-01T00:00:00.000Z"]);
    await assertRejects(
      () =>
        store.appendEvent({ executionId: "wex-nope", type: "log", task: "", message: "", data: 1 }),
      NotFoundError,
    );
  });
});

Deno.test("appendEvent seqs stay gapless under many concurrent calls", async () => {
  await withStore(async (store) => {
    const { id } = await store.createExecution(newExecution());
    const events = await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) =>
          store.appendEvent({ executionId: id, type: "log", task: "", message: `${i}`, data: i }),
      ),
    );
    assertEquals(
      events.map((e) => e.seq).sort((x, y) => x - y),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assertEquals((await store.listEvents(id)).length, 200);
  });
});

Deno.test("markUnfinishedInterrupted ends PENDING and RUNNING runs with an event", async () => {
  await withStore(async (store) => {
    const pending = await store.createExecution(newExecution());
    const running = await store.createExecution(newExecution({ org: "acme" }));
    await store.updateExecution(running.id, {
      phase: "RUNNING",
      startedAt: "2025-01-01T00:00:00.000Z",
    });
    await store.appendEvent({
      executionId: running.id,
      type: "execution.started",
      task: "",
      message: "",
      data: null,
    });
    const completed = await store.createExecution(newExecution());
    const done = await store.updateExecution(completed.id, { phase: "COMPLETED" });

    assertEquals(await store.markUnfinishedInterrupted(), 2);
    for (const [org, id, seq] of [["local", pending.id, 1], ["acme", running.id, 2]] as const) {
      const execution = (await store.getExecution(org, id))!;
      assertEquals(execution.phase, "INTERRUPTED");
      assertMatch(execution.finishedAt, ISO_UTC);
      assert(execution.error.length > 0);
      const events = await store.listEvents(id);
      assertEquals(events.at(-1)?.seq, seq);
      assertEquals(events.at(-1)?.type, "execution.interrupted");
    }
    assertEquals(await store.getExecution("local", completed.id), done);
    assertEquals(await store.listEvents(completed.id), []);
    assertEquals(await store.markUnfinishedInterrupted(), 0);
  });
});

Deno.test("listExecutions pages newest first, per org", async () => {
  await withStore(async (store) => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push((await store.createExecution(newExecution({ targetName: `t${i}` }))).id);
    }
    await store.createExecution(newExecution({ org: "acme" }));
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await store.listExecutions("local", { pageSize: 5, pageToken });
      seen.push(...page.items.map((e) => e.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    assertEquals(seen, ids.toReversed());
    const all = await store.listExecutions("local");
    assertEquals(all.items.length, 12);
    assertEquals(all.nextPageToken, "");
    assertEquals((await store.listExecutions("acme")).items.length, 1);
  });
});

Deno.test("durable runs: the workflow is kept with the run; checkpoints upsert by key and go with it", async () => {
  await withStore(async (store) => {
    const workflow = { document: { name: "w" }, do: [{ a: { set: { x: 1 } } }] };
    const run = await store.createExecution(newExecution({ workflow }));
    assertEquals(await store.getExecutionWorkflow(run.id), workflow);
    await store.putCheckpoint(run.id, { key: "/do/0/a@0", entry: { output: { x: 1 } } });
    await store.putCheckpoint(run.id, { key: "/do/0/a@0", entry: { output: { x: 2 } } });
    await store.putCheckpoint(run.id, { key: "/do/1/b@0", entry: { output: null } });
    const found = (await store.listCheckpoints(run.id)).sort((a, b) => a.key < b.key ? -1 : 1);
    assertEquals(found, [
      { key: "/do/0/a@0", entry: { output: { x: 2 } } },
      { key: "/do/1/b@0", entry: { output: null } },
    ]);
    assertEquals((await store.listUnfinishedExecutions()).map((e) => e.id), [run.id]);
    await store.updateExecution(run.id, { phase: "COMPLETED" });
    assertEquals(await store.listUnfinishedExecutions(), []);
    await assertRejects(() => store.getExecutionWorkflow("wex-nope"), NotFoundError);
  });
});

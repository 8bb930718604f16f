// One script of store calls, run against any ResourceStore; it returns what
// each call answered with ids and times replaced by stable placeholders, so
// the SQLite and PostgreSQL stores can be compared answer by answer.
import type { ResourceStore } from "../../src/store/store.ts";
import type { ResourceInput } from "../../src/model/resource.ts";

/** A ResourceInput with empty defaults. */
export const res = (
  kind: ResourceInput["kind"],
  name: string,
  extra: Partial<ResourceInput> = {},
): ResourceInput => ({ kind, name, labels: {}, annotations: {}, project: "", spec: {}, ...extra });

const wf = (name: string, extra: Partial<ResourceInput> = {}): ResourceInput =>
  res("Workflow", name, { spec: { z: 1, a: { y: [1, 2], b: "x" } }, ...extra });

/** Replaces generated ids by the order they first appeared in, and times by <time>. */
function normalize(value: unknown): unknown {
  const seen = new Map<string, string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      if (/^\d{4}-\d\d-\d\dT/.test(v)) return "<time>"; // equal times depend on speed
      if (/^[a-z]{3}-[0-9a-z]{26}$/.test(v)) {
        if (!seen.has(v)) seen.set(v, `<${v.slice(0, 3)}${seen.size}>`);
        return seen.get(v);
      }
      return v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}

async function outcome(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await fn() };
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
}

export async function runContract(store: ResourceStore): Promise<unknown[]> {
  const log: unknown[] = [];
  const step = async (fn: () => Promise<unknown>) => log.push(await outcome(fn));

  // Apply: created, unchanged (key order does not matter), updated, pruned.
  await step(() =>
    store.applyBatch("acme", [
      wf("Hello World", { project: "p", labels: { "app.io/x": "1", team: "a" } }),
      wf("second", { project: "p", labels: { team: "b" } }),
      res("Agent", "helper", { spec: { instructions: "hi" }, project: "p" }),
    ])
  );
  await step(() =>
    store.applyBatch("acme", [
      { ...wf("Hello World", { project: "p", labels: { team: "a", "app.io/x": "1" } }) },
    ])
  );
  await step(() => store.applyBatch("acme", [wf("second", { project: "p", spec: { v: 2 } })]));
  await step(() =>
    store.applyBatch("acme", [wf("Hello World", { project: "p" })], {
      pruneProject: "p",
    })
  );
  await step(() => store.applyBatch("acme", [wf("dup"), wf("DUP")]));
  await step(() => store.applyBatch("acme", [res("Nope" as "Agent", "x")]));
  await step(() => store.applyBatch("acme", [], { pruneProject: "" }));
  // All or nothing: a bad second input leaves the first unwritten.
  await step(() => store.applyBatch("acme", [wf("never"), wf("")]));
  await step(() => store.get("acme", "Workflow", "never"));
  // Another org is another namespace.
  await step(() => store.applyBatch("globex", [wf("Hello World")]));

  // Get by slug, name, id; unknown kind.
  await step(() => store.get("acme", "Workflow", "hello-world"));
  await step(() => store.get("acme", "Workflow", "Hello World"));
  const [{ metadata: { id } }] = (await store.list("acme", { kind: "Workflow" })).items;
  await step(() => store.get("acme", "Workflow", id));
  await step(() => store.get("globex", "Workflow", id));
  await step(() => store.get("acme", "Bogus" as "Agent", "x"));

  // List: byte order of kind and slug, pages, labels with odd keys.
  await step(() =>
    store.applyBatch("acme", ["b", "B2", "a", "Zed", "é", "_u", "a-1"].map((n) => wf(n)))
  );
  let token = "";
  for (let i = 0; i < 6; i++) {
    const page = await store.list("acme", { pageSize: 3, pageToken: token });
    log.push({
      page: page.items.map((r) => `${r.kind}/${r.metadata.slug}`),
      more: !!page.nextPageToken,
    });
    token = page.nextPageToken;
    if (!token) break;
  }
  await step(() => store.list("acme", { labels: { "app.io/x": "1" } }));
  await step(() => store.list("acme", { labels: { team: "zzz" } }));
  await step(() => store.list("acme", { pageToken: "garbage" }));

  // References: checked in the apply transaction, against the org as the batch leaves
  // it, by slug, exact name or id; one missing refuses the whole batch.
  const refs = (...pairs: [ResourceInput["kind"], string][]) =>
    pairs.map(([kind, name]) => ({ kind, name }));
  await step(() =>
    store.applyBatch("acme", [
      res("Skill", "Tool Kit", { spec: { description: "d", content: "c" } }),
      res("Agent", "needs", {
        spec: { instructions: "x" },
        references: refs(["Skill", "tool-kit"], ["Skill", "Tool Kit"], ["Workflow", id], [
          "Workflow",
          "Hello World",
        ]),
      }),
    ])
  );
  await step(() =>
    store.applyBatch("acme", [
      res("Agent", "stranded", {
        spec: { instructions: "x" },
        references: refs(["Skill", "tool kit"], ["Skill", "nope"], ["Skill", "tool-kit"]),
      }),
    ])
  );
  await step(() => store.get("acme", "Agent", "stranded"));
  await step(() =>
    store.applyBatch("globex", [res("Agent", "other", { references: refs(["Skill", "tool-kit"]) })])
  );

  // Delete.
  await step(() => store.delete("acme", "Workflow", "b2"));
  await step(() => store.delete("acme", "Workflow", "b2"));

  // Executions: create, page newest first, update, events with seq, interrupted.
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const e = await store.createExecution({
      kind: "WorkflowExecution",
      org: "acme",
      targetId: id,
      targetName: "hello-world",
      input: { i },
    });
    ids.push(e.id);
    log.push(e);
  }
  await step(() =>
    store.createExecution({
      kind: "Bad" as "AgentExecution",
      org: "acme",
      targetId: "",
      targetName: "",
      input: {},
    })
  );
  token = "";
  for (let i = 0; i < 4; i++) {
    const page = await store.listExecutions("acme", { pageSize: 2, pageToken: token });
    log.push(page.items.map((e) => e.id));
    token = page.nextPageToken;
    if (!token) break;
  }
  await step(() => store.listExecutions("globex"));
  await step(() => store.getExecution("globex", ids[0]));
  await step(() =>
    store.updateExecution(ids[0], { phase: "RUNNING", startedAt: "2026-01-01T00:00:00Z" })
  );
  await step(() =>
    store.updateExecution(ids[1], { phase: "SUCCEEDED" as "RUNNING", output: { r: [1] } })
  );
  await step(() =>
    store.updateExecution(ids[2], {
      phase: "COMPLETED",
      output: null,
      finishedAt: "2026-01-01T00:00:01Z",
    })
  );
  await step(() => store.updateExecution("wex-missing", { phase: "RUNNING" }));
  for (const type of ["execution.started", "task.started", "task.completed"]) {
    await step(() =>
      store.appendEvent({
        executionId: ids[0],
        type: type as "execution.started",
        task: "t",
        message: "m",
        data: { d: 1 },
      })
    );
  }
  await step(() =>
    store.appendEvent({
      executionId: "wex-missing",
      type: "execution.started",
      task: "",
      message: "",
      data: null,
    })
  );
  await step(() => store.listEvents(ids[0], 1));
  // Durable runs: the workflow kept with the run, checkpoints upserted by key.
  const durable = await store.createExecution({
    kind: "WorkflowExecution",
    org: "acme",
    targetId: id,
    targetName: "hello-world",
    input: {},
    workflow: { z: 1, do: [{ a: { set: { x: "é" } } }] },
  });
  await step(() => store.getExecutionWorkflow(durable.id));
  await step(() => store.getExecutionWorkflow(ids[4]));
  await step(() => store.getExecutionWorkflow("wex-missing"));
  await step(() => store.putCheckpoint(durable.id, { key: "/do/0/a@0", entry: { output: 1 } }));
  await step(() => store.putCheckpoint(durable.id, { key: "/do/0/a@0", entry: { output: 2 } }));
  await step(() => store.putCheckpoint(durable.id, { key: "/do/1/b@1.2", entry: { error: {} } }));
  await step(async () =>
    (await store.listCheckpoints(durable.id)).sort((a, b) => a.key < b.key ? -1 : 1)
  );
  await step(() => store.listCheckpoints(ids[0]));
  await step(async () => (await store.listUnfinishedExecutions()).map((e) => e.id));
  // Final phase and terminal event together.
  await step(() =>
    store.finishExecution({
      phase: "COMPLETED",
      output: { ok: 1 },
      finishedAt: "2026-01-01T00:00:02Z",
    }, {
      executionId: durable.id,
      type: "execution.completed",
      task: "",
      message: "completed",
      data: { ok: 1 },
    })
  );
  await step(() => store.getExecution("acme", durable.id));
  await step(() =>
    store.finishExecution({ phase: "FAILED" }, {
      executionId: "wex-missing",
      type: "execution.failed",
      task: "",
      message: "",
      data: null,
    })
  );
  // Secrets (SPEC §11): sealed values per organization; names and dates listed.
  await step(() => store.putSecret("acme", "b-key", { iv: "aXY=", data: "c2VhbGVk" }));
  await step(() => store.putSecret("acme", "a-key", { iv: "aXY=", data: "b25l" }));
  await step(() => store.putSecret("acme", "a-key", { iv: "aXYy", data: "dHdv" }));
  await step(() => store.getSecret("acme", "a-key"));
  await step(() => store.getSecret("globex", "a-key"));
  await step(() => store.listSecrets("acme"));
  await step(() => store.listSecrets("globex"));
  await step(() => store.deleteSecret("globex", "a-key"));
  await step(() => store.deleteSecret("acme", "a-key"));
  await step(() => store.deleteSecret("acme", "a-key"));
  await step(() => store.listSecrets("acme"));
  // Sessions (SPEC §10): one JSON document per organization and name.
  const session = (name: string, updatedAt: string) => ({
    name,
    agent: "helper",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt,
    executions: ["aex-1"],
    messages: [{ role: "user", content: "é" }],
  });
  await step(() => store.putSession("acme", "one", session("one", "2026-01-01T00:00:01.000Z")));
  await step(() => store.putSession("acme", "two", session("two", "2026-01-01T00:00:03.000Z")));
  await step(() => store.putSession("acme", "one", session("one", "2026-01-01T00:00:02.000Z")));
  await step(() => store.getSession("acme", "one"));
  await step(() => store.getSession("globex", "one"));
  await step(async () => (await store.listSessions("acme")).map((s) => s.name));
  await step(() => store.deleteSession("globex", "one"));
  await step(() => store.deleteSession("acme", "one"));
  await step(() => store.deleteSession("acme", "one"));
  await step(async () => (await store.listSessions("acme")).map((s) => s.name));
  await step(() => store.markUnfinishedInterrupted());
  await step(() => store.getExecution("acme", ids[0]));
  await step(() => store.listEvents(ids[3]));
  await step(() => store.integrityCheck());
  return normalize(log) as unknown[];
}

/**
 * Two names with one slug are a conflict naming both, in one batch and across
 * applies; the first keeps its id and stays reachable. Throws when a store differs.
 */
export async function checkSlugConflicts(store: ResourceStore): Promise<void> {
  const refused = async (batch: ResourceInput[], pattern: RegExp) => {
    const error = await store.applyBatch("slugs", batch).then(() => undefined, (err) => err);
    if (!(error instanceof Error) || !pattern.test(error.message)) {
      throw new Error(`expected an error matching ${pattern}, got ${error ?? "success"}`);
    }
    return error;
  };
  const first = (await store.applyBatch("slugs", [res("Agent", "Slug Test")])).outcomes[0];
  const across = await refused(
    [res("Agent", "slug-test!", { spec: { takeover: true } })],
    /"slug-test!".*"Slug Test"|"Slug Test".*"slug-test!"/,
  );
  if (across.constructor.name !== "ConflictError") {
    throw new Error(`expected a ConflictError, got ${across.constructor.name}`);
  }
  await refused(
    [res("Skill", "Two Words"), res("Skill", "two-words")],
    /"two-words".*"Two Words"|"Two Words".*"two-words"/,
  );
  const kept = await store.get("slugs", "Agent", "Slug Test");
  if (kept?.metadata.id !== first.resource.metadata.id || kept.metadata.name !== "Slug Test") {
    throw new Error(`"Slug Test" was taken over: ${JSON.stringify(kept?.metadata)}`);
  }
  if (kept.metadata.version !== 1 || JSON.stringify(kept.spec) !== "{}") {
    throw new Error(`"Slug Test" was changed: ${JSON.stringify(kept)}`);
  }
  if ((await store.list("slugs", { kind: "Skill" })).items.length !== 0) {
    throw new Error("a refused batch wrote a Skill");
  }
  // The same name again is still an update, not a conflict.
  const again = await store.applyBatch("slugs", [res("Agent", "Slug Test", { spec: { v: 2 } })]);
  if (again.outcomes[0].action !== "UPDATED") throw new Error("the same name was not updated");
}

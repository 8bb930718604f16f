import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertRejects,
} from "../helpers/assert.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { MIGRATIONS } from "../../src/store/sqlite_schema.ts";
import { InvalidInputError, MissingReferencesError } from "../../src/store/errors.ts";
import type { Kind, Resource, ResourceInput } from "../../src/model/resource.ts";
import { input, withStore, withTempDir } from "./helpers.ts";
import { checkSlugConflicts } from "../cloud/store_contract.ts";

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

Deno.test("apply creates with version 1, an id per kind and a slug", async () => {
  await withStore(async (store) => {
    const { outcomes, pruned } = await store.applyBatch("local", [
      input("Agent", "Code Reviewer", { labels: { team: "a" }, spec: { model: "m" } }),
      input("Workflow", "Nightly Build!"),
      input("Skill", "s"),
      input("McpServer", "m"),
      input("Environment", "e"),
    ]);
    assertEquals(pruned, []);
    assertEquals(outcomes.map((o) => o.action), Array(5).fill("CREATED"));
    const [agent, workflow] = outcomes.map((o) => o.resource);
    assertEquals(agent.apiVersion, "agentic.stigmer.ai/v1");
    assertEquals(agent.kind, "Agent");
    assertEquals(agent.metadata.slug, "code-reviewer");
    assertEquals(agent.metadata.name, "Code Reviewer");
    assertEquals(agent.metadata.org, "local");
    assertEquals(agent.metadata.version, 1);
    assertEquals(agent.metadata.labels, { team: "a" });
    assertEquals(agent.spec, { model: "m" });
    assertEquals(agent.status, {});
    assertMatch(agent.metadata.createdAt, ISO_UTC);
    assertEquals(agent.metadata.updatedAt, agent.metadata.createdAt);
    assertEquals(workflow.metadata.slug, "nightly-build");
    assertEquals(
      outcomes.map((o) => o.resource.metadata.id.slice(0, 4)),
      ["agt-", "wfl-", "skl-", "mcp-", "env-"],
    );
    for (const o of outcomes) assertMatch(o.resource.metadata.id, /^[a-z]{3}-[0-9a-z]{26}$/);
  });
});

Deno.test("apply again: UNCHANGED keeps version and updatedAt, even with keys reordered", async () => {
  await withStore(async (store) => {
    const first = await store.applyBatch("local", [
      input("Agent", "a", { spec: { x: 1, nested: { b: 2, a: [1, { d: 1, c: 2 }] } } }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await store.applyBatch("local", [
      input("Agent", "a", { spec: { nested: { a: [1, { c: 2, d: 1 }], b: 2 }, x: 1 } }),
    ]);
    assertEquals(second.outcomes[0].action, "UNCHANGED");
    assertEquals(second.outcomes[0].resource, first.outcomes[0].resource);
    // The spec is stored as first given: key order is kept for display.
    assertEquals(Object.keys(second.outcomes[0].resource.spec), ["x", "nested"]);
  });
});

Deno.test("apply UPDATED bumps version for each kind of change, keeps id and createdAt", async () => {
  await withStore(async (store) => {
    const base = input("Agent", "My Agent", { spec: { v: 1 } });
    const created = (await store.applyBatch("local", [base])).outcomes[0].resource;
    const changes: Partial<ResourceInput>[] = [
      { spec: { v: 2 } },
      { labels: { a: "b" } },
      { annotations: { note: "x" } },
      { project: "p" },
    ];
    let current: ResourceInput = base;
    let previous: Resource = created;
    for (const [i, change] of changes.entries()) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      current = { ...current, ...change };
      const outcome = (await store.applyBatch("local", [current])).outcomes[0];
      assertEquals(outcome.action, "UPDATED", JSON.stringify(change));
      assertEquals(outcome.resource.metadata.version, i + 2);
      assertEquals(outcome.resource.metadata.id, created.metadata.id);
      assertEquals(outcome.resource.metadata.createdAt, created.metadata.createdAt);
      assert(outcome.resource.metadata.updatedAt > previous.metadata.updatedAt);
      previous = outcome.resource;
    }
    assertEquals(previous.metadata.project, "p");
    assertEquals(previous.spec, { v: 2 });
    const again = (await store.applyBatch("local", [current])).outcomes[0];
    assertEquals(again.action, "UNCHANGED");
    assertEquals(again.resource.metadata.version, 5);
  });
});

Deno.test("apply reports outcomes in input order, mixing actions", async () => {
  await withStore(async (store) => {
    await store.applyBatch("local", [input("Agent", "b"), input("Skill", "s", { spec: { v: 1 } })]);
    const { outcomes } = await store.applyBatch("local", [
      input("Skill", "s", { spec: { v: 2 } }),
      input("Agent", "z"),
      input("Agent", "b"),
      input("Agent", "a"),
    ]);
    assertEquals(
      outcomes.map((o) => [o.resource.metadata.name, o.action]),
      [["s", "UPDATED"], ["z", "CREATED"], ["b", "UNCHANGED"], ["a", "CREATED"]],
    );
  });
});

Deno.test("organizations are separate namespaces", async () => {
  await withStore(async (store) => {
    await store.applyBatch("acme", [input("Agent", "a", { spec: { org: "acme" } })]);
    const other = await store.applyBatch("local", [input("Agent", "a")]);
    assertEquals(other.outcomes[0].action, "CREATED");
    assertEquals((await store.get("acme", "Agent", "a"))?.spec, { org: "acme" });
    assertEquals((await store.list("local")).items.length, 1);
  });
});

Deno.test("a batch with a bad input at the end leaves nothing behind", async () => {
  await withStore(async (store) => {
    await store.applyBatch("local", [input("Agent", "kept", { spec: { v: 1 } })]);
    const bad: ResourceInput[][] = [
      [input("Agent", "new"), input("Agent", "kept", { spec: { v: 2 } }), {
        ...input("Agent", "x"),
        kind: "Nope" as Kind,
      }],
      [input("Agent", "new"), input("Agent", "!!!")], // no slug
      [input("Agent", "new"), input("Agent", "Dup"), input("Agent", "dup")], // same slug twice
      [input("Agent", "new"), { ...input("Agent", "x"), labels: { n: 1 as unknown as string } }],
      // JSON.stringify throws on a BigInt: a failure that no up-front check catches.
      [input("Agent", "new"), input("Agent", "x", { spec: { big: 1n } })],
    ];
    for (const batch of bad) {
      await assertRejects(
        () => store.applyBatch("local", batch, { pruneProject: "p" }),
        Error,
      );
      const { items } = await store.list("local");
      assertEquals(items.map((r) => [r.metadata.name, r.metadata.version, r.spec]), [
        ["kept", 1, { v: 1 }],
      ]);
    }
    await assertRejects(
      () =>
        store.applyBatch("local", [input("Agent", "b"), {
          ...input("Agent", "x"),
          kind: "Nope" as Kind,
        }]),
      InvalidInputError,
      'resource 2 "x": unknown kind "Nope"',
    );
    // A failure inside SQLite itself, after earlier rows were written, rolls back too.
    const { DatabaseSync } = await import("node:sqlite");
    const raw = new DatabaseSync(store.path);
    raw.exec(`CREATE TRIGGER poison BEFORE INSERT ON resources WHEN NEW.name = 'poison'
              BEGIN SELECT RAISE(ABORT, 'forced failure'); END`);
    raw.close();
    await assertRejects(
      () =>
        store.applyBatch("local", [
          input("Agent", "new"),
          input("Agent", "kept", { spec: { v: 3 } }),
          input("Agent", "poison"),
        ]),
      Error,
      "forced failure",
    );
    assertEquals((await store.list("local")).items.map((r) => [r.metadata.name, r.spec]), [
      ["kept", { v: 1 }],
    ]);
    // The store still works after the rollbacks.
    const ok = await store.applyBatch("local", [input("Agent", "new")]);
    assertEquals(ok.outcomes[0].action, "CREATED");
    assertEquals(await store.integrityCheck(), "ok");
  });
});

Deno.test("prune deletes only the project's undeclared resources", async () => {
  await withStore(async (store) => {
    await store.applyBatch("local", [
      input("Agent", "keep", { project: "p" }),
      input("Agent", "drop", { project: "p" }),
      input("Skill", "drop", { project: "p" }),
      input("Agent", "moves", { project: "p" }),
      input("Agent", "other", { project: "q" }),
      input("Agent", "loose"),
    ]);
    await store.applyBatch("acme", [input("Agent", "drop", { project: "p" })]);
    const { outcomes, pruned } = await store.applyBatch("local", [
      input("Agent", "keep", { project: "p" }),
      input("Agent", "moves", { project: "q" }),
      input("Workflow", "new", { project: "p" }),
    ], { pruneProject: "p" });
    assertEquals(outcomes.map((o) => o.action), ["UNCHANGED", "UPDATED", "CREATED"]);
    assertEquals(pruned.map((r) => `${r.kind}/${r.metadata.name}`), ["Agent/drop", "Skill/drop"]);
    assertEquals(pruned[0].metadata.project, "p");
    const left = (await store.list("local")).items.map((r) => `${r.kind}/${r.metadata.name}`);
    assertEquals(left, ["Agent/keep", "Agent/loose", "Agent/moves", "Agent/other", "Workflow/new"]);
    assertEquals((await store.list("acme")).items.length, 1);
    await assertRejects(
      () => store.applyBatch("local", [], { pruneProject: "" }),
      InvalidInputError,
    );
  });
});

Deno.test("references are checked in the transaction, after the upserts and the prune", async () => {
  await withStore(async (store) => {
    const [{ resource: style }] = (await store.applyBatch("local", [
      input("Skill", "House Style", { project: "p" }),
      input("Skill", "kept", { project: "p" }),
    ])).outcomes;
    // By slug, exact name or id; in the batch or already stored.
    const ok = await store.applyBatch("local", [
      input("Agent", "writer", {
        project: "p",
        references: [
          { kind: "Skill", name: "house-style" },
          { kind: "Skill", name: "House Style" },
          { kind: "Skill", name: style.metadata.id },
          { kind: "Skill", name: "fresh" },
        ],
      }),
      input("Skill", "fresh", { project: "p" }),
    ]);
    assertEquals(ok.outcomes.map((o) => o.action), ["CREATED", "CREATED"]);

    // Every missing one is named; nothing of the batch is written.
    const error = await assertRejects(
      () =>
        store.applyBatch("local", [
          input("Agent", "editor", {
            references: [
              { kind: "Skill", name: "house style" }, // neither the slug nor the exact name
              { kind: "Skill", name: "kept" },
              { kind: "Agent", name: "ghost" },
            ],
          }),
        ]),
      MissingReferencesError,
    );
    assertEquals((error as MissingReferencesError).missing, [
      { input: 0, reference: 0, kind: "Skill", name: "house style" },
      { input: 0, reference: 2, kind: "Agent", name: "ghost" },
    ]);
    assertEquals(await store.get("local", "Agent", "editor"), undefined);

    // A prune that would delete a referenced resource is refused whole.
    const before = (await store.list("local")).items.map((r) => r.metadata.version);
    await assertRejects(
      () =>
        store.applyBatch("local", [
          input("Agent", "writer", {
            project: "p",
            spec: { changed: true },
            references: [{ kind: "Skill", name: "kept" }],
          }),
        ], { pruneProject: "p" }),
      MissingReferencesError,
    );
    assertEquals((await store.list("local")).items.map((r) => r.metadata.version), before);
    // Another organization's resources never satisfy a reference.
    await assertRejects(
      () =>
        store.applyBatch("acme", [
          input("Agent", "a", { references: [{ kind: "Skill", name: "kept" }] }),
        ]),
      MissingReferencesError,
    );
  });
});

Deno.test("get finds by slug, exact name or id, within the kind", async () => {
  await withStore(async (store) => {
    const { outcomes } = await store.applyBatch("local", [
      input("Agent", "Code Reviewer"),
      input("Skill", "Code Reviewer"),
    ]);
    const agent = outcomes[0].resource;
    assertEquals(await store.get("local", "Agent", "code-reviewer"), agent);
    assertEquals(await store.get("local", "Agent", "Code Reviewer"), agent);
    assertEquals(await store.get("local", "Agent", agent.metadata.id), agent);
    assertEquals(await store.get("local", "Agent", "CODE REVIEWER"), undefined); // not the exact name
    assertEquals(await store.get("local", "Agent", outcomes[1].resource.metadata.id), undefined);
    assertEquals(await store.get("acme", "Agent", "code-reviewer"), undefined);
    assertEquals((await store.get("local", "Skill", "code-reviewer"))?.kind, "Skill");
    await assertRejects(() => store.get("local", "Agnt" as Kind, "x"), InvalidInputError);
  });
});

Deno.test("list pages stably by kind then slug, with opaque tokens", async () => {
  await withStore(async (store) => {
    const names = Array.from({ length: 25 }, (_, i) => `r${String(i).padStart(2, "0")}`);
    await store.applyBatch("local", [
      ...names.map((n) => input("Workflow", n)),
      ...names.map((n) => input("Agent", n)),
    ]);
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await store.list("local", { pageSize: 7, pageToken: token });
      assert(page.items.length <= 7);
      seen.push(...page.items.map((r) => `${r.kind}/${r.metadata.slug}`));
      token = page.nextPageToken;
      pages++;
    } while (token);
    assertEquals(pages, 8); // 50 items in pages of 7
    assertEquals(seen, [...names.map((n) => `Agent/${n}`), ...names.map((n) => `Workflow/${n}`)]);

    const workflows = await store.list("local", { kind: "Workflow", pageSize: 25 });
    assertEquals(workflows.items.length, 25);
    assertEquals(workflows.nextPageToken, ""); // an exact last page says so
    assert(workflows.items.every((r) => r.kind === "Workflow"));

    assertEquals((await store.list("local")).items.length, 50); // default 100
    await assertRejects(() => store.list("local", { pageToken: "garbage!" }), InvalidInputError);
  });
});

Deno.test("list page size defaults to 100 and stops at 1000", async () => {
  await withStore(async (store) => {
    const inputs = Array.from({ length: 1005 }, (_, i) => input("Agent", `a${i}`));
    await store.applyBatch("local", inputs);
    const first = await store.list("local");
    assertEquals(first.items.length, 100);
    assertNotEquals(first.nextPageToken, "");
    const big = await store.list("local", { pageSize: 5000 });
    assertEquals(big.items.length, 1000);
    const rest = await store.list("local", { pageSize: 5000, pageToken: big.nextPageToken });
    assertEquals(rest.items.length, 5);
    assertEquals(rest.nextPageToken, "");
  });
});

Deno.test("list label filter needs every label to match, and pages correctly", async () => {
  await withStore(async (store) => {
    const inputs = Array.from(
      { length: 40 },
      (_, i) =>
        input("Agent", `a${String(i).padStart(2, "0")}`, {
          labels: {
            tier: i % 2 === 0 ? "even" : "odd",
            "app.kubernetes.io/name": i % 4 === 0 ? "four" : "other",
            'we"ird': "yes",
          },
        }),
    );
    await store.applyBatch("local", inputs);
    const collect = async (labels: Record<string, string>) => {
      const names: string[] = [];
      let pageToken = "";
      do {
        const page = await store.list("local", { labels, pageSize: 3, pageToken });
        names.push(...page.items.map((r) => r.metadata.name));
        pageToken = page.nextPageToken;
      } while (pageToken);
      return names;
    };
    const even = await collect({ tier: "even" });
    assertEquals(even.length, 20);
    assert(even.every((n) => Number(n.slice(1)) % 2 === 0));
    const four = await collect({ tier: "even", "app.kubernetes.io/name": "four" });
    assertEquals(four, ["a00", "a04", "a08", "a12", "a16", "a20", "a24", "a28", "a32", "a36"]);
    assertEquals((await collect({ 'we"ird': "yes" })).length, 40);
    assertEquals(await collect({ tier: "even", missing: "x" }), []);
    assertEquals(await collect({ tier: "EVEN" }), []);
  });
});

Deno.test("delete returns the deleted resource, then nothing", async () => {
  await withStore(async (store) => {
    const { outcomes } = await store.applyBatch("local", [
      input("Agent", "A b"),
      input("Agent", "c"),
    ]);
    const deleted = await store.delete("local", "Agent", "A b");
    assertEquals(deleted, outcomes[0].resource);
    assertEquals(await store.get("local", "Agent", "a-b"), undefined);
    assertEquals(await store.delete("local", "Agent", "a-b"), undefined);
    assertEquals(
      await store.delete("local", "Agent", outcomes[1].resource.metadata.id),
      outcomes[1].resource,
    );
    assertEquals((await store.list("local")).items, []);
    // A re-created resource starts over with a new id.
    const again = await store.applyBatch("local", [input("Agent", "c")]);
    assertEquals(again.outcomes[0].action, "CREATED");
    assertNotEquals(again.outcomes[0].resource.metadata.id, outcomes[1].resource.metadata.id);
  });
});

Deno.test("data survives close and reopen; the schema is WAL and versioned", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/stigmer.db`;
    const first = SqliteStore.open(path);
    const { outcomes } = await first.applyBatch("local", [input("Agent", "a", { spec: { v: 1 } })]);
    const execution = await first.createExecution({
      kind: "AgentExecution",
      org: "local",
      targetId: outcomes[0].resource.metadata.id,
      targetName: "a",
      input: { message: "hi" },
    });
    await first.appendEvent({
      executionId: execution.id,
      type: "log",
      task: "",
      message: "m",
      data: 1,
    });
    await first.close();
    await first.close(); // closing twice is harmless

    const second = SqliteStore.open(path);
    try {
      assertEquals(await second.get("local", "Agent", "a"), outcomes[0].resource);
      assertEquals(await second.getExecution("local", execution.id), execution);
      assertEquals((await second.listEvents(execution.id)).map((e) => e.seq), [1]);
      const again = await second.applyBatch("local", [input("Agent", "a", { spec: { v: 1 } })]);
      assertEquals(again.outcomes[0].action, "UNCHANGED");
      assertEquals(await second.integrityCheck(), "ok");
    } finally {
      await second.close();
    }
    const { DatabaseSync } = await import("node:sqlite");
    const raw = new DatabaseSync(path);
    try {
      assertEquals(raw.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
      assertEquals(raw.prepare("PRAGMA user_version").get()?.user_version, MIGRATIONS.length);
    } finally {
      raw.close();
    }
  });
});

Deno.test("open refuses a schema newer than it knows and a missing directory", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/stigmer.db`;
    const { DatabaseSync } = await import("node:sqlite");
    const raw = new DatabaseSync(path);
    raw.exec("PRAGMA user_version = 99");
    raw.close();
    let error: unknown;
    try {
      SqliteStore.open(path);
    } catch (err) {
      error = err;
    }
    assert(error instanceof Error);
    assertMatch(error.message, /schema version 99 is newer/);

    error = undefined;
    try {
      SqliteStore.open(`${dir}/missing/stigmer.db`);
    } catch (err) {
      error = err;
    }
    assert(error instanceof Error);
    assertMatch(error.message, /cannot open the store at .*missing/);
  });
});

Deno.test("two names with one slug are a conflict naming both, in a batch and across applies", async () => {
  await withStore((store) => checkSlugConflicts(store));
});

Deno.test("the store refuses names and labels with control, format or invalid characters", async () => {
  await withStore(async (store) => {
    for (
      const bad of [
        input("Agent", "nul\0byte"),
        input("Agent", "bidi\u202Eevil"),
        input("Agent", "zero\u200Bwidth"),
        input("Agent", "two\nlines"),
        input("Agent", "bad\uFFFDutf8"),
        input("Agent", "ok", { labels: { "te\u200Bam": "a" } }),
        input("Agent", "ok", { labels: { team: "a\rb" } }),
      ]
    ) {
      const error = await assertRejects(() => store.applyBatch("local", [bad]), InvalidInputError);
      assertMatch(error.message, /must not contain control, format or invalid characters \(U\+/);
    }
    assertEquals((await store.list("local")).items, []);
  });
});

// The engine's journal hook (durable runs): each task's outcome is recorded before the next
// task starts, and a run resumed with any prefix of those records reaches the same output,
// without running a recorded task again.
import assert from "node:assert/strict";
import type { EngineJournal, JournalEntry } from "../../src/engine/mod.ts";
import { recorder, rejection, run, workflow } from "./helpers.ts";

/** A deterministic HTTP backend behind the fetch hook: /fail answers 500, the rest echo their path. */
function countingFetch(calls: string[]): typeof fetch {
  return (input) => {
    const path = new URL(String(input)).pathname;
    calls.push(path);
    if (path === "/fail") return Promise.resolve(new Response("no", { status: 500 }));
    return Promise.resolve(Response.json({ path }));
  };
}

const doc = workflow([
  { first: { set: { n: 1 } } },
  {
    loop: {
      for: { in: "${ [1, 2, 3] }", each: "item" },
      do: [
        { get: { call: "http", with: { method: "get", endpoint: "http://svc.test/item" } } },
        { keep: { set: { seen: "${ $item }" }, export: { as: "${ $context + {last: $item} }" } } },
      ],
    },
  },
  {
    guarded: {
      try: [
        { a: { call: "http", with: { method: "get", endpoint: "http://svc.test/a" } } },
        { boom: { call: "http", with: { method: "get", endpoint: "http://svc.test/fail" } } },
      ],
      catch: {
        retry: { delay: "PT0.001S", limit: { attempt: { count: 2 } } },
        do: [{ handled: { set: { handled: true } } }],
      },
    },
  },
  { last: { set: { done: "${ $context.last }", handled: "${ .handled }" } } },
]);

interface Recorded {
  key: string;
  entry: JournalEntry;
  callsSoFar: number;
}

function journal(prefix: Recorded[], log: Recorded[], calls: string[]): EngineJournal {
  const known = new Map(prefix.map((r) => [r.key, r.entry]));
  return {
    replay: (key) => known.get(key),
    record: (key, entry) => {
      log.push({ key, entry: structuredClone(entry), callsSoFar: calls.length });
    },
  };
}

Deno.test("journal: every prefix of the records resumes to the same output, recorded tasks never rerun", async () => {
  const calls: string[] = [];
  const log: Recorded[] = [];
  const hooks = { ...recorder(undefined, countingFetch(calls)), journal: journal([], log, calls) };
  const { output: expected } = await run(doc, {}, { hooks });
  assert.deepEqual(expected, { done: 3, handled: true });
  // Loop iterations and retry attempts get keys of their own.
  assert.equal(new Set(log.map((r) => r.key)).size, log.length);
  assert.ok(log.some((r) => r.key === "/do/1/loop/do/0/get@0.2"), log.map((r) => r.key).join());
  assert.ok(log.some((r) => r.key === "/do/2/guarded/try/1/boom@0.2" && "error" in r.entry));
  assert.equal(calls.length, 3 + 3 * 2);

  for (let k = 0; k <= log.length; k++) {
    const resumedCalls: string[] = [];
    const again: Recorded[] = [];
    const hooks = {
      ...recorder(undefined, countingFetch(resumedCalls)),
      journal: journal(log.slice(0, k), again, resumedCalls),
    };
    const { output } = await run(doc, {}, { hooks });
    assert.deepEqual(output, expected, `resumed after ${k} records`);
    const before = k === 0 ? 0 : log[k - 1].callsSoFar;
    assert.deepEqual(resumedCalls, calls.slice(before), `calls after ${k} records`);
    // Exactly the tasks that were not recorded run (and are recorded) again; replays emit nothing.
    assert.deepEqual(again.map((r) => r.key), log.slice(k).map((r) => r.key));
    const completed = hooks.events.filter((e) => e.type === "task.completed").length;
    assert.equal(completed, again.filter((r) => !("error" in r.entry)).length);
  }
});

Deno.test("journal: a recorded failure is replayed as the same error", async () => {
  const doc = workflow([
    { ok: { set: { a: 1 } } },
    { bad: { raise: { error: { type: "https://example.com/x", status: 418, title: "Teapot" } } } },
  ]);
  const calls: string[] = [];
  const log: Recorded[] = [];
  const first = await rejection(
    run(doc, {}, { hooks: { ...recorder(), journal: journal([], log, calls) } }),
  );
  const hooks = { ...recorder(), journal: journal(log, [], calls) };
  const again = await rejection(run(doc, {}, { hooks }));
  assert.equal(again.message, first.message);
  assert.deepEqual(hooks.events, [], "nothing ran again, so nothing was emitted");
});

/** A journal that keeps marks (EngineJournal.mark) besides `known` outcomes. */
function markingJournal(known: Map<string, JournalEntry>, marks: Map<string, unknown>) {
  return {
    replay: (key: string) => known.get(key),
    record: (key: string, entry: JournalEntry) => {
      known.set(key, entry);
    },
    mark: (key: string, value: unknown) => {
      if (!marks.has(key)) marks.set(key, value);
      return marks.get(key);
    },
  } satisfies EngineJournal;
}

Deno.test("journal: a wait records when it began; resumed, it waits only what remains", async () => {
  const waiting = (wait: string) =>
    workflow([
      { first: { set: { n: 1 } } },
      { pause: { wait } },
      { last: { set: { done: true } } },
    ]);
  // A fresh run records the wait's start before it waits.
  const marks = new Map<string, unknown>();
  const before = Date.now();
  await run(waiting("PT0.05S"), {}, {
    hooks: { ...recorder(), journal: markingJournal(new Map(), marks) },
  });
  const began = marks.get("/do/1/pause@0#wait");
  assert.ok(typeof began === "number" && began >= before && began <= Date.now(), String(began));

  // Resumed an hour (less 250 ms) into a one-hour wait: the run ends after the remainder.
  // Without the record it would wait the whole hour again: the guard fails it long before.
  const known = new Map<string, JournalEntry>([["/do/0/first@0", { output: { n: 1 } }]]);
  const resumedMarks = new Map<string, unknown>([
    ["/do/1/pause@0#wait", Date.now() - 3_600_000 + 250],
  ]);
  const hooks = { ...recorder(), journal: markingJournal(known, resumedMarks) };
  const guard = AbortSignal.timeout(120_000);
  const { output } = await run(waiting("PT1H"), {}, { hooks, signal: guard });
  assert.deepEqual(output, { done: true });
  const log = hooks.events.find((e) => e.type === "log" && e.task === "do/1/pause");
  assert.ok(log, hooks.trace().join("\n"));
  const { remainingMs, durationMs } = log.data as { remainingMs: number; durationMs: number };
  assert.equal(durationMs, 3_600_000);
  assert.ok(remainingMs <= 250, log.message);
  assert.match(log.message, /^resumed wait: \d+ ms of 60 min remain$/);
});

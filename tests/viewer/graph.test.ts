// The viewer's graph and transcript models (src/viewer/app/), on their own: the shape a workflow
// document gives (nesting, switch cases, `then` jumps), states from events, a task's input,
// and an agent's transcript from its events.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  buildGraph,
  END,
  layoutGraph,
  START,
  taskInput,
  taskStates,
} from "../../src/viewer/app/graph.js";
import { buildTranscript } from "../../src/viewer/app/transcript.js";

const DOC = {
  document: { dsl: "1.0.0", namespace: "t", name: "g", version: "1" },
  do: [
    { first: { set: { a: 1 } } },
    {
      pick: {
        switch: [
          { big: { when: ".a > 1", then: "last" } },
          { small: { when: ".a <= 1", then: "continue" } },
        ],
      },
    },
    { middle: { call: "http", with: { method: "get", endpoint: "http://127.0.0.1:1/" } } },
    { group: { do: [{ inner: { set: { b: 2 } } }], then: "end" } },
    { last: { set: { c: 3 } } },
  ],
};

let seq = 0;
const ev = (type: string, task: string, data: unknown = null, message = "") => ({
  seq: ++seq,
  type,
  task,
  data,
  message,
  time: new Date(1_700_000_000_000 + seq).toISOString(),
});

Deno.test("graph: switch cases and then jumps are labelled edges; do nests as a cluster", () => {
  const graph = buildGraph(DOC);
  const edges = graph.edges.map((e: { from: string; to: string; label: string }) =>
    `${e.from} -> ${e.to}${e.label ? ` [${e.label}]` : ""}`
  ).sort();
  assertEquals(
    edges,
    [
      `${START} -> do/0/first`,
      "do/0/first -> do/1/pick",
      "do/1/pick -> do/2/middle [small]",
      "do/1/pick -> do/4/last [big]",
      "do/1/pick -> do/2/middle [no match]",
      "do/2/middle -> do/3/group",
      "do/3/group -> do/3/group/do/0/inner",
      `do/3/group/do/0/inner -> ${END}`,
      `do/4/last -> ${END}`,
    ].sort(),
  );
  assertEquals([...graph.clusters.keys()], ["cluster:do/3/group"]);
  assertEquals(graph.nodes.get("do/3/group/do/0/inner")!.parent, "cluster:do/3/group");
  assertEquals(graph.nodes.get("do/2/middle")!.kind, "call: http");
  const layout = layoutGraph(graph);
  for (const id of graph.nodes.keys()) {
    const box = layout.nodes.get(id)!;
    assert(box.width > 0 && Number.isFinite(box.x) && Number.isFinite(box.y), id);
  }
  const cluster = layout.clusters.get("cluster:do/3/group")!;
  const inner = layout.nodes.get("do/3/group/do/0/inner")!;
  assert(
    Math.abs(inner.x - cluster.x) < cluster.width / 2 &&
      Math.abs(inner.y - cluster.y) < cluster.height / 2,
    "the nested task is drawn inside its cluster",
  );
});

Deno.test("graph: states from events; a failed run leaves the rest not run", () => {
  const graph = buildGraph(DOC);
  const events = [
    ev("execution.started", ""),
    ev("task.started", "do/0/first"),
    ev("task.completed", "do/0/first", { a: 1 }),
    ev("task.started", "do/1/pick"),
    ev("task.completed", "do/1/pick", { a: 1 }),
    ev("task.started", "do/2/middle"),
  ];
  const live = taskStates(graph, events, "RUNNING");
  assertEquals(live.get("do/2/middle")!.state, "running");
  assertEquals(live.get("do/4/last")!.state, "waiting");
  assertEquals(live.get(START)!.state, "completed");
  assertEquals(live.get(END)!.state, "waiting");
  const failed = taskStates(
    graph,
    [
      ...events,
      ev("task.failed", "do/2/middle", { title: "x" }, "boom"),
      ev("execution.failed", ""),
    ],
    "FAILED",
  );
  assertEquals(failed.get("do/2/middle")!.state, "failed");
  assertEquals(failed.get("do/4/last")!.state, "not run");
  assertEquals(failed.get(END)!.state, "not run");
  const cancelled = taskStates(graph, events, "CANCELLED");
  assertEquals(cancelled.get("do/2/middle")!.state, "cancelled");
  // The input of a task: the output of the one before it, else the workflow's input.
  assertEquals(taskInput(events, "do/2/middle", { w: 1 }), { a: 1 });
  assertEquals(taskInput(events, "do/0/first", { w: 1 }), { w: 1 });
  assertEquals(taskInput(events, "do/4/last", { w: 1 }), undefined);
});

Deno.test("transcript: streamed text joined, tool calls with arguments, result and time", () => {
  const events = [
    ev("execution.started", ""),
    ev("tool.call.started", "reader", {
      name: "ls",
      server: "files",
      arguments: { p: "/" },
      callId: "c1",
    }),
    ev("tool.call.completed", "reader", {
      name: "ls",
      server: "files",
      arguments: { p: "/" },
      callId: "c1",
      status: "completed",
      result: "a.txt",
      truncated: false,
      ms: 12,
    }),
    ev("agent.message", "reader", { agent: "reader", delta: true }, "Hel"),
    ev("agent.message", "reader", { agent: "reader", delta: true }, "lo"),
    ev("agent.message", "reader", { agent: "reader" }, "Hello"),
  ];
  assertEquals(buildTranscript(events, "hi"), [
    { kind: "user", text: "hi" },
    {
      kind: "tool",
      name: "ls",
      server: "files",
      subAgent: false,
      arguments: { p: "/" },
      status: "completed",
      task: "reader",
      startedAt: events[1].time,
      result: "a.txt",
      ms: 12,
      truncated: false,
    },
    { kind: "agent", agent: "reader", task: "reader", text: "Hello" },
  ]);
});

Deno.test("graph: a jump back (a loop made with then) and empty bodies still lay out", () => {
  const graph = buildGraph({
    do: [
      { ask: { set: { n: 1 } } },
      {
        check: { switch: [{ again: { when: ".n < 3", then: "ask" } }, { done: { then: "end" } }] },
      },
      { empty: { do: [] } },
    ],
  });
  const edges = graph.edges.map((e: { from: string; to: string; label: string }) =>
    `${e.from} -> ${e.to} [${e.label}]`
  );
  assert(edges.includes("do/1/check -> do/0/ask [again]"), edges.join("\n"));
  assert(edges.includes(`do/1/check -> ${END} [done]`), edges.join("\n"));
  const layout = layoutGraph(graph);
  assert(layout.edges.every((e: { points: unknown[] }) => e.points.length >= 2));
  assert(layout.width > 0 && layout.height > 0);
});

import assert from "node:assert/strict";
import { ERROR_TYPES, WorkflowDefinitionError, WorkflowError } from "../../src/engine/mod.ts";
import { rejection, run, workflow } from "./helpers.ts";

Deno.test("set: the output is the evaluated object, and the next task's input", async () => {
  const { output, hooks } = await run(
    workflow([
      { first: { set: { greeting: "Hello ${ .name }", n: "${ .n }" } } },
      { second: { set: { shout: "${ .greeting | ascii_upcase }", twice: "${ .n * 2 }" } } },
    ]),
    { name: "Ada", n: 21 },
  );
  assert.deepEqual(output, { shout: "HELLO ADA", twice: 42 });
  assert.deepEqual(hooks.trace(), [
    "task.started do/0/first",
    "task.completed do/0/first",
    "task.started do/1/second",
    "task.completed do/1/second",
  ]);
  const completed = hooks.events[3];
  assert.deepEqual(completed.data, { shout: "HELLO ADA", twice: 42 });
  assert.match(completed.message, /^completed in /);
});

Deno.test("input.from, output.as and export.as shape the data flow", async () => {
  const { output } = await run(
    workflow(
      [
        {
          pick: {
            input: { from: ".order" },
            set: { id: "${ .id }", qty: "${ .qty }", raw: "${ $input }" },
            output: { as: "${ {id, qty} }" },
            export: { as: "$context + {lastId: .id}" },
          },
        },
        { useContext: { set: { fromContext: "${ $context.lastId }", input: "${ . }" } } },
      ],
      { input: { from: "${ {order: .payload} }" }, output: { as: ".fromContext" } },
    ),
    { payload: { id: "o-1", qty: 2, extra: true } },
  );
  assert.equal(output, "o-1");
});

Deno.test("switch: the first matching case's then picks the next task", async () => {
  const doc = workflow([
    {
      route: {
        switch: [
          { small: { when: ".n != null and .n < 10", then: "smallTask" } },
          { big: { when: "${ .n != null and .n >= 10 }", then: "bigTask" } },
          { other: { then: "end" } },
        ],
      },
    },
    { smallTask: { set: { size: "small" }, then: "end" } },
    { bigTask: { set: { size: "big" } } },
  ]);
  assert.deepEqual((await run(doc, { n: 3 })).output, { size: "small" });
  const big = await run(doc, { n: 30 });
  assert.deepEqual(big.output, { size: "big" });
  assert.ok(!big.hooks.trace().includes("task.started do/1/smallTask"));
  // No number: no condition holds, so the default case ends the run.
  assert.deepEqual((await run(doc, { n: null })).output, { n: null });
});

Deno.test("switch: with no match and no default, the flow continues; the output is the input", async () => {
  const { output } = await run(
    workflow([
      { route: { switch: [{ never: { when: "false", then: "end" } }] } },
      { after: { set: { reached: true, input: "${ . }" } } },
    ]),
    { x: 1 },
  );
  assert.deepEqual(output, { reached: true, input: { x: 1 } });
});

Deno.test("switch: an error in a later case does not hide an earlier match", async () => {
  const { output } = await run(
    workflow([
      {
        route: {
          switch: [{ first: { when: ".ok", then: "done" } }, {
            bad: { when: '.ok + "x"', then: "end" },
          }],
        },
      },
      { skipped: { set: { wrong: true } } },
      { done: { set: { right: true } } },
    ]),
    { ok: true },
  );
  assert.deepEqual(output, { right: true });
});

Deno.test("then: continue, exit, end and jumping back to a named task", async () => {
  // A loop made with `then: <name>`: count to 3.
  const { output, hooks } = await run(workflow([
    { init: { set: { i: 0 } } },
    { inc: { set: { i: "${ .i + 1 }" } } },
    {
      check: {
        switch: [{ again: { when: ".i < 3", then: "inc" } }, { stop: { then: "continue" } }],
      },
    },
    {
      inner: {
        do: [
          { a: { set: { i: "${ .i }", inner: true }, then: "exit" } },
          { b: { set: { never: true } } },
        ],
      },
    },
    { last: { set: { i: "${ .i }", last: true }, then: "end" } },
    { unreachable: { set: { never: true } } },
  ]));
  assert.deepEqual(output, { i: 3, last: true });
  assert.equal(hooks.trace().filter((t) => t === "task.started do/1/inc").length, 3);
  assert.ok(!hooks.trace().some((t) => t.includes("/b") || t.includes("unreachable")));
});

Deno.test("then: end inside nested tasks ends the whole workflow", async () => {
  const { output } = await run(workflow([
    {
      outer: {
        do: [{
          loop: {
            for: { in: "[1,2,3]" },
            do: [{ stop: { set: { at: "${ $item }" }, then: "end" } }],
          },
        }],
      },
    },
    { never: { set: { never: true } } },
  ]));
  assert.deepEqual(output, { at: 1 });
});

Deno.test("if: a false condition skips the task and passes its input on", async () => {
  const { output, hooks } = await run(
    workflow([
      { skipped: { if: "${ .run == true }", set: { ran: "skipped" } } },
      { taken: { if: ".run == false", set: { ran: "taken", was: "${ . }" } } },
    ]),
    { run: false },
  );
  assert.deepEqual(output, { ran: "taken", was: { run: false } });
  assert.deepEqual(hooks.trace().slice(0, 2), ["log do/0/skipped", "task.started do/1/taken"]);
});

Deno.test("do: nested lists get their own paths", async () => {
  const { output, hooks } = await run(workflow([
    { group: { do: [{ one: { set: { v: 1 } } }, { two: { set: { v: "${ .v + 1 }" } } }] } },
  ]));
  assert.deepEqual(output, { v: 2 });
  assert.deepEqual(hooks.trace(), [
    "task.started do/0/group",
    "task.started do/0/group/do/0/one",
    "task.completed do/0/group/do/0/one",
    "task.started do/0/group/do/1/two",
    "task.completed do/0/group/do/1/two",
    "task.completed do/0/group",
  ]);
});

Deno.test("for: iterates with each/at; each iteration's output is the next one's input", async () => {
  const { output } = await run(
    workflow([
      { init: { set: { total: 0, seen: [], items: "${ .items }" } } },
      {
        sum: {
          for: { each: "pet", in: ".items", at: "i" },
          do: [{
            add: {
              set: {
                total: "${ .total + $pet.n }",
                seen: "${ .seen + [$i] }",
                items: "${ .items }",
              },
            },
          }],
        },
      },
    ]),
    { items: [{ n: 1 }, { n: 2 }, { n: 3 }] },
  );
  assert.deepEqual(output, { total: 6, seen: [0, 1, 2], items: [{ n: 1 }, { n: 2 }, { n: 3 }] });
});

Deno.test("for: default names are $item and $index; while stops early; null iterates nothing", async () => {
  const { output } = await run(
    workflow([
      {
        loop: {
          for: { in: "${ [10, 20, 30, 40] }" },
          while: ".count < 2",
          do: [{ step: { set: { count: "${ .count + 1 }", last: "${ [$index, $item] }" } } }],
        },
      },
      { none: { for: { in: ".nothing" }, do: [{ never: { set: { never: true } } }] } },
    ]),
    { count: 0 },
  );
  assert.deepEqual(output, { count: 2, last: [1, 20] });
});

Deno.test("for: in must give an array", async () => {
  const error = await rejection(
    run(workflow([{ loop: { for: { in: ".x" }, do: [{ s: { set: {} } }] } }]), { x: 5 }),
  );
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.message, "do/0/loop: for.in must give an array, got number");
});

Deno.test("raise: fails the run with the given, typed error", async () => {
  const doc = workflow([
    {
      check: {
        raise: {
          error: {
            type: "https://example.com/errors/out-of-stock",
            status: 409,
            title: "Out of stock",
            detail: '${ "no \\(.item) left" }',
          },
        },
      },
    },
  ]);
  const { hooks } = await run(workflow([{ x: { set: {} } }])); // a recorder to reuse
  const error = await rejection(run(doc, { item: "socks" }, { hooks }));
  assert.ok(error instanceof WorkflowError);
  assert.deepEqual(error.toJSON(), {
    type: "https://example.com/errors/out-of-stock",
    status: 409,
    title: "Out of stock",
    detail: "no socks left",
    instance: "/do/0/check",
  });
  assert.equal(error.message, "do/0/check: Out of stock: no socks left");
  const failed = hooks.events.at(-1)!;
  assert.equal(failed.type, "task.failed");
  assert.equal(failed.task, "do/0/check");
  assert.equal(failed.message, error.message);
});

Deno.test("raise: an error named in use.errors", async () => {
  const error = await rejection(run(workflow([{ fail: { raise: { error: "notAllowed" } } }], {
    use: {
      errors: {
        notAllowed: { type: ERROR_TYPES.authorization, status: 403, title: "Not allowed" },
      },
    },
  })));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.authorization);
  assert.equal(error.status, 403);
});

Deno.test("definition problems are all reported before any task runs", async () => {
  const doc = workflow([
    { a: { set: { x: 1 }, then: "nowhere" } },
    { b: { fork: { branches: [] } } },
    { c: { wait: "soon" } },
    { d: { call: "asyncapi", with: {} } },
    { e: { for: { each: "bad name", in: ".x" }, do: [] } },
    { f: { sett: {} } },
  ]);
  const { hooks } = await run(workflow([{ x: { set: {} } }]));
  const before = hooks.events.length;
  const error = await rejection(run(doc, {}, { hooks }));
  assert.ok(error instanceof WorkflowDefinitionError);
  assert.equal(error.type, ERROR_TYPES.validation);
  assert.deepEqual(error.problems.map((p) => p.path), [
    "do/0/a/then",
    "do/1/b/fork/branches",
    "do/2/c/wait",
    "do/3/d",
    "do/4/e/for/each",
    "do/5/f",
  ]);
  assert.match(
    error.message,
    /^invalid workflow \(6 problems\):\n {2}do\/0\/a\/then: no task named "nowhere"/,
  );
  assert.equal(hooks.events.length, before, "no events: nothing ran");
});

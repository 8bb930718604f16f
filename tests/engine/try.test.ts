import assert from "node:assert/strict";
import { ERROR_TYPES, WorkflowError } from "../../src/engine/mod.ts";
import { recorder, rejection, run, workflow } from "./helpers.ts";

const notFound = {
  raise: {
    error: {
      type: "https://example.com/errors/not-found",
      status: 404,
      title: "Not found",
      detail: "${ .id }",
    },
  },
};

Deno.test("try/catch: a caught error runs catch.do with $error; its output is the task's", async () => {
  const { output, hooks } = await run(
    workflow([
      {
        guarded: {
          try: [{ lookup: notFound }, { never: { set: { never: true } } }],
          catch: {
            errors: { with: { type: "https://example.com/errors/not-found", status: 404 } },
            do: [{
              fallback: {
                set: {
                  recovered: true,
                  status: "${ $error.status }",
                  detail: "${ $error.detail }",
                  at: "${ $error.instance }",
                },
              },
            }],
          },
        },
      },
    ]),
    { id: "p-9" },
  );
  assert.deepEqual(output, {
    recovered: true,
    status: 404,
    detail: "p-9",
    at: "/do/0/guarded/try/0/lookup",
  });
  assert.deepEqual(hooks.trace(), [
    "task.started do/0/guarded",
    "task.started do/0/guarded/try/0/lookup",
    "task.failed do/0/guarded/try/0/lookup",
    "task.started do/0/guarded/catch/do/0/fallback",
    "task.completed do/0/guarded/catch/do/0/fallback",
    "task.completed do/0/guarded",
  ]);
});

Deno.test("try/catch: without catch.do the error is swallowed and the input passes on", async () => {
  const { output } = await run(workflow([{ t: { try: [{ boom: notFound }], catch: {} } }]), {
    id: 1,
  });
  assert.deepEqual(output, { id: 1 });
});

Deno.test("try/catch: errors.with filters; catch.as names the variable; short type names work", async () => {
  const doc = (filter: Record<string, unknown>) =>
    workflow([{
      t: {
        try: [{ boom: notFound }],
        catch: {
          errors: { with: filter },
          as: "oops",
          do: [{ h: { set: { caught: "${ $oops.title }" } } }],
        },
      },
    }]);
  assert.deepEqual((await run(doc({ status: 404 }), { id: 1 })).output, { caught: "Not found" });
  const other = await rejection(run(doc({ status: 500 }), { id: 1 }));
  assert.ok(other instanceof WorkflowError);
  assert.equal(other.status, 404, "not caught: the original error goes on");
  assert.equal(other.message, "do/0/t/try/0/boom: Not found: 1");

  const expressionError = workflow([{
    t: {
      try: [{ bad: { set: { x: "${ .a.b.c }" } } }],
      catch: {
        errors: { with: { type: "expression" } },
        do: [{ h: { set: { type: "${ $error.type }" } } }],
      },
    },
  }]);
  assert.deepEqual((await run(expressionError, { a: { b: 5 } })).output, {
    type: ERROR_TYPES.expression,
  });
});

Deno.test("try/catch: when and exceptWhen decide with $error", async () => {
  const doc = (catchSpec: Record<string, unknown>) =>
    workflow([{ t: { try: [{ boom: notFound }], catch: catchSpec } }]);
  assert.deepEqual((await run(doc({ when: "$error.status == 404" }), { id: 1 })).output, { id: 1 });
  await rejection(run(doc({ when: "$error.status == 500" }), { id: 1 }));
  await rejection(run(doc({ exceptWhen: '${ $error.detail == "1" }' }), { id: 1 }));
});

Deno.test("retry: retries with backoff until the call succeeds", async () => {
  let calls = 0;
  const hooks = recorder(() => {
    calls++;
    return calls < 3 ? Promise.reject(new Error(`flaky ${calls}`)) : Promise.resolve("finally");
  });
  const started = performance.now();
  const { output } = await run(
    workflow([{
      t: {
        try: [{ ask: { call: "agent", with: { agent: "flaky", message: "hi" } } }],
        catch: {
          errors: { with: { type: ERROR_TYPES.communication } },
          retry: {
            delay: { milliseconds: 20 },
            backoff: { exponential: {} },
            limit: { attempt: { count: 5 } },
          },
        },
      },
    }]),
    {},
    { hooks },
  );
  const elapsed = performance.now() - started;
  assert.deepEqual(output, { message: "finally" });
  assert.equal(calls, 3);
  assert.ok(
    elapsed >= 20 + 40,
    `two retries wait 20 ms then 40 ms (took ${elapsed.toFixed(1)} ms)`,
  );
  const logs = hooks.events.filter((e) => e.type === "log").map((e) => e.message);
  assert.equal(logs.length, 2);
  assert.match(
    logs[0],
    /^retrying in 20 ms \(retry 1 of 5\) after: do\/0\/t\/try\/0\/ask: agent "flaky" failed: flaky 1$/,
  );
  assert.match(logs[1], /^retrying in 40 ms \(retry 2 of 5\)/);
});

Deno.test("retry: when the attempts run out, the last error fails the task (no catch.do)", async () => {
  let calls = 0;
  const hooks = recorder(() => {
    calls++;
    return Promise.reject(new Error("down"));
  });
  const doc = (extra: Record<string, unknown>) =>
    workflow([{
      t: {
        try: [{ ask: { call: "agent", with: { agent: "a", message: "m" } } }],
        catch: {
          retry: { delay: "PT0.005S", backoff: { linear: {} }, limit: { attempt: { count: 2 } } },
          ...extra,
        },
      },
    }]);
  const error = await rejection(run(doc({}), {}, { hooks }));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.communication);
  assert.equal(calls, 3, "the first run and two retries");

  calls = 0;
  const handled = await run(
    doc({ do: [{ giveUp: { set: { gaveUp: "${ $error.title }" } } }] }),
    {},
    { hooks },
  );
  assert.deepEqual(handled.output, { gaveUp: "Agent call failed" });
  assert.equal(calls, 3);
});

Deno.test("retry: a named policy from use.retries; retry.when can refuse", async () => {
  let calls = 0;
  const hooks = recorder(() => {
    calls++;
    return Promise.reject(new Error("nope"));
  });
  const doc = workflow([{
    t: {
      try: [{ ask: { call: "agent", with: { agent: "a", message: "m" } } }],
      catch: { retry: "quick", do: [{ h: { set: { h: true } } }] },
    },
  }], {
    use: { retries: { quick: { when: "$error.status == 503", limit: { attempt: { count: 4 } } } } },
  });
  assert.deepEqual((await run(doc, {}, { hooks })).output, { h: true });
  assert.equal(calls, 1, "status 500 is not retried");
});

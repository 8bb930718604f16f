import assert from "node:assert/strict";
import { parseDuration } from "../../src/engine/durations.ts";
import {
  ERROR_TYPES,
  runWorkflow,
  WorkflowCancelledError,
  WorkflowError,
} from "../../src/engine/mod.ts";
import { recorder, rejection, run, workflow } from "./helpers.ts";

Deno.test("durations: ISO 8601 strings and objects", () => {
  assert.equal(parseDuration("PT1S"), 1000);
  assert.equal(parseDuration("PT1M30S"), 90_000);
  assert.equal(parseDuration("P1DT2H"), 26 * 3_600_000);
  assert.equal(parseDuration("PT0.25S"), 250);
  assert.equal(parseDuration("P1W"), 7 * 86_400_000);
  assert.equal(parseDuration({ minutes: 1, seconds: 2, milliseconds: 3 }), 62_003);
  assert.throws(() => parseDuration("P1M"), /years and months have no fixed length/);
  assert.throws(() => parseDuration("PT"), /not an ISO 8601 duration/);
  assert.throws(() => parseDuration({ secs: 1 }), /unknown duration field "secs"/);
  assert.throws(() => parseDuration(5), /expected an ISO 8601 duration/);
});

Deno.test("wait: pauses, then passes its input on", async () => {
  const started = performance.now();
  const { output } = await run(workflow([{ pause: { wait: { milliseconds: 30 } } }]), {
    kept: true,
  });
  assert.ok(performance.now() - started >= 29);
  assert.deepEqual(output, { kept: true });
});

Deno.test("cancel: aborting the signal interrupts a long wait at once", async () => {
  const controller = new AbortController();
  const hooks = recorder();
  const running = runWorkflow(workflow([{ pause: { wait: "PT1H" } }]), {}, hooks, {
    signal: controller.signal,
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const abortedAt = performance.now();
  controller.abort();
  const error = await rejection(running);
  const latency = performance.now() - abortedAt;
  assert.ok(error instanceof WorkflowCancelledError);
  assert.equal(error.name, "WorkflowCancelledError");
  // The wait is an hour: a loose bound still proves the abort ended it (timing: scripts/bench.ts).
  assert.ok(latency < 30_000, `rejected ${latency.toFixed(1)} ms after the abort`);
  assert.deepEqual(hooks.trace(), ["task.started do/0/pause", "task.failed do/0/pause"]);
  assert.equal(hooks.events[1].message, "cancelled");
});

Deno.test("cancel: a busy loop of instant tasks still notices the abort", async () => {
  const controller = new AbortController();
  const doc = workflow([
    { init: { set: { i: 0 } } },
    { inc: { set: { i: "${ .i }" }, then: "inc" } }, // loops for ever
  ]);
  setTimeout(() => controller.abort(), 30);
  const started = performance.now();
  const error = await rejection(runWorkflow(doc, {}, recorder(), { signal: controller.signal }));
  assert.ok(error instanceof WorkflowCancelledError);
  assert.ok(performance.now() - started < 30_000); // the loop never ends by itself
});

Deno.test("cancel: try/catch never swallows a cancellation", async () => {
  const controller = new AbortController();
  const doc = workflow([{
    t: { try: [{ pause: { wait: "PT1H" } }], catch: { do: [{ h: { set: { h: true } } }] } },
  }]);
  const running = runWorkflow(doc, {}, recorder(), { signal: controller.signal });
  setTimeout(() => controller.abort(), 10);
  assert.ok((await rejection(running)) instanceof WorkflowCancelledError);
  const already = runWorkflow(doc, {}, recorder(), { signal: AbortSignal.abort() });
  assert.ok((await rejection(already)) instanceof WorkflowCancelledError);
});

Deno.test("timeout: a task's timeout.after interrupts it with a timeout error", async () => {
  const hooks = recorder();
  const started = performance.now();
  const error = await rejection(
    run(workflow([{ slow: { wait: "PT1H", timeout: { after: "PT0.05S" } } }]), {}, { hooks }),
  );
  const elapsed = performance.now() - started;
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.timeout);
  assert.equal(error.status, 408);
  assert.equal(error.message, "do/0/slow: timed out after 50 ms");
  assert.ok(elapsed >= 49 && elapsed < 30_000, `took ${elapsed.toFixed(1)} ms`); // of an hour's wait
});

Deno.test("timeout: an outer try catches a nested task's timeout", async () => {
  const { output } = await run(workflow([{
    t: {
      try: [{ slow: { wait: { seconds: 60 }, timeout: "short" } }],
      catch: {
        errors: { with: { type: ERROR_TYPES.timeout } },
        do: [{ h: { set: { timedOut: "${ $error.instance }" } } }],
      },
    },
  }], { use: { timeouts: { short: { after: { milliseconds: 20 } } } } }));
  assert.deepEqual(output, { timedOut: "/do/0/t/try/0/slow" });
});

Deno.test("timeout: a composite task's timeout covers everything inside it", async () => {
  const error = await rejection(run(workflow([{
    group: {
      timeout: { after: { milliseconds: 30 } },
      do: [{ a: { wait: { milliseconds: 10 } } }, { b: { wait: { seconds: 10 } } }],
    },
  }])));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.instance, "/do/0/group");
});

Deno.test("timeout: defaultTaskTimeoutMs applies to calls that set none", async () => {
  const hooks = recorder((request) =>
    new Promise((_, reject) =>
      request.signal.addEventListener("abort", () => reject(request.signal.reason))
    )
  );
  const started = performance.now();
  const error = await rejection(
    run(workflow([{ ask: { call: "agent", with: { agent: "slow", message: "hi" } } }]), {}, {
      hooks,
      defaultTaskTimeoutMs: 40,
    }),
  );
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.timeout);
  assert.ok(performance.now() - started < 30_000); // the hook never answers
});

Deno.test("timeout: a hook that ignores the signal is abandoned, not awaited", async () => {
  let resolveLater: (reply: string) => void = () => {};
  const hooks = recorder(() => new Promise((resolve) => (resolveLater = resolve)));
  const error = await rejection(
    run(
      workflow([{
        ask: {
          call: "agent",
          with: { agent: "deaf", message: "hi" },
          timeout: { after: "PT0.03S" },
        },
      }]),
      {},
      { hooks },
    ),
  );
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.timeout);
  resolveLater("too late");
});

Deno.test("timeout: the workflow's own timeout", async () => {
  const error = await rejection(
    run(workflow([{ slow: { wait: "PT10S" } }], { timeout: { after: "PT0.03S" } })),
  );
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.timeout);
  assert.equal(error.message, "the workflow timed out after 30 ms");
});

// `fork`: concurrent branches, their outputs in order; `compete` and its cancellations.
import assert from "node:assert/strict";
import {
  ERROR_TYPES,
  runWorkflow,
  WorkflowCancelledError,
  WorkflowError,
} from "../../src/engine/mod.ts";
import { recorder, rejection, run, workflow } from "./helpers.ts";

Deno.test("fork: branches run concurrently; the output lists theirs in declaration order", async () => {
  const { output, hooks } = await run(
    workflow([{
      both: {
        fork: {
          branches: [
            { slow: { wait: { milliseconds: 60 }, output: { as: '${ "slow" }' } } },
            { fast: { set: { who: "${ .name }" } } },
            { alsoSlow: { wait: { milliseconds: 60 }, output: { as: "${ 2 }" } } },
          ],
        },
      },
    }]),
    { name: "ada" },
  );
  assert.deepEqual(output, ["slow", { who: "ada" }, 2]);
  const trace = hooks.trace();
  // Side by side: both waits started before either completed.
  assert.ok(
    trace.indexOf("task.started do/0/both/fork/branches/2/alsoSlow") <
      trace.indexOf("task.completed do/0/both/fork/branches/0/slow"),
  );
  assert.equal(trace[0], "task.started do/0/both");
  assert.equal(trace.at(-1), "task.completed do/0/both");
  for (const branch of ["slow", "fast", "alsoSlow"]) {
    const i = ["slow", "fast", "alsoSlow"].indexOf(branch);
    assert.ok(trace.includes(`task.completed do/0/both/fork/branches/${i}/${branch}`));
  }
});

Deno.test("fork: compete takes the first branch to finish and cancels the rest", async () => {
  const { output, hooks } = await run(workflow([{
    race: {
      fork: {
        compete: true,
        branches: [
          { tortoise: { wait: "PT1H" } },
          { hare: { set: { winner: "hare" } } },
        ],
      },
    },
  }, { after: { set: { was: "${ . }" } } }]));
  assert.deepEqual(output, { was: { winner: "hare" } });
  const tortoise = hooks.events.filter((e) => e.task === "do/0/race/fork/branches/0/tortoise");
  assert.deepEqual(tortoise.map((e) => e.type), ["task.started", "task.failed"]);
  assert.equal(tortoise[1].message, "cancelled");
  // The cancelled branch's events come before the fork completes.
  const completed = hooks.events.findIndex((e) =>
    e.type === "task.completed" && e.task === "do/0/race"
  );
  assert.ok(hooks.events.indexOf(tortoise[1]) < completed);
});

Deno.test("fork: compete fails only when every branch failed, with the first failure", async () => {
  // `broken` fails first; `late` still finishes, and wins.
  const { output } = await run(workflow([{
    race: {
      fork: {
        compete: true,
        branches: [
          { late: { wait: { milliseconds: 30 }, output: { as: '${ "late" }' } } },
          {
            broken: {
              raise: { error: { type: ERROR_TYPES.communication, status: 503, title: "down" } },
            },
          },
        ],
      },
    },
  }]));
  assert.equal(output, "late");
  const failure = await rejection(run(workflow([{
    race: {
      fork: {
        compete: true,
        branches: [
          { one: { raise: { error: { type: ERROR_TYPES.runtime, status: 500, title: "one" } } } },
          { two: { raise: { error: { type: ERROR_TYPES.timeout, status: 408, title: "two" } } } },
        ],
      },
    },
  }])));
  assert.ok(failure instanceof WorkflowError);
  assert.equal(failure.type, ERROR_TYPES.runtime);
  assert.equal(failure.instance, "/do/0/race/fork/branches/0/one");
});

Deno.test("fork: a failing branch fails the fork and cancels the others", async () => {
  const hooks = recorder();
  const error = await rejection(run(
    workflow([{
      both: {
        fork: {
          branches: [
            { waiting: { wait: "PT1H" } },
            {
              failing: {
                raise: {
                  error: { type: ERROR_TYPES.communication, status: 503, title: "Unavailable" },
                },
              },
            },
          ],
        },
      },
    }]),
    {},
    { hooks },
  ));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.communication);
  assert.equal(error.status, 503);
  assert.equal(error.instance, "/do/0/both/fork/branches/1/failing");
  const waiting = hooks.events.filter((e) => e.task.endsWith("/waiting"));
  assert.deepEqual(waiting.map((e) => [e.type, e.message]), [
    ["task.started", "wait"],
    ["task.failed", "cancelled"],
  ]);
  assert.deepEqual(hooks.trace().at(-1), "task.failed do/0/both");
});

Deno.test("fork: cancelling the run reaches every branch at once", async () => {
  const controller = new AbortController();
  const hooks = recorder();
  const running = runWorkflow(
    workflow([{
      both: {
        fork: { branches: [{ a: { wait: "PT1H" } }, { b: { wait: "PT1H" } }] },
      },
    }]),
    {},
    hooks,
    { signal: controller.signal },
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  controller.abort();
  const error = await rejection(running);
  assert.ok(error instanceof WorkflowCancelledError);
  assert.deepEqual(
    hooks.events.filter((e) => e.type === "task.failed").map((e) => e.task).sort(),
    ["do/0/both", "do/0/both/fork/branches/0/a", "do/0/both/fork/branches/1/b"],
  );
});

Deno.test("fork: 100 branches, each with its own output", async () => {
  const branches = Array.from({ length: 100 }, (_, i) => ({
    [`b${i}`]: { wait: { milliseconds: 10 }, output: { as: `\${ .base + ${i} }` } },
  }));
  const { output, hooks } = await run(workflow([{ many: { fork: { branches } } }]), { base: 1000 });
  assert.deepEqual(output, Array.from({ length: 100 }, (_, i) => 1000 + i));
  assert.equal(hooks.events.filter((e) => e.type === "task.completed").length, 101);
  // Concurrent: every branch started before the first one completed.
  const types = hooks.events.map((e) => e.type);
  assert.ok(types.lastIndexOf("task.started") < types.indexOf("task.completed"));
});

Deno.test("fork: branches cannot jump to each other; compete must be a boolean", async () => {
  const { validateWorkflowDocument } = await import("../../src/engine/mod.ts");
  const problems = await validateWorkflowDocument(workflow([{
    f: {
      fork: {
        compete: "yes",
        branches: [{ a: { set: {}, then: "b" } }, { b: { set: {} } }],
      },
    },
  }]));
  assert.deepEqual(problems.map((p) => p.path), [
    "do/0/f/fork/compete",
    "do/0/f/fork/branches/0/a/then",
  ]);
});

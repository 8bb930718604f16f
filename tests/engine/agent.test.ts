import assert from "node:assert/strict";
import { ERROR_TYPES, WorkflowError } from "../../src/engine/mod.ts";
import { recorder, rejection, run, workflow } from "./helpers.ts";

Deno.test("call agent: the hook gets the agent, the message and the input; the reply is the output", async () => {
  const hooks = recorder((request) => Promise.resolve(`Bonjour, ${request.message}!`));
  const { output } = await run(
    workflow([
      {
        greet: {
          input: { from: "${ {name: .user.name} }" },
          call: "agent",
          with: { agent: "greeter", message: "${ .name }" },
        },
      },
      { next: { set: { said: "${ .message }" } } },
    ]),
    { user: { name: "Ada" } },
    { hooks },
  );
  assert.deepEqual(output, { said: "Bonjour, Ada!" });
  assert.deepEqual(hooks.agentCalls, [{
    agent: "greeter",
    message: "Ada",
    input: { name: "Ada" },
    task: "do/0/greet",
  }]);
  assert.deepEqual(
    hooks.events.map((e) => [e.type, e.task, e.message]),
    [
      ["task.started", "do/0/greet", "call agent"],
      ["agent.message", "do/0/greet", "Bonjour, Ada!"],
      ["task.completed", "do/0/greet", hooks.events[2].message],
      ["task.started", "do/1/next", "set"],
      ["task.completed", "do/1/next", hooks.events[4].message],
    ],
  );
  assert.deepEqual(hooks.events[1].data, { agent: "greeter" });
  assert.deepEqual(hooks.events[2].data, { message: "Bonjour, Ada!" });
});

Deno.test("call agent: a plain-text message, and a non-string message sent as JSON", async () => {
  const hooks = recorder();
  await run(
    workflow([
      { a: { call: "agent", with: { agent: "x", message: "Summarize the news" } } },
      { b: { call: "agent", with: { agent: "x", message: "${ {n: 1} }" } } },
    ]),
    {},
    { hooks },
  );
  assert.deepEqual(hooks.agentCalls.map((c) => c.message), ["Summarize the news", '{"n":1}']);
});

Deno.test("call agent: a failing hook is a communication error naming the agent", async () => {
  const hooks = recorder(() => Promise.reject(new Error("model not found")));
  const error = await rejection(
    run(workflow([{ ask: { call: "agent", with: { agent: "writer", message: "hi" } } }]), {}, {
      hooks,
    }),
  );
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.communication);
  assert.equal(error.message, 'do/0/ask: agent "writer" failed: model not found');
  assert.deepEqual(hooks.trace(), ["task.started do/0/ask", "task.failed do/0/ask"]);
  assert.deepEqual(hooks.events[1].data, error.toJSON());
});

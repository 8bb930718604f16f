import assert from "node:assert/strict";
import { checkWorkflowDocument, validateWorkflowDocument } from "../../src/engine/mod.ts";
import { workflow } from "./helpers.ts";

Deno.test("validate: a valid document with the Stigmer agent call has no problems", async () => {
  const doc = workflow([
    { ask: { call: "agent", with: { agent: "writer", message: "${ .topic }" } } },
    { fetch: { call: "http", with: { method: "get", endpoint: "https://example.com/x" } } },
    { loop: { for: { in: ".items" }, do: [{ pause: { wait: "PT1S" } }] } },
  ]);
  assert.deepEqual(await validateWorkflowDocument(doc), []);
  assert.deepEqual(checkWorkflowDocument(doc), []);
});

Deno.test("validate: schema errors are reworded for people, with paths", async () => {
  const doc = {
    document: { dsl: "1.0.0", namespace: "n", name: "w", version: "0.1.0" },
    do: [
      { a: { sett: { x: 1 } } },
      { b: { wait: 5 } },
      { c: { set: { x: 1 }, colour: "red" } },
      { d: { call: "http", with: { method: "get" } } },
      { e: { raise: { error: { type: "not a uri", status: 400 } } } },
    ],
  };
  // The SDK stops at the first task it rejects; the engine's own checks find the rest.
  assert.deepEqual(await validateWorkflowDocument(doc), [
    {
      path: "do/0/a",
      message:
        "not a task: it needs one of call, do, emit, for, fork, listen, raise, run, set, switch, try, wait",
    },
    {
      path: "do/1/b/wait",
      message: 'expected an ISO 8601 duration like "PT30S" or an object like {seconds: 30}, got 5',
    },
    { path: "do/2/c/colour", message: 'unknown field "colour" for a set task' },
    { path: "do/3/d/with/endpoint", message: "needs an endpoint: a URI or {uri}" },
  ]);
  const second = { ...doc, do: doc.do.slice(1) };
  assert.deepEqual((await validateWorkflowDocument(second))[0], {
    path: "do/0/b/wait",
    message: 'must be an ISO 8601 duration like "PT30S" or an object like {seconds: 30}',
  });
  const badType = { ...doc, do: doc.do.slice(4) };
  assert.deepEqual(await validateWorkflowDocument(badType), [
    {
      path: "do/0/e/raise/error/type",
      message:
        "must be an absolute URI (like https://example.com/x) or a runtime expression ${ … }",
    },
  ]);
});

Deno.test("validate: valid per the schema but not runnable here", async () => {
  const doc = workflow([
    { a: { fork: { branches: [{ b: { set: { y: 1 } } }] } } },
    { c: { set: { x: 1 }, then: "missing" } },
  ]);
  assert.deepEqual(await validateWorkflowDocument(doc), [
    {
      path: "do/0/a",
      message:
        '"fork" tasks are not supported here (supported: set, call http, call agent, call mcp, switch, for, try, wait, raise, emit, listen, do)',
    },
    {
      path: "do/1/c/then",
      message:
        `no task named "missing" in this list (flow directives are continue, exit, end or a sibling task's name)`,
    },
  ]);
});

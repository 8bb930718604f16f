import assert from "node:assert/strict";
import {
  checkWorkflowDocument,
  loadWorkflowSchema,
  validateWorkflowDocument,
} from "../../src/engine/mod.ts";
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

Deno.test("validate: every example of the DSL's reference conforms to the embedded schema", async () => {
  const { parse } = await import("yaml");
  const { schemaProblems } = await import("../../src/engine/schema/check.ts");
  await loadWorkflowSchema();
  const dir = new URL("../../../shared/reference/serverless-workflow/examples/", import.meta.url);
  let count = 0;
  for await (const entry of Deno.readDir(dir)) {
    const doc = parse(await Deno.readTextFile(new URL(entry.name, dir)));
    assert.deepEqual(schemaProblems(doc), [], entry.name);
    count++;
  }
  assert.equal(count, 65);
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
  // Every problem, the engine's wording first; the schema adds what the engine does not check.
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
    {
      path: "do/4/e/raise/error/type",
      message:
        "must be an absolute URI (like https://example.com/x) or a runtime expression ${ … }",
    },
  ]);
  // What only the schema says: the document's own fields.
  const badDocument = { ...doc, document: { ...doc.document, version: 1 }, do: doc.do.slice(2, 3) };
  assert.deepEqual(await validateWorkflowDocument(badDocument), [
    { path: "do/0/c/colour", message: 'unknown field "colour" for a set task' },
    { path: "document/version", message: "must be a string" },
  ]);
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
    { a: { listen: { to: { one: { with: { type: "x" } } } } } }, // runs: listen is supported
    { c: { set: { x: 1 }, then: "missing" } },
    { d: { call: "asyncapi", with: { document: { endpoint: "http://x" }, operation: "o" } } },
  ]);
  const problems = await validateWorkflowDocument(doc);
  assert.deepEqual(problems.map((p) => p.path), ["do/1/c/then", "do/2/d"]);
  assert.match(problems[1].message, /^a "call: asyncapi" task: this engine does not run asyncapi/);
  assert.deepEqual(problems.slice(0, 1), [
    {
      path: "do/1/c/then",
      message:
        `no task named "missing" in this list (flow directives are continue, exit, end or a sibling task's name)`,
    },
  ]);
});

Deno.test("validate: what the engine would silently ignore is refused instead", async () => {
  const problems = await validateWorkflowDocument(workflow([{ a: { set: { x: 1 } } }], {
    use: { secrets: ["token"] },
    evaluate: { language: "javascript" },
  }));
  assert.deepEqual(problems.map((p) => p.path).sort(), ["evaluate/language"]);
});

Deno.test("validate: an authentication from a secret names a secret of use.secrets", async () => {
  const call = (use: string) => ({
    call: "http",
    with: {
      method: "get",
      endpoint: { uri: "http://127.0.0.1/x", authentication: { basic: { use } } },
    },
  });
  const problems = await validateWorkflowDocument(
    workflow([{ a: call("declared") }, { b: call("undeclared") }], {
      use: { secrets: ["declared"] },
    }),
  );
  assert.deepEqual(problems, [{
    path: "do/1/b/with/endpoint/authentication/basic/use",
    message: 'secret "undeclared" is not declared: list it in use.secrets',
  }]);
});

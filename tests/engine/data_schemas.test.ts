// input.schema / output.schema of the workflow and of tasks: data that does not match is a
// validation error (status 400) at the place that declared the schema.
import assert from "node:assert/strict";
import { ERROR_TYPES, WorkflowError } from "../../src/engine/mod.ts";
import { rejection, run, workflow } from "./helpers.ts";

const ID = {
  format: "json",
  document: {
    type: "object",
    required: ["id"],
    properties: { id: { type: "integer", minimum: 1 } },
  },
};

Deno.test("schemas: the workflow's input and output, and a task's", async () => {
  const doc = workflow([{ double: { set: { id: "${ .id * 2 }" }, output: { schema: ID } } }], {
    input: { schema: ID },
    output: { schema: { document: { type: "object", required: ["id"] } } },
  });
  assert.deepEqual((await run(doc, { id: 2 })).output, { id: 4 });

  const bad = await rejection(run(doc, { id: 0 }));
  assert.ok(bad instanceof WorkflowError);
  assert.equal(bad.type, ERROR_TYPES.validation);
  assert.equal(bad.status, 400);
  assert.equal(bad.instance, "/input/schema");
  assert.match(bad.message, /the workflow's input does not match its schema: \/id must be >= 1/);

  const task = await rejection(run(
    workflow([{ make: { set: { id: "${ .x }" }, output: { schema: ID } } }]),
    { x: "seven" },
  ));
  assert.ok(task instanceof WorkflowError);
  assert.equal(task.type, ERROR_TYPES.validation);
  assert.equal(task.instance, "/do/0/make");
  assert.match(task.message, /the task's output does not match its schema: \/id must be integer/);
});

Deno.test("schemas: a schema from a resource is refused before the run", async () => {
  const { validateWorkflowDocument } = await import("../../src/engine/mod.ts");
  const problems = await validateWorkflowDocument(workflow([{ a: { set: { a: 1 } } }], {
    input: { schema: { format: "json", resource: { endpoint: "https://example.com/s.json" } } },
  }));
  assert.deepEqual(problems, [{
    path: "input/schema",
    message: "schemas from a resource are not loaded yet: write the schema in `document`",
  }]);
});

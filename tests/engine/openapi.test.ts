// call: openapi against a loopback server serving an OpenAPI 3 document (YAML) and its
// operations: path, query and header parameters, a request body, output: response, an
// unknown operation, a failing operation's standard error.
import assert from "node:assert/strict";
import { ERROR_TYPES, WorkflowError } from "../../src/engine/mod.ts";
import { rejection, run, workflow } from "./helpers.ts";

const DOCUMENT = `openapi: 3.0.3
info: {title: pets, version: "1"}
servers: [{url: /api}]
paths:
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getPet
      parameters:
        - {name: verbose, in: query, schema: {type: boolean}}
        - $ref: "#/components/parameters/Trace"
    put:
      operationId: updatePet
      requestBody: {content: {application/json: {schema: {type: object}}}}
  /broken:
    get: {operationId: broken}
components:
  parameters:
    Trace: {name: x-trace, in: header, schema: {type: string}}
`;

async function withApi(body: (base: string) => Promise<void>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/openapi.yaml") return new Response(DOCUMENT);
    if (url.pathname === "/api/broken") return new Response("down", { status: 503 });
    const m = /^\/api\/pets\/(\d+)$/.exec(url.pathname);
    if (m && req.method === "GET") {
      return Response.json({
        id: Number(m[1]),
        verbose: url.searchParams.get("verbose"),
        trace: req.headers.get("x-trace"),
      });
    }
    if (m && req.method === "PUT") return Response.json({ updated: await req.json() });
    return new Response("no", { status: 404 });
  });
  try {
    await body(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

const call = (base: string, operationId: string, parameters: unknown, extra = {}) => ({
  call: "openapi",
  with: { document: { endpoint: `${base}/openapi.yaml` }, operationId, parameters, ...extra },
});

Deno.test("call openapi: path, query and header parameters; a body; output: response", () =>
  withApi(async (base) => {
    const { output } = await run(
      workflow([{
        pet: call(base, "getPet", { petId: "${ .id }", verbose: true, "x-trace": "t1" }),
      }]),
      { id: 7 },
    );
    assert.deepEqual(output, { id: 7, verbose: "true", trace: "t1" });
    const { output: response } = await run(workflow([{
      pet: call(base, "updatePet", { petId: 3, body: { name: "milou" } }, { output: "response" }),
    }]));
    const r = response as {
      statusCode: number;
      content: unknown;
      request: { method: string; uri: string };
    };
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.content, { updated: { name: "milou" } });
    assert.equal(r.request.method, "PUT");
    assert.equal(r.request.uri, `${base}/api/pets/3`);
  }));

Deno.test("call openapi: an unknown operation and a failing one, as standard errors", () =>
  withApi(async (base) => {
    const missing = await rejection(run(workflow([{ op: call(base, "nope", {}) }])));
    assert.ok(missing instanceof WorkflowError);
    assert.equal(missing.type, ERROR_TYPES.configuration);
    assert.equal(missing.instance, "/do/0/op");
    assert.match(missing.message, /has no operation "nope"/);
    const broken = await rejection(run(workflow([{ op: call(base, "broken", {}) }])));
    assert.ok(broken instanceof WorkflowError);
    assert.equal(broken.type, ERROR_TYPES.communication);
    assert.equal(broken.status, 503);
  }));

Deno.test("call openapi: operationId and document are required before the run", async () => {
  const { validateWorkflowDocument } = await import("../../src/engine/mod.ts");
  const problems = await validateWorkflowDocument(
    workflow([{ op: { call: "openapi", with: { document: { endpoint: "http://x/o.json" } } } }]),
  );
  assert.ok(problems.some((p) => p.path.startsWith("do/0/op")), JSON.stringify(problems));
});

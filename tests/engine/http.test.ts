import assert from "node:assert/strict";
import {
  ERROR_TYPES,
  runWorkflow,
  WorkflowCancelledError,
  WorkflowError,
} from "../../src/engine/mod.ts";
import { recorder, rejection, run, workflow } from "./helpers.ts";

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

/** A real HTTP server on a free loopback port, shut down when `body` is done. */
async function withServer(
  body: (base: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const hanging = new Set<() => void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      seen.push({
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
      });
      switch (url.pathname) {
        case "/json":
          return Response.json({ id: 7, name: "milou", echo: seen.at(-1)!.body || null });
        case "/text":
          return new Response("plain words", { headers: { "content-type": "text/plain" } });
        case "/empty":
          return new Response(null, { status: 204 });
        case "/unavailable":
          return new Response("try later", { status: 503, statusText: "Service Unavailable" });
        case "/redirect":
          return new Response(null, { status: 302, headers: { location: "/json" } });
        case "/bad-json":
          return new Response("{nope", { headers: { "content-type": "application/json" } });
        case "/hang":
          // Answers only when the test ends, so the client must give up on its own.
          return await new Promise<Response>((resolve) =>
            hanging.add(() => resolve(new Response("late")))
          );
        default:
          return new Response("no such path", { status: 404 });
      }
    },
  );
  try {
    await body(`http://127.0.0.1:${server.addr.port}`, seen);
  } finally {
    for (const release of hanging) release();
    await server.shutdown();
  }
}

Deno.test("call http: GET parses a JSON response; headers and query are sent", () =>
  withServer(async (base, seen) => {
    const { output } = await run(
      workflow([{
        get: {
          call: "http",
          with: {
            method: "get",
            endpoint: `${base}/json`,
            headers: { "x-trace": "${ .trace }" },
            query: { q: "${ .q }", n: 2, skip: null },
          },
        },
      }]),
      { trace: "t-1", q: "a b" },
    );
    assert.deepEqual(output, { id: 7, name: "milou", echo: null });
    assert.equal(seen[0].method, "GET");
    assert.deepEqual(seen[0].query, { q: "a b", n: "2" });
    assert.equal(seen[0].headers["x-trace"], "t-1");
  }));

Deno.test("call http: POST sends a JSON body; endpoint as {uri} with a URI template", () =>
  withServer(async (base, seen) => {
    const { output } = await run(
      workflow([{
        post: {
          call: "http",
          with: {
            method: "POST",
            endpoint: { uri: `${base}/{page}` },
            body: { pet: "${ .pet }", n: 1 },
          },
        },
      }]),
      { page: "json", pet: "rex" },
    );
    assert.deepEqual(output, { id: 7, name: "milou", echo: '{"pet":"rex","n":1}' });
    assert.equal(seen[0].path, "/json");
    assert.equal(seen[0].headers["content-type"], "application/json");
  }));

Deno.test("call http: text, empty, response and raw outputs", () =>
  withServer(async (base) => {
    const call = (path: string, output?: string) => ({
      call: "http",
      with: { method: "get", endpoint: `${base}${path}`, ...(output ? { output } : {}) },
    });
    assert.equal((await run(workflow([{ t: call("/text") }]))).output, "plain words");
    assert.equal((await run(workflow([{ t: call("/empty") }]))).output, null);
    assert.equal((await run(workflow([{ t: call("/text", "raw") }]))).output, btoa("plain words"));
    const response = (await run(workflow([{ t: call("/json", "response") }]))).output as Record<
      string,
      unknown
    >;
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.content, { id: 7, name: "milou", echo: null });
    assert.equal((response.headers as Record<string, string>)["content-type"], "application/json");
    assert.deepEqual(response.request, { method: "GET", uri: `${base}/json`, headers: {} });
  }));

Deno.test("call http: a non-2xx status is a communication error with that status, catchable", () =>
  withServer(async (base) => {
    const call = { call: "http", with: { method: "get", endpoint: `${base}/unavailable` } };
    const error = await rejection(run(workflow([{ fetch: call }])));
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.type, ERROR_TYPES.communication);
    assert.equal(error.status, 503);
    assert.equal(
      error.message,
      `do/0/fetch: GET ${base}/unavailable returned 503 Service Unavailable`,
    );
    assert.equal(
      error.detail,
      `GET ${base}/unavailable returned 503 Service Unavailable: try later`,
    );

    const { output } = await run(workflow([{
      t: {
        try: [{ fetch: call }],
        catch: { errors: { with: { status: 503 } }, do: [{ h: { set: { degraded: true } } }] },
      },
    }]));
    assert.deepEqual(output, { degraded: true });
  }));

Deno.test("call http: redirects are errors unless redirect: true", () =>
  withServer(async (base) => {
    const error = await rejection(
      run(
        workflow([{ r: { call: "http", with: { method: "get", endpoint: `${base}/redirect` } } }]),
      ),
    );
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.status, 302);
    const { output } = await run(workflow([{
      r: { call: "http", with: { method: "get", endpoint: `${base}/redirect`, redirect: true } },
    }]));
    assert.deepEqual(output, { id: 7, name: "milou", echo: null });
  }));

Deno.test("call http: a JSON content type with a broken body is a communication error", () =>
  withServer(async (base) => {
    const error = await rejection(
      run(
        workflow([{ r: { call: "http", with: { method: "get", endpoint: `${base}/bad-json` } } }]),
      ),
    );
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.type, ERROR_TYPES.communication);
    assert.match(error.message, /is not valid JSON/);
  }));

Deno.test("call http: connection refused is a communication error a try can catch", async () => {
  // A port that was free a moment ago: nothing listens there now.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const call = { call: "http", with: { method: "get", endpoint: `http://127.0.0.1:${port}/x` } };

  const error = await rejection(run(workflow([{ fetch: call }])));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.communication);
  assert.match(error.message, new RegExp(`^do/0/fetch: GET http://127.0.0.1:${port}/x failed: `));

  const { output } = await run(workflow([{
    t: {
      try: [{ fetch: call }],
      catch: {
        errors: { with: { type: ERROR_TYPES.communication } },
        do: [{ h: { set: { offline: true } } }],
      },
    },
  }]));
  assert.deepEqual(output, { offline: true });
});

Deno.test("call http: cancelling interrupts a request in flight", () =>
  withServer(async (base) => {
    const controller = new AbortController();
    const running = runWorkflow(
      workflow([{ slow: { call: "http", with: { method: "get", endpoint: `${base}/hang` } } }]),
      {},
      recorder(),
      { signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const abortedAt = performance.now();
    controller.abort();
    const error = await rejection(running);
    assert.ok(error instanceof WorkflowCancelledError);
    // The request never ends by itself: any bound far below that proves the abort.
    assert.ok(performance.now() - abortedAt < 30_000);
  }));

Deno.test("call http: a timeout interrupts a request in flight", () =>
  withServer(async (base) => {
    const error = await rejection(run(workflow([{
      slow: {
        call: "http",
        with: { method: "get", endpoint: `${base}/hang` },
        timeout: { after: { milliseconds: 40 } },
      },
    }])));
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.type, ERROR_TYPES.timeout);
    assert.equal(error.message, "do/0/slow: timed out after 40 ms");
  }));

Deno.test("call http: the fetch hook replaces globalThis.fetch", async () => {
  const requested: string[] = [];
  const fakeFetch: typeof fetch = (input) => {
    requested.push(String(input));
    return Promise.resolve(Response.json({ fake: true }));
  };
  const { output } = await run(
    workflow([{
      f: { call: "http", with: { method: "get", endpoint: "https://example.invalid/a" } },
    }]),
    {},
    { hooks: recorder(undefined, fakeFetch) },
  );
  assert.deepEqual(output, { fake: true });
  assert.deepEqual(requested, ["https://example.invalid/a"]);
});

// The DSL reference's 65 examples (../shared/reference/serverless-workflow/examples), unchanged:
// each one that needs no outside host or container runtime runs, its HTTP hosts answered by
// a loopback server this test starts (the fetch hook sends every request there), and its
// output is asserted from the DSL's rules. Those that emit or listen run in events.test.ts (they
// need a bus); those that wait for events or a server from outside are checked as accepted; the
// others are refused before they run, with the task and the reason. No example is left out (the
// table must name all 65).
import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  type CloudEvent,
  ERROR_TYPES,
  runWorkflow,
  validateWorkflowDocument,
  WorkflowCancelledError,
  type WorkflowDocument,
  WorkflowError,
} from "../../src/engine/mod.ts";
import { recorder, rejection } from "./helpers.ts";

const DIR = new URL("../../../shared/reference/serverless-workflow/examples/", import.meta.url);

function load(name: string): WorkflowDocument {
  return parse(Deno.readTextFileSync(new URL(name, DIR)));
}

const PET = { id: 1, name: "milou", status: "available" };
/** The part of the petstore's Swagger 2 document the examples use. */
const SWAGGER = {
  swagger: "2.0",
  host: "petstore.swagger.io",
  basePath: "/v2",
  schemes: ["https", "http"],
  paths: {
    "/pet/findByStatus": {
      get: {
        operationId: "findPetsByStatus",
        parameters: [{ name: "status", in: "query", type: "array", items: { type: "string" } }],
      },
    },
  },
};
let petstoreFailures = 0;

/** The outside hosts of the examples, answered on loopback: `/<host><path>`. */
async function outside(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const [, host, ...rest] = url.pathname.split("/");
  const path = `/${rest.join("/")}`;
  const body = request.method === "GET" ? undefined : await request.text();
  const echo = () => Response.json(body ? JSON.parse(body) : null);
  switch (host) {
    case "petstore.swagger.io": {
      if (path === "/v2/swagger.json") return Response.json(SWAGGER);
      if (path === "/v2/pet/findByStatus") {
        return Response.json([{ ...PET, status: url.searchParams.get("status") }]);
      }
      if (path === "/v2/pet/404") return new Response("no such pet", { status: 404 });
      if (path === "/v2/pet/503" && petstoreFailures++ === 0) {
        return new Response("busy", { status: 503 });
      }
      if (path.startsWith("/v2/pet/") && request.method === "GET") {
        const auth = request.headers.get("authorization");
        if (auth && auth !== "Bearer tok-42" && auth !== "Bearer issued-token") {
          return new Response("bad token", { status: 401 });
        }
        return Response.json({
          ...PET,
          id: Number(path.split("/").at(-1)) || path.split("/").at(-1),
        });
      }
      return echo();
    }
    case "keycloak":
      return Response.json({ access_token: "issued-token" });
    case "fake-hospital.com":
      if (path.endsWith("/doctor")) await new Promise((r) => setTimeout(r, 300));
      return Response.json({ alerted: path.split("/").at(-1) });
    case "swapi.dev":
      if (path === "/api/people/" && url.searchParams.has("search")) {
        return Response.json({ results: [{ name: url.searchParams.get("search") }] });
      }
      if (path === "/api/people/1") {
        return Response.json({ name: "Luke", homeworld: "https://swapi.dev/api/planets/1" });
      }
      if (path === "/api/planets/1") return Response.json({ name: "Tatooine" });
      return new Response("not found", { status: 404 });
    default:
      return echo();
  }
}

interface Case {
  input?: unknown;
  output?: unknown;
  /** Checks the error the run fails with. */
  error?: (error: Error) => void;
  /** Cancel after this many ms (a long wait): the run must end cancelled. */
  cancelAfterMs?: number;
  /** Refused before running: the problem's path and words. */
  refused?: [string, RegExp];
  /** Accepted as written; its run is asserted in this test file instead (events need a bus). */
  runIn?: string;
  /** Accepted as written; not run here, for this reason (it waits for events from outside). */
  acceptedOnly?: string;
  /** The CloudEvent types the run publishes (on a bus this test provides). */
  published?: string[];
  subflows?: Record<string, WorkflowDocument>;
  /** The run's $secrets (what the daemon reads from its vault). */
  secrets?: Record<string, unknown>;
}

const EVENTS_TEST = "tests/engine/events.test.ts";

const CASES: Record<string, Case> = {
  "accumulate-room-readings.yaml": {
    acceptedOnly: "it listens for room readings that only an outside sensor emits",
  },
  "authentication-bearer-uri-format.yaml": {
    input: { petId: 3, token: "tok-42" },
    output: { ...PET, id: 3 },
  },
  "authentication-bearer.yaml": { input: { token: "tok-42" }, output: PET },
  "authentication-oauth2-secret.yaml": {
    // The secret (use.secrets: [mySecret]) holds the oauth2 fields as a JSON object.
    input: { petId: 6 },
    secrets: {
      mySecret: {
        authority: "https://keycloak/realms/test",
        grant: "client_credentials",
        client: { id: "runtime", secret: "s3cret" },
      },
    },
    output: { ...PET, id: 6 },
  },
  "authentication-oauth2.yaml": { input: { petId: 4 }, output: { ...PET, id: 4 } },
  "authentication-oidc-secret.yaml": {
    refused: ["do/0/getPet/with/endpoint/authentication", /oidc authentication is not run yet/],
  },
  "authentication-oidc.yaml": {
    refused: ["do/0/getPet/with/endpoint/authentication", /oidc authentication is not run yet/],
  },
  "authentication-reusable.yaml": {
    input: { petId: 5, token: "tok-42" },
    output: { ...PET, id: 5 },
  },
  "call-asyncapi-publish.yaml": { refused: ["do/0/findPet", /does not run asyncapi calls/] },
  "call-asyncapi-subscribe-consume-amount.yaml": {
    refused: ["do/0/getNotifications", /does not run asyncapi calls/],
  },
  "call-asyncapi-subscribe-consume-forever-foreach.yaml": {
    refused: ["do/0/getNotifications", /does not run asyncapi calls/],
  },
  "call-asyncapi-subscribe-consume-until.yaml": {
    refused: ["do/0/getNotifications", /does not run asyncapi calls/],
  },
  "call-asyncapi-subscribe-consume-while.yaml": {
    refused: ["do/0/getNotifications", /does not run asyncapi calls/],
  },
  "call-custom-function-cataloged.yaml": {
    refused: ["do/0/log", /functions from a catalog are not run/],
  },
  "call-custom-function-inline.yaml": { output: { ...PET, id: 69 } },
  // Its proto is a file of the example's own machine (file://app/greet.proto): not here.
  "call-grpc.yaml": {
    input: { user: { preferredDisplayName: "Ada" } },
    error: (error) => {
      assert.ok(error instanceof WorkflowError);
      assert.equal(error.type, ERROR_TYPES.communication);
      assert.match(error.message, /reading the proto file file:\/\/app\/greet\.proto failed/);
    },
  },
  "call-http-endpoint-interpolation-shorthand.yaml": {
    input: { petId: 7 },
    output: { ...PET, id: 7 },
  },
  "call-http-endpoint-interpolation.yaml": { input: { petId: 8 }, output: { ...PET, id: 8 } },
  "call-http-query-headers-expressions.yaml": {
    input: { searchQuery: "Leia" },
    output: { results: [{ name: "Leia" }] },
  },
  "call-http-query-parameters.yaml": {
    input: { searchQuery: "Han" },
    output: { results: [{ name: "Han" }] },
  },
  "call-http-redirect.yaml": {
    input: { searchQuery: "Yoda" },
    output: { results: [{ name: "Yoda" }] },
  },
  "call-mcp.yaml": {
    acceptedOnly: "its MCP server is Slack's; call: mcp runs in tests/agents against real servers",
  },
  "call-openapi-redirect.yaml": { output: [{ ...PET, status: "available" }] },
  "call-openapi.yaml": { output: [{ ...PET, status: "available" }] },
  // Underage: the raise, its `then: end` never reached. Of age: the bet is posted as written
  // (`.customer` without ${ } is a plain string in a body).
  "conditional-task.yaml": {
    input: { customer: { age: 16 } },
    error: (error) => {
      assert.ok(error instanceof WorkflowError);
      assert.equal(error.type, "https://superbet-casinos.com/customer/access-forbidden");
      assert.equal(error.status, 400);
      assert.equal(error.instance, "/do/0/raiseErrorIfUnderage");
    },
  },
  "do-multiple.yaml": { input: { petId: 9 }, output: { ...PET, id: 9, status: "sold" } },
  "do-single.yaml": { input: { petId: 10 }, output: { ...PET, id: 10 } },
  "emit.yaml": { runIn: EVENTS_TEST },
  "for.yaml": { acceptedOnly: "each iteration waits for a checkup event from outside" },
  // compete: the nurse answers first (the doctor's host is slow).
  "fork.yaml": {
    input: { patient: { fullName: "Ada" }, room: { number: 3 } },
    output: { alerted: "nurses" },
  },
  "listen-to-all.yaml": { runIn: EVENTS_TEST },
  "listen-to-any-filter.yaml": { runIn: EVENTS_TEST },
  "listen-to-any-forever-foreach.yaml": { runIn: EVENTS_TEST },
  "listen-to-any-until-condition.yaml": { runIn: EVENTS_TEST },
  "listen-to-any-until-consumed.yaml": { runIn: EVENTS_TEST },
  "listen-to-any.yaml": { runIn: EVENTS_TEST },
  "listen-to-one.yaml": { runIn: EVENTS_TEST },
  "mock-service-extension.yaml": { refused: ["use/extensions", /extensions are not run/] },
  "raise-inline.yaml": {
    error: (error) => {
      assert.ok(error instanceof WorkflowError);
      assert.equal(error.type, "https://serverlessworkflow.io/errors/not-implemented");
      assert.equal(error.status, 500);
      assert.equal(error.title, "Not Implemented");
      assert.match(
        error.detail!,
        /The workflow 'raise-not-implemented:0\.1\.0' is a work in progress/,
      );
      assert.equal(error.instance, "/do/0/notImplemented");
    },
  },
  "raise-reusable.yaml": {
    error: (error) => {
      assert.ok(error instanceof WorkflowError);
      assert.equal(error.type, "https://serverlessworkflow.io/errors/not-implemented");
      assert.equal(error.status, 500);
      assert.equal(error.instance, "/do/0/notImplemented");
    },
  },
  "run-container-cleanup-always.yaml": { error: noContainerEngine },
  "run-container-cleanup-eventually.yaml": { error: noContainerEngine },
  "run-container-stdin-and-arguments.yaml": { error: noContainerEngine },
  "run-container-with-name.yaml": { error: noContainerEngine },
  "run-container-with-pull-policy.yaml": { error: noContainerEngine },
  "run-container.yaml": { error: noContainerEngine },
  "run-return-all.yaml": { error: noContainerEngine },
  "run-return-code.yaml": { error: noContainerEngine },
  "run-return-none.yaml": { error: noContainerEngine },
  "run-return-stderr.yaml": { error: noContainerEngine },
  "run-script-with-stdin-and-arguments.yaml": {
    output: "stdin >  Hello Workflow\narg >  hello\nenv >  bar\n",
  },
  "run-shell-stdin-and-arguments.yaml": { output: "STDIN was: Hello World\nARGS are Foo Bar\n" },
  // `customer: .user` has no ${ }: the sub-workflow gets the string itself.
  "run-subflow.yaml": {
    subflows: {
      "register-customer": {
        document: { dsl: "1.0.0", namespace: "test", name: "register-customer", version: "0.1.0" },
        do: [{ register: { set: { registered: "${ .customer }" } } }],
      },
    },
    output: { registered: ".user" },
  },
  "schedule-cron.yaml": { output: null },
  "schedule-event-driven.yaml": {
    input: [{
      data: {
        patient: { id: "p1", name: "Ada", room: { number: 4 }, vitals: { bpm: 38 } },
        timestamp: "t0",
      },
    }],
    output: {
      patientId: "p1",
      patientName: "Ada",
      roomNumber: 4,
      vitals: { heartRate: 38, timestamp: "t0" },
      message: "Alert: Patient's heartbeat is critically low. Immediate attention required.",
    },
  },
  "set-expression.yaml": {
    input: [{ type: "trigger", data: 1 }],
    output: { type: "trigger", data: 1 },
  },
  "set.yaml": { input: [{ type: "trigger" }], output: { startEvent: { type: "trigger" } } },
  "star-wars-homeworld.yaml": { input: { id: 1 }, output: { name: "Tatooine" } },
  "switch-then-string.yaml": {
    input: { orderType: "physical" },
    output: { inventory: "clear", items: 1, address: "Elmer St" },
  },
  "try-catch-retry-inline.yaml": { input: { petId: 503 }, output: { ...PET, id: 503 } },
  "try-catch-retry-reusable.yaml": { input: { petId: 11 }, output: { ...PET, id: 11 } },
  // The 404 is caught: support is notified by an event, and the pet is not bought (export.as
  // and `if` are expressions, so $context.error is set). `set`'s `$error` has no ${ }: a string.
  "try-catch-then.yaml": {
    input: { petId: 404 },
    output: { error: "$error" },
    published: ["io.swagger.petstore.events.pets.not-found.v1"],
  },
  // A 404 is caught: the task outputs its input.
  "try-catch.yaml": { input: { petId: 404 }, output: { petId: 404 } },
  "wait-duration-inline.yaml": { cancelAfterMs: 100 },
  "wait-duration-iso8601.yaml": { cancelAfterMs: 100 },
};

function noContainerEngine(error: Error): void {
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.configuration);
  assert.match(error.message, /docker|podman/);
}

Deno.test("examples: the table names every example of the reference", () => {
  const names = [...Deno.readDirSync(DIR)].map((e) => e.name).sort();
  assert.equal(names.length, 65);
  assert.deepEqual(Object.keys(CASES).sort(), names);
});

Deno.test("examples: each runs as the DSL says, or is refused before it runs", async (t) => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, outside);
  const loopback: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return fetch(
      `http://127.0.0.1:${server.addr.port}/${url.host}${url.pathname}${url.search}`,
      init,
    );
  };
  try {
    for (const [name, c] of Object.entries(CASES)) {
      await t.step(name, async () => {
        const doc = load(name);
        const problems = await validateWorkflowDocument(doc);
        if (c.refused) {
          const [path, words] = c.refused;
          const problem = problems.find((p) => p.path === path);
          assert.ok(
            problem,
            `${name}: expected a problem at ${path}, got ${JSON.stringify(problems)}`,
          );
          assert.match(problem.message, words);
          return;
        }
        assert.deepEqual(problems, []);
        if (c.acceptedOnly) return;
        if (c.runIn) {
          const other = await Deno.readTextFile(new URL(`../../${c.runIn}`, import.meta.url));
          assert.ok(other.includes(`"${name}"`), `${c.runIn} does not run ${name}`);
          return;
        }
        const hooks = recorder(undefined, loopback);
        hooks.loadWorkflow = (ref) => Promise.resolve(c.subflows?.[ref.name]);
        const published: CloudEvent[] = [];
        hooks.eventBus = { publish: (e) => void published.push(e), subscribe: () => () => {} };
        const controller = new AbortController();
        const running = runWorkflow(doc, c.input ?? {}, hooks, {
          signal: controller.signal,
          secrets: c.secrets,
        });
        if (c.cancelAfterMs !== undefined) {
          setTimeout(() => controller.abort(), c.cancelAfterMs);
          assert.ok((await rejection(running)) instanceof WorkflowCancelledError);
          assert.equal(hooks.events[0].type, "task.started");
        } else if (c.error) {
          c.error(await rejection(running));
        } else {
          assert.deepEqual(await running, c.output);
        }
        assert.deepEqual(published.map((e) => e.type), c.published ?? []);
      });
    }
  } finally {
    await server.shutdown();
  }
});

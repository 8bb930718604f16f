// A token for org A never reads or writes org B: every RPC of the resource and
// execution services, called over TLS against a real `stigmer server run`
// with tokens from its tokens file, on the embedded SQLite store.
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { DIAGNOSTICS_TRAILER, GrpcError, Status } from "../../src/rpc/status.ts";
import { Diagnostics, ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { DaemonServiceDefinition } from "../../src/rpc/gen/stigmer/v1/daemon.ts";
import { SecretServiceDefinition } from "../../src/rpc/gen/stigmer/v1/secret.ts";
import { SessionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/session.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { makeTestCerts } from "./tls_certs.ts";
import { createToken, startServer } from "./server_process.ts";

const WORKFLOW_SPEC = JSON.stringify({
  document: { dsl: "1.0.0", namespace: "t", name: "w", version: "0.1.0" },
  do: [{ wait: { wait: { seconds: 30 } } }],
});

async function code(call: Promise<unknown> | AsyncGenerator<unknown>): Promise<number> {
  try {
    if (Symbol.asyncIterator in call) {
      for await (const _ of call) { /* drain */ }
    } else await call;
    return Status.OK;
  } catch (err) {
    if (err instanceof GrpcError) return err.code;
    throw err;
  }
}

Deno.test("a token for org A may use every RPC on A and none on B", async () => {
  const home = await Deno.makeTempDir({ prefix: "stigmer-cloud-" });
  const certs = await makeTestCerts();
  const tokensFile = `${home}/tokens.yaml`;
  const tokenA = await createToken(home, tokensFile, "team-a", ["org-a"]);
  const tokenB = await createToken(home, tokensFile, "team-b", ["org-b"]);
  const server = await startServer({
    home,
    tokensFile,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
  });
  const caCerts = [await Deno.readTextFile(certs.caFile)];
  const channelA = new Channel({ endpoint: server.url, token: tokenA, caCerts });
  const channelB = new Channel({ endpoint: server.url, token: tokenB, caCerts });
  try {
    const resA = makeClient(channelA, ResourceServiceDefinition);
    const exA = makeClient(channelA, ExecutionServiceDefinition);
    const secA = makeClient(channelA, SecretServiceDefinition);
    const sesA = makeClient(channelA, SessionServiceDefinition);
    const resB = makeClient(channelB, ResourceServiceDefinition);
    const exB = makeClient(channelB, ExecutionServiceDefinition);

    const hello = await makeClient(channelA, DaemonServiceDefinition).hello({});
    assertEquals(hello.mode, "server");
    assertEquals(hello.orgs, ["org-a"]);

    // B owns a workflow and a running execution in org-b.
    const applied = await resB.apply({
      org: "org-b",
      project: "p",
      resources: [{ kind: "Workflow", name: "secret-flow", specJson: WORKFLOW_SPEC }],
    });
    assertEquals(applied.results.map((r) => [r.kind, r.name, r.action]), [
      ["Workflow", "secret-flow", "CREATED"],
    ]);
    const workflowB = applied.results[0];
    const runB = await exB.start({ org: "org-b", target: "secret-flow" });

    // A, asking for org-b by name, is refused on every RPC, whatever the target.
    const denied = Status.PERMISSION_DENIED;
    const inB = { org: "org-b" };
    const calls: [string, () => Promise<unknown> | AsyncGenerator<unknown>][] = [
      ["Apply", () =>
        resA.apply({
          ...inB,
          resources: [{ kind: "Workflow", name: "intruder", specJson: WORKFLOW_SPEC }],
        })],
      ["Get", () => resA.get({ ...inB, kind: "Workflow", ref: "secret-flow" })],
      ["Get by id", () => resA.get({ ...inB, kind: "Workflow", ref: workflowB.id })],
      ["List", () => resA.list(inB)],
      ["Delete", () => resA.delete({ ...inB, kind: "Workflow", ref: "secret-flow" })],
      ["Start", () => exA.start({ ...inB, target: "secret-flow" })],
      ["Executions.Get", () => exA.get({ ...inB, id: runB.id })],
      ["Executions.List", () => exA.list(inB)],
      ["Executions.Watch", () => exA.watch({ ...inB, id: runB.id })],
      ["Executions.Cancel", () => exA.cancel({ ...inB, id: runB.id })],
      ["Secrets.Set", () => secA.setSecret({ ...inB, name: "x", value: "intruder" })],
      ["Secrets.List", () => secA.listSecrets(inB)],
      ["Secrets.Delete", () => secA.deleteSecret({ ...inB, name: "x" })],
      ["Sessions.List", () => sesA.listSessions(inB)],
      ["Sessions.Get", () => sesA.getSession({ ...inB, name: "x" })],
      ["Sessions.Delete", () => sesA.deleteSession({ ...inB, name: "x" })],
    ];
    for (const [name, call] of calls) {
      assertEquals(await code(call()), denied, `${name} on org-b with A's token`);
    }

    // Within its own org, A cannot reach B's things by id either.
    assertEquals(
      await code(resA.get({ org: "org-a", kind: "Workflow", ref: workflowB.id })),
      Status.NOT_FOUND,
    );
    assertEquals(await code(exA.get({ org: "org-a", id: runB.id })), Status.NOT_FOUND);
    assertEquals(await code(exA.cancel({ org: "org-a", id: runB.id })), Status.NOT_FOUND);
    assertEquals(await code(exA.watch({ org: "org-a", id: runB.id })), Status.NOT_FOUND);
    assertEquals((await exA.list({ org: "org-a" })).items, []);
    assertEquals((await resA.list({ org: "org-a" })).items, []);

    // The same RPCs work for A in org-a (so the refusals above are about the org).
    await resA.apply({
      org: "org-a",
      resources: [{ kind: "Workflow", name: "own-flow", specJson: WORKFLOW_SPEC }],
    });
    assertEquals(
      (await resA.get({ org: "org-a", kind: "Workflow", ref: "own-flow" })).metadata
        ?.org,
      "org-a",
    );
    assertEquals((await resA.list({ org: "org-a" })).items.length, 1);
    const runA = await exA.start({ org: "org-a", target: "own-flow" });
    assertEquals((await exA.get({ org: "org-a", id: runA.id })).org, "org-a");
    assertEquals((await exA.list({ org: "org-a" })).items.map((e) => e.id), [runA.id]);
    const cancelled = await exA.cancel({ org: "org-a", id: runA.id });
    assert(["CANCELLED", "RUNNING", "PENDING"].includes(cancelled.phase), cancelled.phase);
    const events = [];
    for await (const event of exA.watch({ org: "org-a", id: runA.id })) events.push(event.type);
    assertEquals(events.at(-1), "execution.cancelled");
    await resA.delete({ org: "org-a", kind: "Workflow", ref: "own-flow" });

    // A refused batch is an error status naming each problem at the file:line sent,
    // with the same problems as Diagnostics in a trailer; a missing reference is a
    // FAILED_PRECONDITION found in the store's transaction: nothing applied.
    const refusal = async (call: Promise<unknown>) => {
      const err = await call.then(() => undefined, (e) => e);
      assert(err instanceof GrpcError, `expected a gRPC error, got ${err}`);
      const trailer = err.metadata[DIAGNOSTICS_TRAILER];
      assert(trailer, `no ${DIAGNOSTICS_TRAILER} trailer`);
      return { code: err.code, details: err.details, ...Diagnostics.decode(trailer) };
    };
    const missing = await refusal(resA.apply({
      org: "org-a",
      resources: [
        { kind: "Skill", name: "real", specJson: '{"description":"d","content":"c"}' },
        {
          kind: "Agent",
          name: "needy",
          specJson: JSON.stringify({ instructions: "x", skills: ["real", "secret-flow", "none"] }),
          sourceFile: "stigmer/needy.yaml",
          sourceLine: 12,
        },
      ],
    }));
    assertEquals([missing.code, missing.total], [Status.FAILED_PRECONDITION, 2]);
    assertEquals(
      missing.details,
      "a reference names no resource; nothing applied\n" +
        'stigmer/needy.yaml:12: spec.skills[1]: Skill "secret-flow" not found: no Skill of that name in this batch or in organization org-a\n' +
        'stigmer/needy.yaml:12: spec.skills[2]: Skill "none" not found: no Skill of that name in this batch or in organization org-a',
    );
    assertEquals(missing.diagnostics.map((d) => [d.file, d.line, d.path]), [
      ["stigmer/needy.yaml", 12, "spec.skills[1]"],
      ["stigmer/needy.yaml", 12, "spec.skills[2]"],
    ]);
    const invalid = await refusal(resA.apply({
      org: "org-a",
      resources: [{
        kind: "Agent",
        name: "bad",
        specJson: "{}",
        sourceFile: "a.yaml",
        sourceLine: 3,
      }],
    }));
    assertEquals(invalid.code, Status.INVALID_ARGUMENT);
    assertMatch(invalid.details, /a\.yaml:3: spec\.instructions: is missing/);
    assertEquals(invalid.diagnostics.map((d) => d.path), ["spec.instructions"]);
    assertEquals((await resA.list({ org: "org-a" })).items, []);

    // Nothing A tried touched org-b.
    const bItems = (await resB.list({ org: "org-b" })).items;
    assertEquals(bItems.map((r) => r.metadata?.name), ["secret-flow"]);
    assertEquals((await exB.get({ org: "org-b", id: runB.id })).phase, "RUNNING");
    await exB.cancel({ org: "org-b", id: runB.id });
  } finally {
    channelA.close();
    channelB.close();
    await server.stop();
    await Deno.remove(home, { recursive: true });
    await Deno.remove(certs.dir, { recursive: true });
  }
});

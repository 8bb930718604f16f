// Events stay in their organization: on a real `stigmer server run` with tokens for org-a and
// org-b, an event published in org-b never reaches a run listening in org-a (and the same
// type published in org-a does), and A's token may not publish into org-b.
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { GrpcError, Status } from "../../src/rpc/status.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { EventServiceDefinition } from "../../src/rpc/gen/stigmer/v1/event.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { makeTestCerts } from "./tls_certs.ts";
import { createToken, startServer } from "./server_process.ts";

const LISTENER = JSON.stringify({
  document: { dsl: "1.0.0", namespace: "t", name: "l", version: "0.1.0" },
  do: [{ wait: { listen: { to: { one: { with: { type: "com.example.ping" } } } } } }],
});

Deno.test("an event reaches listening runs of its own organization only", async () => {
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
    const evA = makeClient(channelA, EventServiceDefinition);
    const evB = makeClient(channelB, EventServiceDefinition);
    const applied = await resA.apply({
      org: "org-a",
      resources: [{ kind: "Workflow", name: "listener", specJson: LISTENER }],
    });
    assertEquals(applied.results.length > 0, true);
    const run = await exA.start({ org: "org-a", target: "listener" });
    // Wait until the listen task has started (its subscription is then in place).
    const seen: string[] = [];
    const watch = (async () => {
      for await (const event of exA.watch({ org: "org-a", id: run.id })) {
        seen.push(`${event.type} ${event.task}`);
      }
    })();
    const deadline = Date.now() + 30_000;
    while (!seen.includes("task.started do/0/wait")) {
      assert(Date.now() < deadline, `the listen never started: ${seen}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const inB = await evB.emit({ org: "org-b", type: "com.example.ping", source: "urn:b" });
    assertEquals(inB.delivered, 0, "nobody listens in org-b");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assertEquals((await exA.get({ org: "org-a", id: run.id })).phase, "RUNNING");

    let refused = 0;
    try {
      await evA.emit({ org: "org-b", type: "com.example.ping", source: "urn:a" });
    } catch (error) {
      assert(error instanceof GrpcError);
      refused = error.code;
    }
    assertEquals(refused, Status.PERMISSION_DENIED, "A's token may not publish in org-b");

    const inA = await evA.emit({
      org: "org-a",
      type: "com.example.ping",
      source: "urn:a",
      dataJson: '{"from":"a"}',
    });
    assertEquals(inA.delivered, 1);
    await watch;
    assertEquals(seen.at(-1), "execution.completed ");
    const done = await exA.get({ org: "org-a", id: run.id });
    assertEquals(done.phase, "COMPLETED");
    assertEquals(JSON.parse(done.outputJson), [{ from: "a" }]);
  } finally {
    channelA.close();
    channelB.close();
    await server.stop();
    await Deno.remove(home, { recursive: true });
    await Deno.remove(certs.dir, { recursive: true });
  }
});

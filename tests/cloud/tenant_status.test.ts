// On a shared server, Hello and Status tell a tenant about its own
// organizations only: not the server's pid, data directory, memory or the
// executions of other tenants. A token marked `admin: true` in the tokens
// file sees the server-wide figures.
import { parse, stringify } from "yaml";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { DaemonServiceDefinition } from "../../src/rpc/gen/stigmer/v1/daemon.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createToken, startServer } from "./server_process.ts";

const WAITING_SPEC = JSON.stringify({
  document: { dsl: "1.0.0", namespace: "t", name: "w", version: "0.1.0" },
  do: [{ wait: { wait: { seconds: 60 } } }],
});

Deno.test("Hello and Status show a tenant only its own; an admin token sees the server", async () => {
  const home = await Deno.makeTempDir({ prefix: "stigmer-cloud-" });
  const tokensFile = `${home}/tokens.yaml`;
  const tokenA = await createToken(home, tokensFile, "team-a", ["org-a"]);
  const tokenB = await createToken(home, tokensFile, "team-b", ["org-b"]);
  const tokenAdmin = await createToken(home, tokensFile, "ops", ["ops"]);
  // How an operator marks the admin token: `admin: true` on its entry.
  const file = parse(Deno.readTextFileSync(tokensFile)) as { tokens: Record<string, unknown>[] };
  file.tokens.find((t) => t.name === "ops")!.admin = true;
  Deno.writeTextFileSync(tokensFile, stringify(file));

  const server = await startServer({ home, tokensFile });
  const channels = [tokenA, tokenB, tokenAdmin].map((token) =>
    new Channel({ endpoint: server.url, token })
  );
  const [a, b, admin] = channels.map((channel) => ({
    daemon: makeClient(channel, DaemonServiceDefinition),
    resources: makeClient(channel, ResourceServiceDefinition),
    executions: makeClient(channel, ExecutionServiceDefinition),
  }));
  try {
    // A runs one execution, B runs two.
    const runs: { org: string; id: string; client: typeof a }[] = [];
    for (const [client, org, count] of [[a, "org-a", 1], [b, "org-b", 2]] as const) {
      await client.resources.apply({
        org,
        resources: [{ kind: "Workflow", name: "waits", specJson: WAITING_SPEC }],
      });
      for (let i = 0; i < count; i++) {
        runs.push({
          org,
          client,
          id: (await client.executions.start({ org, target: "waits" })).id,
        });
      }
    }

    for (const [client, own] of [[a, 1], [b, 2]] as const) {
      const hello = await client.daemon.hello({});
      assertEquals(hello.mode, "server");
      assertEquals(hello.runningExecutions, own, "Hello counts the tenant's own executions");
      assertEquals(hello.pid, 0, "no pid for a tenant");
      assertEquals(hello.dataDir, "", "no data dir for a tenant");
      const status = await client.daemon.status({});
      assertEquals(status.runningExecutions, own, "Status counts the tenant's own executions");
      assertEquals(status.pid, 0);
      assertEquals(status.dataDir, "");
      assertEquals(status.logPath, "");
      assertEquals(status.rssBytes, 0, "no memory figure for a tenant");
      assert(status.version !== "" && status.uptimeSeconds > 0, "the rest is still there");
    }

    const hello = await admin.daemon.hello({});
    assertEquals(hello.runningExecutions, 3, "the admin sees every execution");
    assert(hello.pid > 0);
    assertEquals(hello.dataDir, `${home}/server-data`);
    const status = await admin.daemon.status({});
    assertEquals(status.runningExecutions, 3);
    assert(status.pid > 0 && status.rssBytes > 0 && status.dataDir !== "");

    for (const run of runs) await run.client.executions.cancel({ org: run.org, id: run.id });
  } finally {
    for (const channel of channels) channel.close();
    await server.stop();
    await Deno.remove(home, { recursive: true });
  }
});

// A shared server refuses run: shell|script|container unless its operator passed
// --allow-local-processes (SPEC §13); the local daemon allows them (tests/executions).
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createToken, startServer } from "./server_process.ts";

const SHELL = JSON.stringify({
  document: { dsl: "1.0.0", namespace: "t", name: "sh", version: "0.1.0" },
  do: [{ hello: { run: { shell: { command: "echo hello" } } } }],
});

async function finished(
  client: ReturnType<typeof makeClient<typeof ExecutionServiceDefinition>>,
  id: string,
) {
  for (;;) {
    const execution = await client.get({ org: "org-a", id });
    if (!["PENDING", "RUNNING"].includes(execution.phase)) return execution;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const allowed of [false, true]) {
  Deno.test(
    `shared server ${allowed ? "with" : "without"} --allow-local-processes: run: shell ${
      allowed ? "runs" : "is refused"
    }`,
    async () => {
      const home = await Deno.makeTempDir({ prefix: "stigmer-cloud-" });
      const tokensFile = `${home}/tokens.yaml`;
      const token = await createToken(home, tokensFile, "team-a", ["org-a"]);
      const server = await startServer({ home, tokensFile, allowLocalProcesses: allowed });
      const channel = new Channel({ endpoint: server.url, token });
      try {
        const applied = await makeClient(channel, ResourceServiceDefinition).apply({
          org: "org-a",
          project: "p",
          resources: [{ kind: "Workflow", name: "sh", specJson: SHELL }],
        });
        assertEquals(
          applied.results.map((r) => r.action),
          ["CREATED"],
          "apply does not refuse it: the server decides at run",
        );
        const executions = makeClient(channel, ExecutionServiceDefinition);
        const started = await executions.start({ org: "org-a", target: "sh" });
        const execution = await finished(executions, started.id);
        if (allowed) {
          assertEquals(execution.phase, "COMPLETED");
        } else {
          assertEquals(execution.phase, "FAILED");
          assert(
            execution.error.includes("stigmer server run --allow-local-processes"),
            execution.error,
          );
        }
      } finally {
        channel.close();
        await server.stop();
        await Deno.remove(home, { recursive: true });
      }
    },
  );
}

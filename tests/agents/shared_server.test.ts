// A shared server (`stigmer server run`) refuses stdio MCP servers unless it was
// started with --allow-local-processes (SPEC §13): the run fails saying so.
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { assertEquals } from "../helpers/assert.ts";
import { assertIncludes, waitUntil } from "../executions/helpers.ts";
import { createToken, startServer } from "../cloud/server_process.ts";
import { FILESYSTEM_SERVER } from "./helpers.ts";

Deno.test("a shared server without --allow-local-processes refuses an agent's stdio MCP server", async () => {
  const home = await Deno.makeTempDir({ prefix: "stigmer-cloud-" });
  const tokensFile = `${home}/tokens.yaml`;
  const token = await createToken(home, tokensFile, "team", ["acme"]);
  const server = await startServer({ home, tokensFile });
  const channel = new Channel({ endpoint: server.url, token });
  try {
    const resources = makeClient(channel, ResourceServiceDefinition);
    const executions = makeClient(channel, ExecutionServiceDefinition);
    const applied = await resources.apply({
      org: "acme",
      project: "p",
      resources: [{
        kind: "Agent",
        name: "local-tools",
        specJson: JSON.stringify({
          instructions: "Use files.",
          mcpServers: [{
            name: "files",
            stdio: { command: "npx", args: ["-y", FILESYSTEM_SERVER, home] },
          }],
        }),
      }],
    });
    assertEquals(applied.results.length > 0, true);
    const started = await executions.start({ org: "acme", target: "local-tools", message: "hi" });
    const ended = await waitUntil("the run to end", async () => {
      const e = await executions.get({ org: "acme", id: started.id });
      return e.phase !== "RUNNING" && e.phase !== "PENDING" && e;
    }, 60_000);
    assertEquals(ended.phase, "FAILED", JSON.stringify(ended));
    assertIncludes(ended.error, 'refuses the stdio MCP server "files"');
    assertIncludes(ended.error, "--allow-local-processes");
  } finally {
    channel.close();
    await server.stop();
    await Deno.remove(home, { recursive: true });
  }
});

// Only the local daemon serves the run viewer: a shared server (`stigmer server run`) answers
// OpenViewer with UNIMPLEMENTED, even to an admin token, and opens no port for it.
import { parse, stringify } from "yaml";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { DaemonServiceDefinition } from "../../src/rpc/gen/stigmer/v1/daemon.ts";
import { GrpcError, Status } from "../../src/rpc/status.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { createToken, startServer } from "../cloud/server_process.ts";

Deno.test("viewer: a shared server does not serve it (OpenViewer is UNIMPLEMENTED)", async () => {
  const home = await Deno.makeTempDir({ prefix: "stigmer-viewer-shared-" });
  const tokensFile = `${home}/tokens.yaml`;
  const token = await createToken(home, tokensFile, "ops", ["ops"]);
  const file = parse(Deno.readTextFileSync(tokensFile)) as { tokens: Record<string, unknown>[] };
  file.tokens[0].admin = true;
  Deno.writeTextFileSync(tokensFile, stringify(file));
  const server = await startServer({ home, tokensFile });
  const channel = new Channel({ endpoint: server.url, token });
  try {
    const daemon = makeClient(channel, DaemonServiceDefinition);
    assertEquals((await daemon.hello({})).mode, "server");
    const err = await assertRejects(() => daemon.openViewer({}), GrpcError);
    assertEquals((err as GrpcError).code, Status.UNIMPLEMENTED);
    assert((err as GrpcError).details.includes("local daemon only"), (err as GrpcError).details);
    assert(!server.log().includes("run viewer"), server.log());
  } finally {
    channel.close();
    await server.stop();
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
});

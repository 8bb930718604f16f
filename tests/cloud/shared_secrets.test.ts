// Secrets on a shared server (SPEC §11): `stigmer login`, then `secret set|list|delete`
// through SecretService into the server's store, encrypted under its key file
// (0600). Organization B's token can neither list nor use A's secrets; a workflow
// run on the server gets the value through `$secrets`, and the value is found
// nowhere in clear: not in any output, the server's log or its data dir files.
import { type CliResult, makeTestHome, type TestHome } from "../helpers/cli.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, assertNoStackTrace } from "../cli/helpers.ts";
import { denoCacheDir } from "../../src/config/environment.ts";
import { ndjson, workflowManifest } from "../executions/helpers.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { makeTestCerts } from "./tls_certs.ts";
import { createToken, type ServerProcess, startServer } from "./server_process.ts";
import { startPgCluster } from "./pg_cluster.ts";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { SecretServiceDefinition } from "../../src/rpc/gen/stigmer/v1/secret.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { GrpcError, Status } from "../../src/rpc/status.ts";
import { filesContaining } from "../helpers/files.ts";

const VALUE = `sk-shared-${crypto.randomUUID()}`;

Deno.test("shared server: secrets per organization, encrypted, used by $secrets, never in clear", async () => {
  const server = await makeTestHome("");
  const homeA = await makeTestHome("");
  const homeB = await makeTestHome("");
  const certs = await makeTestCerts();
  const tokensFile = `${server.home}/tokens.yaml`;
  const dataDir = `${server.home}/server-data`;
  const tokenA = await createToken(server.home, tokensFile, "ci-acme", ["acme"]);
  const tokenB = await createToken(server.home, tokensFile, "ci-globex", ["globex"]);
  const process = await startServer({
    home: server.home,
    tokensFile,
    dataDir,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
  });
  const outputs: string[] = [];
  const cli = async (home: TestHome, args: string[], stdin?: string): Promise<CliResult> => {
    const result = await home.run(args, { stdin, env: { DENO_DIR: denoCacheDir() } });
    assertNoStackTrace(result, `stigmer ${args.join(" ")}`);
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  try {
    for (const [home, token] of [[homeA, tokenA], [homeB, tokenB]] as const) {
      const login = await cli(home, [
        "login",
        "--endpoint",
        process.url,
        "--ca-file",
        certs.caFile,
        "--token-stdin",
      ], `${token}\n`);
      assertExit(login, 0, "login");
    }

    const set = await cli(homeA, ["secret", "set", "api_token", "--from-stdin"], VALUE);
    assertExit(set, 0, "secret set in cloud mode");
    assertMatch(set.stderr, /secret api_token created/);
    const again = await cli(homeA, ["secret", "set", "api_token", "--from-stdin"], VALUE);
    assertExit(again, 0, "secret set again");
    assertMatch(again.stderr, /secret api_token updated/);
    // Kept in the server's store, not in the CLI's home: encrypted under a key file (0600).
    assertEquals((await Deno.stat(`${dataDir}/secrets.key`)).mode! & 0o777, 0o600);
    const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
    assert(!await exists(`${dataDir}/secrets`), "a vault file beside the store");
    assert(!await exists(`${homeA.home}/data/secrets`), "the secret went to the CLI's home");
    const store = SqliteStore.open(`${dataDir}/stigmer.db`);
    try {
      const sealed = await store.getSecret("acme", "api_token");
      assert(sealed && sealed.data.length > 0, "no row in the store");
      assert(!sealed.data.includes(VALUE) && !atob(sealed.data).includes(VALUE));
      assertEquals(await store.listSecrets("globex"), []);
    } finally {
      await store.close();
    }

    const list = await cli(homeA, ["secret", "list", "--json"]);
    assertExit(list, 0, "secret list");
    const listed = JSON.parse(list.stdout) as { name: string; createdAt: string }[];
    assertEquals(listed.map((s) => s.name), ["api_token"]);
    assert(listed[0].createdAt, list.stdout);

    // Organization B sees none of A's secrets, cannot delete them, cannot name A's org.
    const listB = await cli(homeB, ["secret", "list", "--json"]);
    assertExit(listB, 0, "secret list for B");
    assertEquals(JSON.parse(listB.stdout), []);
    const deleteB = await cli(homeB, ["secret", "delete", "api_token"]);
    assertExit(deleteB, 1, "B deletes A's secret");
    assertMatch(deleteB.stderr, /secret api_token not found/);
    const asAcme = await homeB.run(["secret", "list"], {
      env: { DENO_DIR: denoCacheDir(), STIGMER_ORG: "acme" },
    });
    outputs.push(asAcme.stdout, asAcme.stderr);
    assertExit(asAcme, 1, "B's token naming A's organization");
    assertMatch(asAcme.stderr, /may not use organization "acme"/);

    // A workflow on the shared server gets the value through $secrets (hidden in its output).
    const flow = workflowManifest(
      "usesecret",
      `
    - use:
        set:
          said: \${ "token is " + $secrets.api_token }
          length: \${ $secrets.api_token | length }
`,
    );
    for (const home of [homeA, homeB]) {
      const project = await Deno.makeTempDir({ dir: home.home });
      await Deno.writeTextFile(
        `${project}/Stigmer.yaml`,
        "name: demo\nresources: ['stigmer/*.yaml']\n",
      );
      await Deno.mkdir(`${project}/stigmer`);
      await Deno.writeTextFile(`${project}/stigmer/flow.yaml`, flow);
      assertExit(await cli(home, ["apply", "--dir", project]), 0, "apply");
    }
    const run = await cli(homeA, ["run", "usesecret", "--json"]);
    assertExit(run, 0, "run usesecret in org A");
    assertEquals(ndjson(run.stdout).at(-1)!.data, { said: "token is ***", length: VALUE.length });
    // B's run of the same workflow has no api_token: the expression fails, nothing leaks.
    const runB = await cli(homeB, ["run", "usesecret", "--json"]);
    // (Not a search for the length's digits in the whole output: times and ids hold them too.)
    assert(!runB.stdout.includes(VALUE) && !runB.stderr.includes(VALUE), "B's run shows A's value");
    assert(
      !JSON.stringify(ndjson(runB.stdout).at(-1) ?? {}).includes(`"length":${VALUE.length}`),
      runB.stdout,
    );

    const del = await cli(homeA, ["secret", "delete", "api_token"]);
    assertExit(del, 0, "secret delete");
    const empty = await cli(homeA, ["secret", "list", "--json"]);
    assertEquals(JSON.parse(empty.stdout), []);
    const gone = await cli(homeA, ["secret", "delete", "api_token"]);
    assertExit(gone, 1, "delete of a deleted secret");

    // Nowhere in clear: every output, the server's log, every file of every home.
    for (const [i, text] of outputs.entries()) {
      assert(!text.includes(VALUE), `output #${i} shows the secret:\n${text}`);
    }
    assert(!process.log().includes(VALUE), "the server's log shows the secret");
    for (const home of [server, homeA, homeB]) {
      assertEquals(await filesContaining(home.home, VALUE), []);
    }
  } catch (err) {
    console.error(`--- server log\n${process.log()}`);
    throw err;
  } finally {
    await process.stop();
    for (const home of [server, homeA, homeB]) await home.cleanup();
    await Deno.remove(certs.dir, { recursive: true });
  }
});

Deno.test("shared servers on one PostgreSQL database: a secret set through one is used by a run on the other", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "stigmer-shared-secrets-pg-" });
  const cluster = await startPgCluster();
  const servers: ServerProcess[] = [];
  const channels: Channel[] = [];
  try {
    const url = await cluster.createDatabase("shared_secrets");
    const tokensFile = `${tmp}/tokens.yaml`;
    const tokenA = await createToken(tmp, tokensFile, "ci-acme", ["acme"]);
    const tokenB = await createToken(tmp, tokensFile, "ci-globex", ["globex"]);
    // One data dir, so one key file, as servers behind one database must share.
    servers.push(
      ...await Promise.all([0, 1].map(() => startServer({ home: tmp, tokensFile, database: url }))),
    );
    const endpoint = (i: number) => `http://127.0.0.1:${servers[i].port}`;
    const one = new Channel({ endpoint: endpoint(0), token: tokenA });
    const two = new Channel({ endpoint: endpoint(1), token: tokenA });
    const other = new Channel({ endpoint: endpoint(1), token: tokenB });
    channels.push(one, two, other);

    const set = await makeClient(one, SecretServiceDefinition).setSecret({
      org: "acme",
      name: "api_token",
      value: VALUE,
    });
    assertEquals(set.outcome, "created");
    assertEquals(
      (await makeClient(two, SecretServiceDefinition).listSecrets({ org: "acme" })).secrets
        .map((s) => s.name),
      ["api_token"],
    );
    // B's token: its own organization is empty, A's is refused.
    const secretsB = makeClient(other, SecretServiceDefinition);
    assertEquals((await secretsB.listSecrets({ org: "globex" })).secrets, []);
    const refused = await secretsB.listSecrets({ org: "acme" }).then(() => undefined, (e) => e);
    assert(refused instanceof GrpcError && refused.code === Status.PERMISSION_DENIED, refused);

    await makeClient(one, ResourceServiceDefinition).apply({
      org: "acme",
      resources: [{
        kind: "Workflow",
        name: "usesecret",
        specJson: JSON.stringify({
          document: { dsl: "1.0.0", namespace: "tests", name: "usesecret", version: "0.1.0" },
          do: [{ use: { set: { length: "${ $secrets.api_token | length }" } } }],
        }),
      }],
    });
    const executions = makeClient(two, ExecutionServiceDefinition);
    const { id } = await executions.start({
      org: "acme",
      target: "usesecret",
      targetKind: "",
      inputJson: "{}",
      message: "",
      session: "",
    });
    let execution = await executions.get({ org: "acme", id });
    while (execution.phase === "RUNNING" || execution.phase === "PENDING") {
      await new Promise((resolve) => setTimeout(resolve, 200));
      execution = await executions.get({ org: "acme", id });
    }
    assertEquals(execution.phase, "COMPLETED", JSON.stringify(execution));
    assertEquals(JSON.parse(execution.outputJson), { length: VALUE.length });

    const dump = new TextDecoder().decode(
      (await new Deno.Command("pg_dump", { args: ["--dbname", url], stdout: "piped" }).output())
        .stdout,
    );
    assert(dump.includes("api_token"), "pg_dump shows no secrets table row");
    assert(!dump.includes(VALUE), "the database holds the secret in clear");
    for (const server of servers) assert(!server.log().includes(VALUE), server.log());
    assertEquals(await filesContaining(tmp, VALUE), []);
  } catch (err) {
    for (const [i, server] of servers.entries()) console.error(`--- server ${i}\n${server.log()}`);
    throw err;
  } finally {
    for (const ch of channels) ch.close();
    for (const server of servers) await server.stop();
    await cluster.destroy();
    await Deno.remove(tmp, { recursive: true });
  }
});

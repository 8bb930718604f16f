// Sessions on a shared server (SPEC §10): `run AGENT --session NAME` through
// `stigmer login` continues a conversation the server keeps per organization;
// `sessions list|get|delete` use SessionService; another organization's token
// sees none of them. Real `server run` over TLS, real CLI; a scripted model.
import { type CliResult, makeTestHome, type TestHome } from "../helpers/cli.ts";
import { assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, assertNoStackTrace } from "../cli/helpers.ts";
import { denoCacheDir } from "../../src/config/environment.ts";
import { localConfig } from "../executions/helpers.ts";
import { startScriptedModel } from "../helpers/scripted_model.ts";
import { agentManifest } from "../agents/helpers.ts";
import { makeTestCerts } from "./tls_certs.ts";
import { createToken, startServer } from "./server_process.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";

Deno.test("shared server: a session continues across runs; sessions list, get, delete per organization", async () => {
  const model = startScriptedModel((messages) => {
    const said = messages.filter((m) => m.role === "user").map((m) => m.content);
    const name = said.map((s) => /my name is (\w+)/i.exec(s)?.[1]).find(Boolean);
    return { text: `${said.length} message(s) so far; your name: ${name ?? "unknown"}` };
  });
  const server = await makeTestHome(localConfig({ llm: { base_url: model.url } }));
  const homeA = await makeTestHome("");
  const homeB = await makeTestHome("");
  const certs = await makeTestCerts();
  const tokensFile = `${server.home}/tokens.yaml`;
  const tokenA = await createToken(server.home, tokensFile, "ci-acme", ["acme"]);
  const tokenB = await createToken(server.home, tokensFile, "ci-globex", ["globex"]);
  const process = await startServer({
    home: server.home,
    tokensFile,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
  });
  const cli = async (home: TestHome, args: string[], stdin?: string): Promise<CliResult> => {
    const result = await home.run(args, { stdin, env: { DENO_DIR: denoCacheDir() } });
    assertNoStackTrace(result, `stigmer ${args.join(" ")}`);
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
      const project = await Deno.makeTempDir({ dir: home.home });
      await Deno.writeTextFile(
        `${project}/Stigmer.yaml`,
        "name: demo\nresources: ['stigmer/*.yaml']\n",
      );
      await Deno.mkdir(`${project}/stigmer`);
      await Deno.writeTextFile(
        `${project}/stigmer/agent.yaml`,
        agentManifest("friend", "instructions: Remember what the user says."),
      );
      assertExit(await cli(home, ["apply", "--dir", project]), 0, "apply");
    }

    const first = await cli(homeA, ["run", "friend", "-m", "My name is Ada", "--session", "chat"]);
    assertExit(first, 0, "first run in session chat");
    assertEquals(JSON.parse(first.stdout).message, "1 message(s) so far; your name: Ada");
    const second = await cli(homeA, ["run", "friend", "-m", "Who am I?", "--session", "chat"]);
    assertExit(second, 0, "second run in session chat");
    assertEquals(JSON.parse(second.stdout).message, "2 message(s) so far; your name: Ada");

    const list = await cli(homeA, ["sessions", "list", "--json"]);
    assertExit(list, 0, "sessions list");
    const sessions = JSON.parse(list.stdout);
    assertEquals(
      sessions.map((
        s: { name: string; agent: string; messages: number },
      ) => [s.name, s.agent, s.messages]),
      [["chat", "friend", 4]],
    );
    const get = await cli(homeA, ["sessions", "get", "chat"]);
    assertExit(get, 0, "sessions get");
    assertMatch(get.stdout, /user: My name is Ada/);
    assertMatch(get.stdout, /agent: 2 message\(s\) so far; your name: Ada/);
    const json = await cli(homeA, ["sessions", "get", "chat", "--json"]);
    assertEquals(JSON.parse(json.stdout).executions.length, 2);
    // Kept in the server's store (shared by every server on one database), per organization.
    const store = SqliteStore.open(`${server.home}/server-data/stigmer.db`);
    try {
      assertEquals((await store.getSession("acme", "chat"))?.messages.length, 4);
      assertEquals(await store.listSessions("globex"), []);
    } finally {
      await store.close();
    }

    // Organization B: none of A's sessions, and its own "chat" is a new conversation.
    const listB = await cli(homeB, ["sessions", "list", "--json"]);
    assertExit(listB, 0, "sessions list for B");
    assertEquals(JSON.parse(listB.stdout), []);
    const getB = await cli(homeB, ["sessions", "get", "chat"]);
    assertExit(getB, 1, "B gets A's session");
    assertMatch(getB.stderr, /session chat not found/);
    const deleteB = await cli(homeB, ["sessions", "delete", "chat"]);
    assertExit(deleteB, 1, "B deletes A's session");
    const runB = await cli(homeB, ["run", "friend", "-m", "Who am I?", "--session", "chat"]);
    assertExit(runB, 0, "B's run in its own session chat");
    assertEquals(JSON.parse(runB.stdout).message, "1 message(s) so far; your name: unknown");

    const del = await cli(homeA, ["sessions", "delete", "chat"]);
    assertExit(del, 0, "sessions delete");
    const gone = await cli(homeA, ["sessions", "get", "chat"]);
    assertExit(gone, 1, "sessions get of a deleted session");
    assertMatch(gone.stderr, /session chat not found/);
    const stillB = await cli(homeB, ["sessions", "list", "--json"]);
    assertEquals(JSON.parse(stillB.stdout).map((s: { name: string }) => s.name), ["chat"]);
  } catch (err) {
    console.error(`--- server log\n${process.log()}`);
    throw err;
  } finally {
    await process.stop();
    for (const home of [server, homeA, homeB]) await home.cleanup();
    await Deno.remove(certs.dir, { recursive: true });
    await model.close();
  }
});

// MCP servers live exactly as long as their run: cancelled mid tool call, or
// left by a SIGKILLed daemon and stopped by the next one; and a streamable HTTP
// server. Real CLI, daemon, MCP client and @modelcontextprotocol/server-everything.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  alive,
  applyProject,
  assertExit,
  closedPort,
  daemonPid,
  executionHome,
  getExecution,
  localConfig,
  ndjson,
  sleep,
  spawnCli,
  waitUntil,
  writeProject,
} from "../executions/helpers.ts";
import { startScriptedModel, toolResults } from "../helpers/scripted_model.ts";
import {
  agentManifest,
  assertNoneLeft,
  EVERYTHING_SERVER,
  processes,
  recordedGroups,
} from "./helpers.ts";

const SLOW_AGENT = agentManifest(
  "slow",
  `
instructions: Run long operations.
mcpServers:
  - name: everything
    stdio: {command: npx, args: ["-y", "${EVERYTHING_SERVER}"]}
    enabledTools: [trigger-long-running-operation]
`,
);

/** A model that starts a one-minute tool call, then answers. */
function slowModel() {
  return startScriptedModel((messages) =>
    toolResults(messages).length === 0
      ? {
        toolCalls: [{
          name: "trigger-long-running-operation",
          arguments: { duration: 60, steps: 60 },
        }],
      }
      : { text: "done" }
  );
}

/** Starts the slow agent and waits until its tool call is under way; returns its id and groups. */
async function startSlowRun(home: Awaited<ReturnType<typeof executionHome>>, model: {
  requests: unknown[];
}) {
  const live = spawnCli(home, ["run", "slow", "-m", "go"]);
  const id = (await live.waitFor(/Started (aex-[0-9a-z]+)/, 60_000))[1];
  await waitUntil("the model to ask for the tool", () => model.requests.length === 1, 120_000);
  const groups = await waitUntil(
    "the MCP server's process group to be recorded",
    () => recordedGroups(home.dataDir).length > 0 && recordedGroups(home.dataDir),
    60_000,
  );
  await sleep(1000); // the call is now in flight
  const members = processes().filter((p) => groups.includes(p.pgid));
  assert(members.length > 0, "the MCP server should be running during the call");
  return { live, id, groups };
}

Deno.test("cancel during a long tool call stops the call, the loop and the MCP server's whole group", async () => {
  const model = slowModel();
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const dir = await writeProject(home, "slow", { "agent.yaml": SLOW_AGENT });
    await applyProject(home, dir);
    const { live, id, groups } = await startSlowRun(home, model);

    const cancel = await home.run(["executions", "cancel", id]);
    assertExit(cancel, 0, "stigmer executions cancel");
    const ended = await live.result();
    assertEquals(ended.code, 1, ended.stderr);
    const stored = await getExecution(home, id);
    assertEquals(stored.phase, "CANCELLED");
    assertEquals(model.requests.length, 1, "the loop stopped: no further model request");
    await assertNoneLeft({ groups });
  } finally {
    await home.cleanup();
    await model.close();
  }
});

Deno.test("after a daemon SIGKILL mid-run, the next command stops the MCP servers it left", async () => {
  const model = slowModel();
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const dir = await writeProject(home, "slow", { "agent.yaml": SLOW_AGENT });
    await applyProject(home, dir);
    const { live, groups } = await startSlowRun(home, model);

    // The follower would reconnect (and so start the next daemon at once): it goes first.
    live.child.kill("SIGKILL");
    await live.result();
    const pid = daemonPid(home)!;
    Deno.kill(pid, "SIGKILL");
    await waitUntil("the killed daemon to be gone", () => !alive(pid));
    // The servers outlived the daemon (their own process group): this test can fail.
    assert(
      processes().some((p) => groups.includes(p.pgid)),
      "the MCP server should still run after the daemon's SIGKILL",
    );

    // The next command starts a daemon, which stops them first (and resumes the run, whose
    // tool call in flight starts a server of its own: a new group, recorded anew).
    const list = await home.run(["executions", "list"]);
    assertExit(list, 0, "stigmer executions list");
    await assertNoneLeft({ groups });
    assert(!recordedGroups(home.dataDir).some((g) => groups.includes(g)), "old groups forgotten");
    // The resumed run's tool call starts its server again; stopping the daemon stops it too.
    const resumedGroups = await waitUntil(
      "the resumed run's MCP server to be recorded",
      () => recordedGroups(home.dataDir).length > 0 && recordedGroups(home.dataDir),
      60_000,
    );
    assertExit(await home.run(["server", "stop"]), 0, "stigmer server stop");
    await assertNoneLeft({ groups: resumedGroups });
    // The next start forgets groups that are gone (the stopped run was INTERRUPTED: no resume).
    assertExit(await home.run(["server", "start"]), 0, "stigmer server start");
    await waitUntil("the record to be empty", () => recordedGroups(home.dataDir).length === 0);
  } finally {
    await home.cleanup();
    await model.close();
  }
});

Deno.test("a streamable HTTP MCP server: its tool is called and its result read", async () => {
  const port = closedPort();
  const server = new Deno.Command("npx", {
    args: ["-y", EVERYTHING_SERVER, "streamableHttp"],
    env: { PORT: String(port) },
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  const model = startScriptedModel((messages) => {
    const results = toolResults(messages);
    return results.length === 0
      ? { toolCalls: [{ name: "get-sum", arguments: { a: 19, b: 23 } }] }
      : { text: `The server says: ${results[0]}` };
  });
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    await waitUntil(
      "the HTTP MCP server to listen",
      async () => {
        try {
          const conn = await Deno.connect({ hostname: "127.0.0.1", port });
          conn.close();
          return true;
        } catch {
          return false;
        }
      },
      120_000,
      200,
    );
    const dir = await writeProject(home, "remote", {
      "mcp.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: McpServer
metadata:
  name: everything
spec:
  http: {url: "http://127.0.0.1:${port}/mcp"}
  enabledTools: [get-sum, echo]
`,
      "agent.yaml": agentManifest(
        "adder",
        `
instructions: Add numbers with your tools.
mcpServers: [everything]
`,
      ),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "adder", "-m", "19 + 23?", "--json"]);
    assertExit(run, 0, "stigmer run adder");
    assertEquals(model.requests[0].tools.sort(), ["echo", "get-sum"]);
    const completed = ndjson(run.stdout).find((e) => e.type === "tool.call.completed");
    assert(completed, run.stdout);
    assert(String((completed.data as { result: string }).result).includes("42"), run.stdout);
  } finally {
    await home.cleanup();
    await model.close();
    try {
      Deno.kill(-server.pid, "SIGKILL");
    } catch { /* already gone */ }
    await server.status;
  }
});

Deno.test("an MCP server that dies mid-call: a failed tool call the model reads; the run goes on", async () => {
  const model = startScriptedModel((messages) =>
    toolResults(messages).length === 0
      ? {
        toolCalls: [{
          name: "trigger-long-running-operation",
          arguments: { duration: 60, steps: 60 },
        }],
      }
      : { text: `The tool said: ${toolResults(messages)[0].slice(0, 300)}` }
  );
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const dir = await writeProject(home, "slow", { "agent.yaml": SLOW_AGENT });
    await applyProject(home, dir);
    const { live, id, groups } = await startSlowRun(home, model);
    // The server itself (node, under npx's sh): killed as a crash would end it.
    const server = processes().filter((p) =>
      groups.includes(p.pgid) && p.pid !== p.pgid && /node/.test(p.args)
    );
    assert(server.length > 0, JSON.stringify(processes().filter((p) => groups.includes(p.pgid))));
    for (const p of server) Deno.kill(p.pid, "SIGKILL");

    const ended = await live.result();
    assertEquals(ended.code, 0, ended.stderr);
    const stored = await getExecution(home, id);
    assertEquals(stored.phase, "COMPLETED");
    assertEquals(model.requests.length, 2);
    const told = toolResults(model.requests[1].messages)[0];
    assert(/MCP server "everything" failed/.test(told), told);
    assert(/⚙ trigger-long-running-operation/.test(ended.stderr), ended.stderr);
    await assertNoneLeft({ groups });
  } finally {
    await home.cleanup();
    await model.close();
  }
});

Deno.test("a tool call past its timeout fails, the model is told, the run goes on", async () => {
  const model = startScriptedModel((messages) =>
    toolResults(messages).length === 0
      ? {
        toolCalls: [{
          name: "trigger-long-running-operation",
          arguments: { duration: 60, steps: 60 },
        }],
      }
      : { text: `The tool said: ${toolResults(messages)[0].slice(0, 300)}` }
  );
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  home.env.STIGMER_AGENT_TOOL_TIMEOUT = "3s";
  try {
    const dir = await writeProject(home, "slow", { "agent.yaml": SLOW_AGENT });
    await applyProject(home, dir);
    const run = await home.run(["run", "slow", "-m", "go", "--json"]);
    assertExit(run, 0, "stigmer run slow with a 3s tool timeout");
    const failed = ndjson(run.stdout).find((e) => e.type === "tool.call.failed");
    assert(failed, run.stdout);
    const data = failed.data as { error: string };
    assert(/timed out|timeout/i.test(data.error), data.error);
    assert(/timed out|timeout/i.test(toolResults(model.requests[1].messages)[0]));
    await assertNoneLeft({ argsInclude: EVERYTHING_SERVER });
  } finally {
    await home.cleanup();
    await model.close();
  }
});

// Durable agent runs (issue 13): the real CLI and daemon, a real stdio MCP server that
// writes each tool invocation to a file, and the scripted model asking for tool_a, then
// tool_b (which hangs on its first call, until the test SIGKILLs the daemon), then
// answering. The next command starts a daemon that resumes the run from its checkpoints:
// tool_a, completed before the kill, is not called again.
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  alive,
  applyProject,
  assertExit,
  assertIncludes,
  daemonPid,
  executionHome,
  getExecution,
  localConfig,
  spawnCli,
  startedId,
  waitUntil,
  workflowManifest,
  writeProject,
} from "../executions/helpers.ts";
import { startScriptedModel, toolResults } from "../helpers/scripted_model.ts";
import { agentManifest, assertNoneLeft } from "./helpers.ts";

// A minimal MCP server over stdio (newline-delimited JSON-RPC): two tools that append
// their name to a log file; tool_b never answers its first call. Hand-written: the
// reference servers cannot count their invocations.
const COUNTING_SERVER = `
const fs = require("node:fs");
const log = process.argv[2];
const readline = require("node:readline");
const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
const calls = (name) =>
  (fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "").split("\\n").filter((l) => l === name).length;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined) return;
  const reply = (result) => send({ jsonrpc: "2.0", id: msg.id, result });
  if (msg.method === "initialize") {
    return reply({
      protocolVersion: msg.params.protocolVersion,
      capabilities: { tools: {} },
      serverInfo: { name: "counting", version: "1.0.0" },
    });
  }
  if (msg.method === "tools/list") {
    const tool = (name) => ({ name, description: "counts its calls", inputSchema: { type: "object", properties: {} } });
    return reply({ tools: [tool("tool_a"), tool("tool_b")] });
  }
  if (msg.method === "tools/call") {
    const name = msg.params.name;
    const before = calls(name);
    fs.appendFileSync(log, name + "\\n");
    if (name === "tool_b" && before === 0) return; // in flight until the daemon dies
    return reply({ content: [{ type: "text", text: name + " result " + (before + 1) }] });
  }
  if (msg.method === "ping") return reply({});
  send({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "no method " + msg.method } });
});
`;

function counts(log: string): Record<string, number> {
  let text = "";
  try {
    text = Deno.readTextFileSync(log);
  } catch {
    // not written yet
  }
  const lines = text.split("\n").filter((l) => l !== "");
  return {
    tool_a: lines.filter((l) => l === "tool_a").length,
    tool_b: lines.filter((l) => l === "tool_b").length,
  };
}

/** Whether a tool result of this run is in its checkpoints (read from the daemon's store). */
function toolRecorded(dataDir: string, id: string): boolean {
  const db = new DatabaseSync(`${dataDir}/stigmer.db`, { readOnly: true });
  try {
    return db.prepare(
      "SELECT 1 FROM execution_checkpoints WHERE execution_id = ? AND key LIKE 'agent/%/tool/%'",
    ).get(id) !== undefined;
  } finally {
    db.close();
  }
}

interface Case {
  /** What `stigmer run` starts. */
  target: string;
  /** The project's other manifests. */
  files: Record<string, string>;
  /** The run's output. */
  output: unknown;
  /** The task execution.resumed names, and its message. */
  resumedAt: [string, string];
  /** The prefix of the agent's checkpoint keys. */
  prefix: string;
  /** The model asks for both tools in one step (tool_a's result is recorded, its step not). */
  parallel?: boolean;
  /** How many tool results the model saw, request by request. */
  requests?: number[];
  /** The steps recorded. */
  steps?: number[];
  /** `run --session NAME`: the resumed run saves its conversation back to it. */
  session?: string;
}

async function interruptedRun(c: Case): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stigmer-agent-durable-" });
  const script = `${dir}/counting-mcp-server.cjs`;
  const log = `${dir}/calls.log`;
  await Deno.writeTextFile(script, COUNTING_SERVER);
  const model = startScriptedModel((messages) => {
    const results = toolResults(messages);
    if (results.length === 0 && c.parallel) {
      return { toolCalls: [{ name: "tool_a", arguments: {} }, { name: "tool_b", arguments: {} }] };
    }
    if (results.length === 0) return { toolCalls: [{ name: "tool_a", arguments: {} }] };
    if (results.length === 1) return { toolCalls: [{ name: "tool_b", arguments: {} }] };
    return { text: `done: ${results.join(" | ")}` };
  });
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const project = await writeProject(home, "durable-agent", {
      "agent.yaml": agentManifest(
        "counter",
        `
instructions: Call tool_a, then tool_b, then answer.
mcpServers:
  - name: counting
    stdio:
      command: node
      args: ["${script}", "${log}"]
`,
      ),
      ...c.files,
    });
    await applyProject(home, project);

    const live = spawnCli(home, [
      "run",
      c.target,
      ...(c.target === "counter" ? ["-m", "go"] : []),
      ...(c.session ? ["--session", c.session] : []),
    ]);
    await live.waitFor(/Started (aex|wex)-/);
    const id = startedId(live.stderr)!;
    // tool_a completed, tool_b in flight: the daemon dies now.
    await waitUntil("tool_b to be called", () => counts(log).tool_b === 1, 60_000);
    assertEquals(counts(log), { tool_a: 1, tool_b: 1 });
    // In one step, tool_b may start before tool_a's result is recorded: wait for the record.
    await waitUntil("tool_a's result to be recorded", () => toolRecorded(home.dataDir, id), 60_000);
    const pid = daemonPid(home);
    assert(pid, "no daemon.json");
    Deno.kill(pid, "SIGKILL");
    await waitUntil("the killed daemon to be gone", () => !alive(pid));

    // The next command starts a daemon, which resumes the run.
    assertExit(await home.run(["executions", "list"]), 0, "stigmer executions list");
    await waitUntil(
      `${id} to end`,
      async () => (await getExecution(home, id)).phase !== "RUNNING",
      60_000,
      250,
    );
    await live.result();
    const execution = await getExecution(home, id);
    assertEquals(execution.phase, "COMPLETED", JSON.stringify(execution));
    assertEquals(execution.output, c.output);
    // tool_a once; tool_b, in flight at the kill, twice.
    assertEquals(counts(log), { tool_a: 1, tool_b: 2 });

    // The resumed run's first model request already had tool_a's recorded result.
    const after = model.requests.map((r) => toolResults(r.messages).length);
    assertEquals(
      after,
      c.requests ?? [0, 1, 1, 2],
      "tool results the model saw, request by request",
    );

    const db = new DatabaseSync(`${home.dataDir}/stigmer.db`, { readOnly: true });
    const resumed = db.prepare(
      "SELECT task, message FROM execution_events WHERE execution_id = ? AND type = ?",
    ).all(id, "execution.resumed") as { task: string; message: string }[];
    const keys = db.prepare(
      "SELECT key FROM execution_checkpoints WHERE execution_id = ? ORDER BY key",
    ).all(id) as { key: string }[];
    db.close();
    assertEquals(resumed.length, 1, JSON.stringify(resumed));
    assertEquals(resumed[0].task, c.resumedAt[0]);
    assertIncludes(resumed[0].message, c.resumedAt[1]);
    const recorded = keys.map((k) => k.key.replace(/tool\/.*/, "tool/*"));
    assertEquals(
      recorded.filter((k) => k.includes("/step/")),
      (c.steps ?? [1, 2, 3]).map((n) => `${c.prefix}step/${n}`),
    );
    console.log(`checkpoints of the run: ${recorded.join(", ")}`);

    if (c.session) {
      // The resumed run saved the whole conversation to the session it was started with.
      const shown = await home.run(["sessions", "get", c.session, "--json"]);
      assertExit(shown, 0, "stigmer sessions get");
      const session = JSON.parse(shown.stdout);
      assertEquals(session.agent, "counter");
      assertEquals(session.executions, [id]);
      const text = JSON.stringify(session.messages);
      for (const part of ["tool_a result 1", "tool_b result 2", "done: tool_a result 1"]) {
        assertIncludes(text, part, "the session's messages");
      }
      assertEquals(session.messages[0], { role: "user", content: "go" });
    }

    // No MCP server left: the next daemon stopped the one the killed daemon left.
    await assertNoneLeft({ argsInclude: script });
  } finally {
    await home.cleanup();
    await model.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("An agent run interrupted between tool calls resumes without repeating a completed tool call", () =>
  interruptedRun({
    target: "counter",
    files: {},
    output: { message: "done: tool_a result 1 | tool_b result 2" },
    resumedAt: ["counter", "resumed at counter, step 2"],
    prefix: "agent/counter/",
  }));

Deno.test("call: agent in a workflow interrupted between tool calls resumes without repeating a completed tool call", () =>
  interruptedRun({
    target: "asking",
    files: {
      "workflow.yaml": workflowManifest(
        "asking",
        `
    - ask:
        call: agent
        with:
          agent: counter
          message: go
`,
      ),
    },
    output: { message: "done: tool_a result 1 | tool_b result 2" },
    resumedAt: ["do/0/ask", "resumed at do/0/ask"],
    prefix: "agent//do/0/ask@0/",
  }));

Deno.test("An agent step interrupted between its parallel tool calls resumes without repeating the completed one", () =>
  interruptedRun({
    target: "counter",
    files: {},
    parallel: true,
    output: { message: "done: tool_a result 1 | tool_b result 2" },
    resumedAt: ["counter", "resumed at counter, step 1 (1 tool results replayed)"],
    prefix: "agent/counter/",
    requests: [0, 1, 2],
    steps: [1, 2],
  }));

Deno.test("An agent run with --session interrupted between tool calls saves its session when it ends", () =>
  interruptedRun({
    target: "counter",
    files: {},
    session: "kept",
    output: { message: "done: tool_a result 1 | tool_b result 2" },
    resumedAt: ["counter", "resumed at counter, step 2"],
    prefix: "agent/counter/",
  }));

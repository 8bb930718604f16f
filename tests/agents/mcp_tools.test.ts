// Agents that act: the real CLI and daemon, the AI SDK's loop, the official MCP
// client and the real filesystem MCP server from npm (npx -y, over stdio); only
// the model is scripted (it speaks Ollama's and OpenAI's wire formats).
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  executionHome,
  localConfig,
  ndjson,
  writeProject,
} from "../executions/helpers.ts";
import {
  lastUser,
  type SeenMessage,
  startScriptedModel,
  toolResults,
} from "../helpers/scripted_model.ts";
import { agentManifest, assertNoneLeft, filesystemAgent } from "./helpers.ts";

/** List the directory, read the first file it lists, answer with its first line. */
function readerScript(dir: string) {
  return (messages: SeenMessage[]) => {
    const results = toolResults(messages);
    if (results.length === 0) {
      return { toolCalls: [{ name: "list_directory", arguments: { path: dir } }] };
    }
    if (results.length === 1) {
      const file = /\[FILE\] (\S+)/.exec(results[0])?.[1];
      if (!file) return { text: `no file listed in: ${results[0]}` };
      return { toolCalls: [{ name: "read_text_file", arguments: { path: `${dir}/${file}` } }] };
    }
    return { text: `The file begins: ${results[1].split("\n")[0]}` };
  };
}

for (const provider of ["ollama", "openai"] as const) {
  Deno.test(`an agent lists a directory, reads a file and answers with its content (${provider})`, async () => {
    const files = await Deno.makeTempDir({ prefix: "stigmer-agent-files-" });
    await Deno.writeTextFile(`${files}/notes.txt`, "Ada wrote the first program.\nSecond line.\n");
    const model = startScriptedModel(readerScript(files));
    const home = await executionHome(localConfig({
      llm: { provider, base_url: model.url, model: "scripted" },
    }));
    try {
      const dir = await writeProject(home, "reading", {
        "agent.yaml": filesystemAgent("reader", files),
      });
      await applyProject(home, dir);

      const run = await home.run(["run", "reader", "-m", "What do my notes say?"]);
      assertExit(run, 0, "stigmer run reader");
      const answer = "The file begins: Ada wrote the first program.";
      assertEquals(JSON.parse(run.stdout), { message: answer });
      // The streamed text, and one readable line per tool call.
      assertIncludes(run.stderr, `agent reader: ${answer}`);
      assertMatch(run.stderr, /⚙ list_directory \{"path":"[^"]+"\} \(\d+ ms\)/);
      assertMatch(run.stderr, /⚙ read_text_file \{"path":"[^"]+notes\.txt"\} \(\d+ ms\)/);

      // enabledTools: the model saw exactly these tools, in every request.
      assertEquals(model.requests.length, 3);
      for (const request of model.requests) {
        assertEquals(request.tools.sort(), ["list_directory", "read_text_file"]);
      }
      assertEquals(lastUser(model.requests[0].messages), "What do my notes say?");
      assertEquals(model.requests[0].messages[0].content, "You read files for the user.");

      // The transcript of the run: the message, each tool call, the answer.
      const id = /Started (aex-[0-9a-z]+)/.exec(run.stderr)![1];
      const get = await home.run(["executions", "get", id]);
      assertExit(get, 0, "stigmer executions get");
      assertIncludes(get.stdout, "transcript:");
      assertIncludes(get.stdout, "user: What do my notes say?");
      assertMatch(get.stdout, /⚙ reader: list_directory \{"path":/);
      assertMatch(get.stdout, /⚙ reader: read_text_file \{"path":/);
      assertIncludes(get.stdout, `agent reader: ${answer}`);
      const getJson = JSON.parse((await home.run(["executions", "get", id, "--json"])).stdout);
      assertEquals(getJson.messages, [
        { role: "user", text: "What do my notes say?" },
        { role: "agent", task: "reader", text: answer },
      ]);
      assertEquals(
        getJson.toolCalls.map((c: { name: string; status: string }) => `${c.name} ${c.status}`),
        ["list_directory completed", "read_text_file completed"],
      );

      // --json: tool calls as events whose data is a JSON value.
      const json = await home.run(["run", "reader", "-m", "Again", "--json"]);
      assertExit(json, 0, "stigmer run reader --json");
      const events = ndjson(json.stdout);
      const started = events.filter((e) => e.type === "tool.call.started");
      const completed = events.filter((e) => e.type === "tool.call.completed");
      assertEquals(started.map((e) => (e.data as { name: string }).name), [
        "list_directory",
        "read_text_file",
      ]);
      const read = completed[1].data as Record<string, unknown>;
      assertEquals(read.name, "read_text_file");
      assertEquals(read.server, "files");
      assertEquals(read.arguments, { path: `${files}/notes.txt` });
      assertEquals(read.status, "completed");
      assertIncludes(read.result as string, "Ada wrote the first program.");
      assert(typeof read.ms === "number", JSON.stringify(read));
      const whole = events.findLast((e) =>
        e.type === "agent.message" && !(e.data as { delta?: boolean }).delta
      );
      assertEquals(whole?.message, answer);
      assertEquals(events.at(-1)!.type, "execution.completed");
      assertEquals(events.at(-1)!.data, { message: answer });
    } finally {
      await home.cleanup();
      await model.close();
    }
    // The servers were stopped with their runs: nothing is left running.
    await assertNoneLeft({ argsInclude: files });
    await Deno.remove(files, { recursive: true });
  });
}

Deno.test("a tool error is a failed tool call the model reads; the run goes on", async () => {
  const files = await Deno.makeTempDir({ prefix: "stigmer-agent-files-" });
  const model = startScriptedModel((messages) => {
    const results = toolResults(messages);
    if (results.length === 0) {
      return { toolCalls: [{ name: "read_text_file", arguments: { path: "/etc/hostname" } }] };
    }
    return { text: `I could not read it: ${results[0].slice(0, 80)}` };
  });
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const dir = await writeProject(home, "denied", {
      "agent.yaml": filesystemAgent("reader", files),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "reader", "-m", "Read /etc/hostname", "--json"]);
    assertExit(run, 0, "stigmer run reader (a tool error)");
    const events = ndjson(run.stdout);
    const failed = events.find((e) => e.type === "tool.call.failed");
    assert(failed, run.stdout);
    const data = failed.data as Record<string, unknown>;
    assertEquals(data.name, "read_text_file");
    assertEquals(data.status, "failed");
    assertMatch(data.error as string, /denied|outside|not allowed/i);
    // The model was told (its second request carries the error as the tool's result).
    assertMatch(toolResults(model.requests[1].messages)[0], /denied|outside|not allowed/i);
    assertEquals(events.at(-1)!.type, "execution.completed");
  } finally {
    await home.cleanup();
    await model.close();
  }
  await assertNoneLeft({ argsInclude: files });
  await Deno.remove(files, { recursive: true });
});

Deno.test("maxSteps: an agent still calling tools at its last step fails saying so", async () => {
  const files = await Deno.makeTempDir({ prefix: "stigmer-agent-files-" });
  // A model that never stops listing.
  const model = startScriptedModel(() => ({
    toolCalls: [{ name: "list_directory", arguments: { path: files } }],
  }));
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const dir = await writeProject(home, "looping", {
      "agent.yaml": filesystemAgent("looper", files, "maxSteps: 3"),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "looper", "-m", "List forever"]);
    assertExit(run, 1, "stigmer run looper");
    assertIncludes(run.stderr, "reached maxSteps (3)");
    assertIncludes(run.stderr, "spec.maxSteps");
    assertEquals(model.requests.length, 3, "one model request per step");
  } finally {
    await home.cleanup();
    await model.close();
  }
  await assertNoneLeft({ argsInclude: files });
  await Deno.remove(files, { recursive: true });
});

Deno.test("an MCP server that cannot start: the model is told, the run does not hang", async () => {
  const model = startScriptedModel((messages) => ({
    text: `instructions were: ${messages[0].content}`,
  }));
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const dir = await writeProject(home, "broken", {
      "agent.yaml": agentManifest(
        "broken",
        `
instructions: Use your tools.
mcpServers:
  - name: missing
    stdio: {command: stigmer-no-such-mcp-server-command}
`,
      ),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "broken", "-m", "hi", "--json"]);
    assertExit(run, 0, "stigmer run broken");
    const events = ndjson(run.stdout);
    const failed = events.find((e) => e.type === "tool.call.failed");
    assert(failed, run.stdout);
    assertIncludes(failed.message as string, 'MCP server "missing"');
    assertIncludes(failed.message as string, "stigmer-no-such-mcp-server-command");
    assertIncludes(model.requests[0].messages[0].content, 'MCP server "missing"');
    assertEquals(model.requests[0].tools, []);
  } finally {
    await home.cleanup();
    await model.close();
  }
});

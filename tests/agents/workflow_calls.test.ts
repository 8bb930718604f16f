// Workflows: `call: mcp` (DSL 1.0.3) on the same MCP client, and `call: agent`
// running the agent loop, its tool calls among the workflow's events.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  executionHome,
  localConfig,
  ndjson,
  workflowManifest,
  writeProject,
} from "../executions/helpers.ts";
import { startScriptedModel, toolResults } from "../helpers/scripted_model.ts";
import { agentManifest, assertNoneLeft, FILESYSTEM_SERVER } from "./helpers.ts";

Deno.test("call: mcp lists and calls tools; call: agent's tool calls are workflow events", async () => {
  const files = await Deno.makeTempDir({ prefix: "stigmer-agent-files-" });
  await Deno.writeTextFile(`${files}/motto.txt`, "Local first.\n");
  const model = startScriptedModel((messages) =>
    toolResults(messages).length === 0
      ? { toolCalls: [{ name: "read_text_file", arguments: { path: `${files}/motto.txt` } }] }
      : { text: `Motto: ${toolResults(messages)[0].trim()}` }
  );
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  const transport = `
          transport:
            stdio:
              command: npx
              arguments: ["-y", "${FILESYSTEM_SERVER}", "${files}"]`;
  try {
    const dir = await writeProject(home, "mcpflow", {
      "flow.yaml": workflowManifest(
        "mcpflow",
        `
    - list:
        call: mcp
        with:
          method: tools/list${transport}
        output:
          as: "\${ {names: [.tools[].name]} }"
    - read:
        call: mcp
        with:
          method: tools/call
          parameters:
            name: read_text_file
            arguments:
              path: ${files}/motto.txt${transport}
        output:
          as: "\${ {text: .content[0].text} }"
    - ask:
        call: agent
        with:
          agent: reader
          message: What is the motto?
`,
      ),
      "agent.yaml": agentManifest(
        "reader",
        `
instructions: Read files.
mcpServers:
  - name: files
    stdio: {command: npx, args: ["-y", "${FILESYSTEM_SERVER}", "${files}"]}
    enabledTools: [read_text_file]
`,
      ),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "mcpflow", "--json"]);
    assertExit(run, 0, "stigmer run mcpflow");
    const events = ndjson(run.stdout);
    const done = (task: string) =>
      events.find((e) => e.type === "task.completed" && e.task === task)?.data as
        | Record<string, unknown>
        | undefined;
    const names = done("do/0/list")?.names as string[];
    assert(names?.includes("read_text_file") && names.includes("list_directory"), run.stdout);
    assertEquals(done("do/1/read"), { text: "Local first.\n" });
    const toolCall = events.find((e) => e.type === "tool.call.completed");
    assert(toolCall, run.stdout);
    assertEquals(toolCall.task, "do/2/ask");
    assertEquals((toolCall.data as { name: string }).name, "read_text_file");
    assertEquals(events.at(-1)!.data, { message: "Motto: Local first." });

    // A bad call: mcp is refused at apply, with the task named.
    const badDir = await writeProject(home, "badmcp", {
      "flow.yaml": workflowManifest(
        "badmcp",
        `
    - oops:
        call: mcp
        with:
          method: tools/explode
          transport: {}
`,
      ),
    });
    const bad = await home.run(["apply"], { cwd: badDir });
    assertExit(bad, 2, "stigmer apply of a bad call: mcp");
    assertIncludes(bad.stderr, "method must be one of");
  } finally {
    await home.cleanup();
    await model.close();
  }
  await assertNoneLeft({ argsInclude: files });
  await Deno.remove(files, { recursive: true });
});

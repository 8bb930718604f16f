// Sub-agents (SPEC §10): offered to the model as tools, run with their own
// instructions; their events nest under the parent's task.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  executionHome,
  localConfig,
  ndjson,
  writeProject,
} from "../executions/helpers.ts";
import { lastUser, startScriptedModel, toolResults } from "../helpers/scripted_model.ts";
import { agentManifest } from "./helpers.ts";

Deno.test("a sub-agent is a tool running its own loop; its events nest under the parent's", async () => {
  const model = startScriptedModel((messages) => {
    if (messages[0].content.startsWith("You are the tester.")) {
      return { text: `tests written for: ${lastUser(messages)}` };
    }
    const results = toolResults(messages);
    return results.length === 0
      ? { toolCalls: [{ name: "tester", arguments: { message: "add(a, b)" } }] }
      : { text: `The tester says: ${results[0]}` };
  });
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const dir = await writeProject(home, "team", {
      "agent.yaml": agentManifest(
        "lead",
        `
instructions: You lead the work.
subAgents:
  - name: tester
    description: Writes tests
    instructions: You are the tester.
`,
      ),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "lead", "-m", "Get add() tested", "--json"]);
    assertExit(run, 0, "stigmer run lead");
    const events = ndjson(run.stdout);
    assertEquals(events.at(-1)!.data, {
      message: "The tester says: tests written for: add(a, b)",
    });
    // The lead was offered the tester as a tool; the tester ran with its own instructions.
    assertEquals(model.requests[0].tools, ["tester"]);
    assertEquals(model.requests[1].messages[0].content, "You are the tester.");
    assertEquals(model.requests[1].tools, []);
    const completed = events.find((e) => e.type === "tool.call.completed");
    assert(completed, run.stdout);
    const data = completed.data as Record<string, unknown>;
    assertEquals(data.name, "tester");
    assertEquals(data.subAgent, true);
    assertEquals(data.result, "tests written for: add(a, b)");
    const nested = events.filter((e) => e.type === "agent.message" && e.task === "lead/tester");
    assert(nested.length > 0, "the sub-agent's text is streamed under lead/tester");

    const text = await home.run(["run", "lead", "-m", "Again"]);
    assertIncludes(text.stderr, "agent lead/tester: tests written for: add(a, b)");
    assertIncludes(text.stderr, '⚙ tester {"message":"add(a, b)"}');
  } finally {
    await home.cleanup();
    await model.close();
  }
});

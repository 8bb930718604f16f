// An agent's Environment (SPEC §10, `env: NAME`): its variables and its secret references reach
// the agent's stdio MCP servers; the secret's value is found nowhere in what the run produced.
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
import { startScriptedModel, toolResults } from "../helpers/scripted_model.ts";
import { agentManifest, EVERYTHING_SERVER } from "./helpers.ts";
import { filesContaining } from "../helpers/files.ts";

const VALUE = `env-secret-${crypto.randomUUID()}`;

Deno.test("an agent's Environment: variables and secret references reach its MCP servers", async () => {
  const model = startScriptedModel((messages) => {
    const results = toolResults(messages);
    return results.length === 0
      ? { toolCalls: [{ name: "get-env", arguments: {} }] }
      : { text: `The server's environment: ${results[0]}` };
  });
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const set = await home.run(["secret", "set", "review-key", "--from-stdin"], {
      stdin: `${VALUE}\n`,
    });
    assertExit(set, 0, "stigmer secret set");
    const dir = await writeProject(home, "environment", {
      "env.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: Environment
metadata:
  name: review-env
spec:
  variables: {GREETING: hello-from-env, REGION: eu}
  secrets: {REVIEW_KEY: {ref: review-key}}
`,
      "mcp.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: McpServer
metadata:
  name: everything
spec:
  stdio:
    command: npx
    args: ["-y", "${EVERYTHING_SERVER}"]
    env: {REGION: us}
  enabledTools: [get-env]
`,
      "agent.yaml": agentManifest(
        "reviewer",
        `
instructions: Report your server's environment.
mcpServers: [everything]
env: review-env
`,
      ),
    });
    const apply = await applyProject(home, dir);
    const run = await home.run(["run", "reviewer", "-m", "What is in your env?", "--json"]);
    assertExit(run, 0, "stigmer run reviewer");
    const completed = ndjson(run.stdout).find((e) => e.type === "tool.call.completed");
    assert(completed, run.stdout);
    const result = (completed.data as { result: string }).result;
    assert(/"GREETING":\s*"hello-from-env"/.test(result), result);
    // The server's own env wins over the Environment's.
    assert(/"REGION":\s*"us"/.test(result), result);
    // The secret reached the server (the variable is set), its value hidden as ***.
    assert(/"REVIEW_KEY":\s*"\*\*\*"/.test(result), result);

    const logs = await home.run(["server", "logs"]);
    for (
      const text of [
        set.stdout,
        set.stderr,
        apply.stdout,
        apply.stderr,
        run.stdout,
        run.stderr,
        logs.stdout,
      ]
    ) {
      assert(!text.includes(VALUE), `the secret is shown:\n${text}`);
    }
    assertEquals(await filesContaining(home.home, VALUE), []);
    assert(!JSON.stringify(model.requests).includes(VALUE), "the model was sent the secret");

    // An Environment that does not exist is refused at apply (a reference), never a run without it.
    const missingDir = await writeProject(home, "missing-env", {
      "agent.yaml": agentManifest(
        "lost",
        "\ninstructions: x\nmcpServers: [everything]\nenv: nowhere\n",
      ),
    });
    const missingApply = await home.run(["apply", "--dir", missingDir]);
    assertExit(missingApply, 2, "apply of an agent whose Environment does not exist");
    assertIncludes(missingApply.stderr, 'spec.env: Environment "nowhere" not found');
  } finally {
    await home.cleanup();
    await model.close();
  }
});

// Secrets (SPEC §11): set from stdin, listed by name, used in an MCP server's
// env and in a workflow's $secrets — and found nowhere in what a run produced:
// not in stdout or stderr, not in any file under STIGMER_HOME (the SQLite
// database and the daemon log included), not in what the model was sent.
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
import { agentManifest, EVERYTHING_SERVER } from "./helpers.ts";
import { filesContaining } from "../helpers/files.ts";

const VALUE = `sk-secret-${crypto.randomUUID()}`;

Deno.test("a secret reaches an MCP server's env and a workflow's $secrets, and is found nowhere in the outputs", async () => {
  const model = startScriptedModel((messages) => {
    const results = toolResults(messages);
    return results.length === 0
      ? { toolCalls: [{ name: "get-env", arguments: {} }] }
      : { text: `The server's environment: ${results[0]}` };
  });
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  const outputs: string[] = [];
  try {
    const set = await home.run(["secret", "set", "api_token", "--from-stdin"], {
      stdin: `${VALUE}\n`,
    });
    assertExit(set, 0, "stigmer secret set --from-stdin");
    assertIncludes(set.stderr, "secret api_token created");
    const again = await home.run(["secret", "set", "api_token", "--from-stdin"], { stdin: VALUE });
    assertIncludes(again.stderr, "secret api_token updated");
    const noTerminal = await home.run(["secret", "set", "other"]);
    assertExit(noTerminal, 2, "stigmer secret set without a terminal or --from-stdin");
    assertIncludes(noTerminal.stderr, "--from-stdin");
    const list = await home.run(["secret", "list", "--json"]);
    assertExit(list, 0, "stigmer secret list");
    assertEquals(JSON.parse(list.stdout).map((s: { name: string }) => s.name), ["api_token"]);
    outputs.push(set.stdout, set.stderr, again.stderr, list.stdout, list.stderr);
    const key = await Deno.stat(`${home.dataDir}/secrets.key`);
    assertEquals(key.mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(`${home.dataDir}/secrets`)).mode! & 0o777, 0o600);

    const dir = await writeProject(home, "secretive", {
      "mcp.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: McpServer
metadata:
  name: everything
spec:
  stdio:
    command: npx
    args: ["-y", "${EVERYTHING_SERVER}"]
    env: {API_TOKEN: "\${secrets.api_token}"}
  enabledTools: [get-env]
`,
      "agent.yaml": agentManifest(
        "envreader",
        `
instructions: Report your server's environment.
mcpServers: [everything]
`,
      ),
      "flow.yaml": workflowManifest(
        "usesecret",
        `
    - use:
        set:
          said: \${ "token is " + $secrets.api_token }
`,
      ),
    });
    const apply = await applyProject(home, dir);
    outputs.push(apply.stdout, apply.stderr);

    const run = await home.run(["run", "envreader", "-m", "What is in your env?", "--json"]);
    assertExit(run, 0, "stigmer run envreader");
    outputs.push(run.stdout, run.stderr);
    const events = ndjson(run.stdout);
    const completed = events.find((e) => e.type === "tool.call.completed");
    assert(completed, run.stdout);
    // The server got the value (the variable is there, its value hidden as ***).
    const result = (completed.data as { result: string }).result;
    assert(/"API_TOKEN":\s*"\*\*\*"/.test(result), result);
    const text = await home.run(["run", "envreader", "-m", "Again"]);
    assertExit(text, 0, "stigmer run envreader (text)");
    outputs.push(text.stdout, text.stderr);

    const flow = await home.run(["run", "usesecret", "--json"]);
    assertExit(flow, 0, "stigmer run usesecret");
    outputs.push(flow.stdout, flow.stderr);
    assertEquals(ndjson(flow.stdout).at(-1)!.data, { said: "token is ***" });

    const id = events[0].executionId as string;
    const get = await home.run(["executions", "get", id, "--json"]);
    outputs.push(get.stdout, get.stderr);
    const logs = await home.run(["server", "logs"]);
    outputs.push(logs.stdout, logs.stderr);

    // The whole search: everything printed, every file of the home, every model request.
    for (const [i, text] of outputs.entries()) {
      assert(!text.includes(VALUE), `output #${i} shows the secret:\n${text}`);
    }
    assertEquals(await filesContaining(home.home, VALUE), []);
    assert(!JSON.stringify(model.requests).includes(VALUE), "the model was sent the secret");

    const del = await home.run(["secret", "delete", "api_token"]);
    assertExit(del, 0, "stigmer secret delete");
    const missing = await home.run(["run", "envreader", "-m", "once more"]);
    assertExit(missing, 1, "a run whose secret was deleted");
    assertIncludes(missing.stderr, 'secret "api_token" is not set');
    assertIncludes(missing.stderr, "stigmer secret set api_token");
  } finally {
    await home.cleanup();
    await model.close();
  }
});

Deno.test("the LLM API key from a secret (backend.local.llm.api_key_secret), never shown", async () => {
  const model = startScriptedModel(() => ({ text: "hello" }));
  const key = `sk-llm-${crypto.randomUUID()}`;
  const home = await executionHome(localConfig({
    llm: { provider: "openai", base_url: model.url, model: "m", api_key_secret: "llm-key" },
  }));
  try {
    const set = await home.run(["secret", "set", "llm-key", "--from-stdin"], { stdin: key });
    assertExit(set, 0, "stigmer secret set llm-key");
    const dir = await writeProject(home, "keyed", {
      "agent.yaml": agentManifest("keyed", "instructions: Say hello."),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "keyed", "-m", "hi"]);
    assertExit(run, 0, "stigmer run keyed");
    assertEquals(model.requests[0].headers.authorization, `Bearer ${key}`);
    const list = await home.run(["config", "list"]);
    for (const text of [set.stdout, set.stderr, run.stdout, run.stderr, list.stdout]) {
      assert(!text.includes(key), text);
    }
    assertEquals(await filesContaining(home.home, key), []);
  } finally {
    await home.cleanup();
    await model.close();
  }
});

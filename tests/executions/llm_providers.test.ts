// Agent runs against the providers besides the default Ollama: an
// OpenAI-compatible endpoint with an API key variable, and a provider that
// does not answer at all.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  type ChatRequest,
  closedPort,
  daemonPid,
  executionHome,
  fakeReply,
  getExecution,
  localConfig,
  startFakeLlm,
  workflowManifest,
  writeProject,
} from "./helpers.ts";

const AGENT = `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: helper
spec:
  instructions: You are a test helper.
`;

const ASKING_WORKFLOW = workflowManifest(
  "asking",
  `
    - ask:
        call: agent
        with:
          agent: helper
          message: Say hello
`,
);

Deno.test("an OpenAI-compatible provider gets the API key from the named variable", async () => {
  const llm = startFakeLlm();
  // Not a STIGMER_* name: the daemon must be allowed to read exactly this variable.
  const keyVariable = "FAKE_OPENAI_KEY_FOR_TESTS";
  const home = await executionHome(localConfig({
    llm: { provider: "openai", base_url: llm.url, model: "gpt-test", api_key_env: keyVariable },
  }));
  home.env[keyVariable] = "sk-test-123";
  try {
    const dir = await writeProject(home, "openai", {
      "agent.yaml": AGENT,
      "asking.yaml": ASKING_WORKFLOW,
    });
    const apply = await applyProject(home, dir);
    assertIncludes(apply.stderr, `Using an OpenAI-compatible API at ${llm.url}`);
    assertIncludes(apply.stderr, `API key from $${keyVariable}`);

    const run = await home.run(["run", "helper", "-m", "Hello OpenAI"]);
    assertExit(run, 0, "stigmer run helper -m");
    assertIncludes(run.stderr, `agent helper: ${fakeReply("Hello OpenAI")}`);
    assertEquals(llm.requests.length, 1);
    const request = llm.requests[0];
    assertEquals(`${request.method} ${request.path}`, "POST /v1/chat/completions");
    assertEquals(request.headers.authorization, "Bearer sk-test-123");
    const body = request.body as ChatRequest;
    assertEquals(body.model, "gpt-test");
    assertEquals(body.messages, [
      { role: "system", content: "You are a test helper." },
      { role: "user", content: "Hello OpenAI" },
    ]);

    // call: agent in a workflow takes the same way.
    const workflow = await home.run(["run", "asking"]);
    assertExit(workflow, 0, "stigmer run asking");
    assertEquals(JSON.parse(workflow.stdout), { message: fakeReply("Say hello") });
    assertEquals(llm.requests.length, 2);
    assertEquals(llm.requests[1].headers.authorization, "Bearer sk-test-123");
  } finally {
    await home.cleanup();
    await llm.close();
  }
});

Deno.test("an unreachable LLM provider: a failed execution naming the URL and how to configure another", async () => {
  const baseUrl = `http://127.0.0.1:${closedPort()}`;
  const home = await executionHome(localConfig({ llm: { base_url: baseUrl } }));
  try {
    const dir = await writeProject(home, "offline", {
      "agent.yaml": AGENT,
      "asking.yaml": ASKING_WORKFLOW,
    });
    await applyProject(home, dir);

    const run = await home.run(["run", "helper", "-m", "anyone there?"]);
    assertExit(run, 1, "stigmer run helper with no LLM");
    assertIncludes(run.stderr, `cannot reach the LLM provider (ollama) at ${baseUrl}`);
    assertIncludes(run.stderr, "stigmer config set backend.local.llm.base_url");
    const failed = /✗ (aex-[0-9a-z]+) FAILED after/.exec(run.stderr);
    assert(failed, run.stderr);
    const stored = await getExecution(home, failed[1]);
    assertEquals(stored.phase, "FAILED");
    assertIncludes(stored.error as string, baseUrl);

    // The same from a workflow's call: agent, named by its task.
    const workflow = await home.run(["run", "asking"]);
    assertExit(workflow, 1, "stigmer run asking with no LLM");
    assertMatch(workflow.stderr, /✗ do\/0\/ask: .*cannot reach the LLM provider/);
    assertIncludes(workflow.stderr, baseUrl);
    assertIncludes(workflow.stderr, "stigmer config set backend.local.llm.base_url");
  } finally {
    await home.cleanup();
  }
});

Deno.test("the LLM settings are read when a run starts: config set takes effect without a restart", async () => {
  const first = startFakeLlm();
  const second = startFakeLlm();
  const home = await executionHome(localConfig({ llm: { base_url: first.url, model: "one" } }));
  try {
    const dir = await writeProject(home, "switching", { "agent.yaml": AGENT });
    await applyProject(home, dir);
    assertExit(await home.run(["run", "helper", "-m", "first"]), 0, "run with the first model");
    assertEquals(first.requests.length, 1);
    const pid = daemonPid(home);

    const set = await home.run(["config", "set", "backend.local.llm.base_url", second.url]);
    assertExit(set, 0, "stigmer config set backend.local.llm.base_url");
    assertExit(await home.run(["config", "set", "backend.local.llm.model", "two"]), 0);
    const run = await home.run(["run", "helper", "-m", "second"]);
    assertExit(run, 0, "run after config set");
    assertIncludes(run.stderr, fakeReply("second"));
    assertEquals(
      first.requests.length,
      1,
      `the first model is no longer used; daemon log:\n${
        (await home.run(["server", "logs"])).stdout
      }`,
    );
    assertEquals(second.requests.length, 1);
    assertEquals((second.requests[0].body as ChatRequest).model, "two");
    assertEquals(daemonPid(home), pid, "the same daemon ran both");
  } finally {
    await home.cleanup();
    await first.close();
    await second.close();
  }
});

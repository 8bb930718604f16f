// Sessions (SPEC §10): --session NAME continues a conversation across runs;
// stigmer sessions list|get|delete. Real CLI and daemon; a scripted model.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  executionHome,
  localConfig,
  workflowManifest,
  writeProject,
} from "../executions/helpers.ts";
import { startScriptedModel } from "../helpers/scripted_model.ts";
import { agentManifest } from "./helpers.ts";

Deno.test("a session continues a conversation across two runs; sessions list, get and delete", async () => {
  // Answers from what it was told before: the history is what the model receives.
  const model = startScriptedModel((messages) => {
    const said = messages.filter((m) => m.role === "user").map((m) => m.content);
    const name = said.map((s) => /my name is (\w+)/i.exec(s)?.[1]).find(Boolean);
    return { text: `${said.length} message(s) so far; your name: ${name ?? "unknown"}` };
  });
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  try {
    const dir = await writeProject(home, "chatting", {
      "agent.yaml": agentManifest("friend", "instructions: Remember what the user says."),
      "flow.yaml": workflowManifest("flow", "\n    - one:\n        set: {a: 1}\n"),
    });
    await applyProject(home, dir);

    const first = await home.run(["run", "friend", "-m", "My name is Ada", "--session", "chat"]);
    assertExit(first, 0, "first run in session chat");
    assertEquals(JSON.parse(first.stdout).message, "1 message(s) so far; your name: Ada");
    const second = await home.run(["run", "friend", "-m", "Who am I?", "-s", "chat"]);
    assertExit(second, 0, "second run in session chat");
    assertEquals(JSON.parse(second.stdout).message, "2 message(s) so far; your name: Ada");
    // The model received the first exchange, the agent's reply included.
    const roles = model.requests[1].messages.map((m) => m.role);
    assertEquals(roles, ["system", "user", "assistant", "user"]);
    // Without the session: a new conversation.
    const alone = await home.run(["run", "friend", "-m", "Who am I?"]);
    assertEquals(JSON.parse(alone.stdout).message, "1 message(s) so far; your name: unknown");

    const list = await home.run(["sessions", "list", "--json"]);
    assertExit(list, 0, "stigmer sessions list");
    const sessions = JSON.parse(list.stdout);
    assertEquals(sessions.length, 1);
    assertEquals(sessions[0].name, "chat");
    assertEquals(sessions[0].agent, "friend");
    assertEquals(sessions[0].messages, 4);
    const table = await home.run(["sessions", "list"]);
    assertIncludes(table.stdout, "chat");

    const get = await home.run(["sessions", "get", "chat"]);
    assertExit(get, 0, "stigmer sessions get");
    assertIncludes(get.stdout, "user: My name is Ada");
    assertIncludes(get.stdout, "agent: 2 message(s) so far; your name: Ada");

    // A session belongs to one agent; --session is for agents; names are checked.
    const workflow = await home.run(["run", "flow", "--session", "chat"]);
    assertExit(workflow, 2, "--session with a workflow");
    assertIncludes(workflow.stderr, "--session is for agent runs");
    const badName = await home.run(["run", "friend", "-m", "hi", "--session", "../x"]);
    assert(badName.code !== 0, badName.stderr);
    assertIncludes(badName.stderr, "invalid session name");

    const del = await home.run(["sessions", "delete", "chat"]);
    assertExit(del, 0, "stigmer sessions delete");
    const gone = await home.run(["sessions", "get", "chat"]);
    assertExit(gone, 1, "stigmer sessions get of a deleted session");
    assertIncludes(gone.stderr, "session chat not found");
  } finally {
    await home.cleanup();
    await model.close();
  }
});

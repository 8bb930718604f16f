// Every task kind through a real daemon: set, call: http (a local server),
// call: agent (a fake Ollama), switch, for, try/catch with retry, wait, raise,
// nested do; a failing raise and an expression error; an agent run with -m.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  type ChatRequest,
  executionHome,
  fakeReply,
  getExecution,
  localConfig,
  ndjson,
  serveLocal,
  startFakeLlm,
  workflowManifest,
  writeProject,
} from "./helpers.ts";

const COMMUNICATION = "https://serverlessworkflow.io/spec/1.0.0/errors/communication";

function agentManifests(): Record<string, string> {
  return {
    "skill.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: Skill
metadata:
  name: politeness
spec:
  description: Be polite at all times
  content: Always say please and thank you.
`,
    // A skill from a file: apply inlines it.
    "tone.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: Skill
metadata:
  name: tone
spec:
  description: The house tone
  path: tone/
`,
    "tone/SKILL.md": "# Tone\nWrite like a cheerful pirate.\n",
    "agent.yaml": `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: helper
spec:
  instructions: You are a test helper. Answer in one line.
  model:
    name: tiny-test-model
  skills: [politeness, tone]
`,
  };
}

function everythingWorkflow(api: string): string {
  return workflowManifest(
    "everything",
    `
    - init:
        set:
          name: '\${ .name }'
        export:
          as: '\${ {name: .name} }'
    - fetchPet:
        call: http
        with:
          method: get
          endpoint: ${api}/pets/7
        export:
          as: '\${ $context + {pet: .} }'
    - sum:
        input:
          from: '\${ {total: 0} }'
        for:
          each: n
          in: '\${ [1, 2, 3, 4] }'
          at: i
        do:
          - add:
              set:
                total: '\${ .total + $n }'
                last: '\${ $i }'
        export:
          as: '\${ $context + {total: .total} }'
    - route:
        switch:
          - small:
              when: '\${ .total <= 5 }'
              then: smallPath
          - otherwise:
              then: bigPath
    - smallPath:
        set:
          path: small
        then: flaky
    - bigPath:
        set:
          path: big
        export:
          as: '\${ $context + {path: .path} }'
    - flaky:
        try:
          - callFlaky:
              call: http
              with:
                method: get
                endpoint: ${api}/flaky
        catch:
          errors:
            with:
              type: ${COMMUNICATION}
          retry:
            delay:
              milliseconds: 10
            limit:
              attempt:
                count: 5
        export:
          as: '\${ $context + {flaky: .attempt} }'
    - guarded:
        try:
          - boom:
              raise:
                error:
                  type: https://example.com/errors/boom
                  status: 418
                  title: Boom
        catch:
          errors:
            with:
              status: 418
          as: failure
          do:
            - handle:
                set:
                  caught: '\${ $failure.title }'
        export:
          as: '\${ $context + {caught: .caught} }'
    - ask:
        call: agent
        with:
          agent: helper
          message: '\${ "Greet " + $context.name }'
        export:
          as: '\${ $context + {reply: .message} }'
    - pause:
        wait:
          milliseconds: 300
    - nested:
        do:
          - inner:
              do:
                - deepest:
                    set:
                      depth: 2
    - finish:
        set:
          name: '\${ $context.name }'
          pet: '\${ $context.pet.kind }'
          total: '\${ $context.total }'
          path: '\${ $context.path }'
          flaky: '\${ $context.flaky }'
          caught: '\${ $context.caught }'
          reply: '\${ $context.reply }'
          depth: '\${ .depth }'
`,
  );
}

const FAILING_WORKFLOWS = {
  "fails.yaml": workflowManifest(
    "fails",
    `
    - check:
        set:
          item: '\${ .item }'
          stock: 0
    - outOfStock:
        raise:
          error:
            type: https://example.com/errors/out-of-stock
            status: 409
            title: Out of stock
            detail: '\${ "no " + .item + " left" }'
`,
  ),
  "badexpr.yaml": workflowManifest(
    "badexpr",
    `
    - compute:
        set:
          total: '\${ .count + "apples" }'
`,
  ),
};

Deno.test("every task kind runs in the daemon; raise and expression errors fail clearly; run an agent with -m", async () => {
  const llm = startFakeLlm();
  let flakyCalls = 0;
  const api = serveLocal((req) => {
    if (req.path === "/pets/7") return Response.json({ id: 7, kind: "cat" });
    if (req.path === "/flaky") {
      flakyCalls++;
      return flakyCalls < 3
        ? new Response("try again", { status: 503 })
        : Response.json({ attempt: flakyCalls });
    }
    return new Response("no such thing", { status: 404 });
  });
  const home = await executionHome(
    localConfig({ llm: { base_url: llm.url, model: "default-test-model" } }),
  );
  try {
    const dir = await writeProject(home, "kinds", {
      ...agentManifests(),
      "everything.yaml": everythingWorkflow(api.url),
      ...FAILING_WORKFLOWS,
    });
    await applyProject(home, dir);

    // --- one workflow with every task kind, events as NDJSON -------------------------
    const run = await home.run(["run", "everything", "--input", "name=Ada", "--json"]);
    assertExit(run, 0, "stigmer run everything --json");
    const events = ndjson(run.stdout);
    const last = events.at(-1)!;
    assertEquals(last.type, "execution.completed", run.stderr);
    // data is a JSON value, never a JSON string (SPEC §9), for every event type.
    assert(
      events.every((e) =>
        "data" in e && !("dataJson" in e) && !(typeof e.data === "string" && /^[{["]/.test(e.data))
      ),
      run.stdout,
    );
    assertEquals(last.data, {
      name: "Ada",
      pet: "cat",
      total: 10,
      path: "big",
      flaky: 3,
      caught: "Boom",
      reply: fakeReply("Greet Ada"),
      depth: 2,
    });
    const completed = events.filter((e) => e.type === "task.completed").map((e) => e.task);
    for (
      const task of [
        "do/0/init",
        "do/1/fetchPet",
        "do/2/sum/do/0/add",
        "do/2/sum",
        "do/3/route",
        "do/5/bigPath",
        "do/6/flaky",
        "do/7/guarded",
        "do/8/ask",
        "do/9/pause",
        "do/10/nested/do/0/inner/do/0/deepest",
        "do/10/nested",
        "do/11/finish",
      ]
    ) {
      assert(completed.includes(task), `${task} did not complete: ${completed.join(", ")}`);
    }
    assert(!completed.includes("do/4/smallPath"), "the switch must skip smallPath");
    // Four iterations of the for body.
    assertEquals(completed.filter((t) => t === "do/2/sum/do/0/add").length, 4);
    // Two retries logged before the third call succeeded.
    const retries = events.filter((e) =>
      e.type === "log" && /^retrying in/.test(e.message as string)
    );
    assertEquals(retries.length, 2, JSON.stringify(retries));
    assertEquals(flakyCalls, 3);
    // The caught raise is a task.failed event of the inner task, then the handler ran.
    const boom = events.find((e) => e.type === "task.failed" && /boom$/.test(e.task as string));
    assert(boom, "the raise inside try should be reported as a failed task");
    // The agent's reply is an event.
    const reply = events.find((e) =>
      e.type === "agent.message" && !(e.data as { delta?: boolean })?.delta
    );
    const deltas = events.filter((e) =>
      e.type === "agent.message" && (e.data as { delta?: boolean })?.delta
    );
    assert(deltas.length > 1, "the reply streams in several deltas");
    assertEquals(deltas.map((e) => e.message).join(""), fakeReply("Greet Ada"));
    assertEquals(reply?.message, fakeReply("Greet Ada"));
    assertEquals(reply?.task, "do/8/ask");
    // The wait really waited.
    const pauseStart = events.find((e) => e.type === "task.started" && e.task === "do/9/pause")!;
    const pauseEnd = events.find((e) => e.type === "task.completed" && e.task === "do/9/pause")!;
    const waited = Date.parse(pauseEnd.time as string) - Date.parse(pauseStart.time as string);
    assert(waited >= 290, `the wait lasted ${waited} ms, expected 300`);
    // The HTTP server saw the calls; the fake LLM the agent's prompt.
    assertEquals(api.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /pets/7",
      "GET /flaky",
      "GET /flaky",
      "GET /flaky",
    ]);
    assertEquals(llm.requests.length, 1);
    const chat = llm.requests[0].body as ChatRequest;
    assertEquals(llm.requests[0].path, "/api/chat");
    assertEquals(chat.model, "tiny-test-model");
    assertEquals(chat.stream, true, "the agent loop streams");
    assertEquals(chat.messages.map((m) => m.role), ["system", "user"]);
    assertIncludes(chat.messages[0].content, "You are a test helper. Answer in one line.");
    assertIncludes(chat.messages[0].content, "politeness");
    assertIncludes(chat.messages[0].content, "Always say please and thank you.");
    assertIncludes(chat.messages[0].content, "Write like a cheerful pirate.");
    assertEquals(chat.messages[1].content, "Greet Ada");

    // --- an uncaught raise: a failed run, exit 1, the error's title and detail ------------
    const fails = await home.run(["run", "fails", "--input", "item=apples"]);
    assertExit(fails, 1, "stigmer run fails");
    assertMatch(fails.stderr, /^✗ do\/1\/outOfStock: Out of stock: no apples left$/m);
    assertIncludes(fails.stderr, "no apples left");
    assertMatch(
      fails.stderr,
      /✗ wex-[0-9a-z]+ FAILED after \d+\.\d\ds \(1 task completed, 1 failed\)/,
    );
    assertEquals(fails.stdout, "", "a failed run prints no output on stdout");

    // --- an expression error: names the task and the expression -------------------------
    const bad = await home.run(["run", "badexpr", "--input", "count=1"]);
    assertExit(bad, 1, "stigmer run badexpr");
    assertIncludes(bad.stderr, "do/0/compute");
    assertIncludes(bad.stderr, '.count + "apples"');
    assertMatch(bad.stderr, /cannot be added|number.*string/);
    const badId = /✗ (wex-[0-9a-z]+) FAILED/.exec(bad.stderr)?.[1];
    assert(badId, bad.stderr);
    const stored = await getExecution(home, badId);
    assertEquals(stored.phase, "FAILED");
    assertIncludes(stored.error as string, "do/0/compute");
    assertIncludes(stored.error as string, '.count + "apples"');

    // --- an agent run with -m ---------------------------------------------------------
    const agent = await home.run(["run", "helper", "-m", "Hi there"]);
    assertExit(agent, 0, "stigmer run helper -m");
    assertMatch(agent.stderr, /Started aex-[0-9a-z]+: AgentExecution of Agent helper/);
    assertIncludes(agent.stderr, `agent helper: ${fakeReply("Hi there")}`);
    assertMatch(agent.stderr, /^✓ aex-[0-9a-z]+ COMPLETED in \d+\.\d\ds$/m);
    assertEquals(JSON.parse(agent.stdout), { message: fakeReply("Hi there") });
    assertEquals(llm.requests.length, 2);
    const direct = llm.requests[1];
    assertEquals(direct.headers.authorization, undefined, "Ollama gets no API key");
    const directChat = direct.body as ChatRequest;
    assertIncludes(directChat.messages[0].content, "Always say please and thank you.");
    assertEquals(directChat.messages[1], { role: "user", content: "Hi there" });

    // An agent needs a message.
    const noMessage = await home.run(["run", "helper"]);
    assert(noMessage.code !== 0, "run of an agent without -m must fail");
    assertIncludes(noMessage.stderr, "--message");
    // An unknown target.
    const unknown = await home.run(["run", "nothing-here"]);
    assertExit(unknown, 1, "stigmer run <unknown>");
    assertIncludes(unknown.stderr, 'no workflow or agent named "nothing-here"');
  } finally {
    await home.cleanup();
    await llm.close();
    await api.close();
  }
});

import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/errors.ts";
import { validateManifest, workflowAgentRefs } from "../../src/model/kinds.ts";
import { parseManifests } from "../../src/project/manifest.ts";
import { prepareWorkflowCheck } from "../../src/project/manifest_value.ts";

await prepareWorkflowCheck(); // the DSL schema's validator, for Workflow manifests

const HEAD = "apiVersion: agentic.stigmer.ai/v1\n";

function messages(text: string): string[] {
  return parseManifests("m.yaml", text).diagnostics.map(formatDiagnostic);
}

function valid(text: string) {
  const { resources, diagnostics } = parseManifests("m.yaml", text);
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  assert.equal(resources.length, 1);
  return resources[0];
}

Deno.test("Agent: a full valid agent", () => {
  const agent = valid(`${HEAD}kind: Agent
metadata:
  name: Code Reviewer
  labels: {team: platform}
  annotations: {owner: "ana@example.com"}
spec:
  instructions: Review code.
  description: Reviews pull requests
  model: {provider: ollama, name: "qwen2.5-coder:7b"}
  skills: [house-style]
  mcpServers: [github]
  env: prod
`);
  assert.equal(agent.kind, "Agent");
  assert.equal(agent.name, "Code Reviewer");
  assert.deepEqual(agent.labels, { team: "platform" });
  assert.deepEqual(agent.annotations, { owner: "ana@example.com" });
  assert.deepEqual(agent.spec.skills, ["house-style"]);
  assert.deepEqual(agent.source, { file: "m.yaml", line: 1, column: 1 });
});

Deno.test("Agent: missing instructions, wrong types and unknown fields, all at once", () => {
  assert.deepEqual(
    messages(`${HEAD}kind: Agent
metadata:
  name: a
spec:
  skills: house-style
  mcpServers: [github, github]
  model: {provider: ollama, size: big}
  temperature: 0.2
`),
    [
      "m.yaml:5:1: spec.instructions: is missing; expected a string",
      "m.yaml:6:11: spec.skills: expected a list, got a string",
      'm.yaml:7:24: spec.mcpServers[1]: "github" is listed twice',
      'm.yaml:8:29: spec.model.size: unknown field "size"; expected one of: provider, name',
      'm.yaml:9:3: spec.temperature: unknown field "temperature"; ' +
      "expected one of: instructions, description, model, skills, mcpServers, env, maxSteps, subAgents",
    ],
  );
});

Deno.test("metadata: name required, at most 63 characters, with a letter or digit", () => {
  assert.deepEqual(messages(`${HEAD}kind: Agent\nmetadata: {}\nspec: {instructions: x}\n`), [
    "m.yaml:3:1: metadata.name: is missing; expected a string",
  ]);
  assert.deepEqual(
    messages(
      `${HEAD}kind: Agent\nmetadata: {name: "${"a".repeat(64)}"}\nspec: {instructions: x}\n`,
    ),
    [
      "m.yaml:3:18: metadata.name: must be at most 63 characters long (it has 64)",
    ],
  );
  assert.deepEqual(
    messages(`${HEAD}kind: Agent\nmetadata: {name: "!!"}\nspec: {instructions: x}\n`),
    [
      "m.yaml:3:18: metadata.name: must contain at least one letter or digit",
    ],
  );
  assert.deepEqual(
    messages(`${HEAD}kind: Agent\nmetadata: {name: ""}\nspec: {instructions: x}\n`),
    [
      "m.yaml:3:18: metadata.name: must not be empty",
    ],
  );
  assert.deepEqual(
    messages(
      `${HEAD}kind: Agent\nmetadata: {name: a, labels: {on: true}}\nspec: {instructions: x}\n`,
    ),
    [
      "m.yaml:3:34: metadata.labels.on: expected a string, got true (a boolean); put it in quotes to make it a string",
    ],
  );
  assert.equal(
    valid(`${HEAD}kind: Agent\nmetadata: {name: "${"a".repeat(63)}"}\nspec: {instructions: x}\n`)
      .name.length,
    63,
  );
});

Deno.test("envelope: apiVersion, spec and unknown top-level keys", () => {
  assert.deepEqual(
    messages(`apiVersion: agentic.stigmer.ai/v2
kind: Agent
metadata: {name: a}
status: {}
`),
    [
      'm.yaml:1:13: apiVersion: expected "agentic.stigmer.ai/v1", got "agentic.stigmer.ai/v2"',
      "m.yaml:1:1: spec: is missing; expected a mapping",
      'm.yaml:4:1: status: unknown field "status"; expected one of: apiVersion, kind, metadata, spec',
    ].sort((a, b) => a.localeCompare(b, "en", { numeric: true })).sort((a, b) =>
      Number(a.split(":")[1]) - Number(b.split(":")[1]) ||
      Number(a.split(":")[2]) - Number(b.split(":")[2])
    ),
  );
});

Deno.test("unknown and missing kinds list the valid kinds", () => {
  assert.deepEqual(messages(`${HEAD}kind: Agnet\nmetadata: {name: a}\nspec: {}\n`), [
    'm.yaml:2:7: kind: unknown kind "Agnet"; expected one of: Agent, Workflow, Skill, McpServer, Environment ' +
    "(did you mean Agent?)",
  ]);
  assert.deepEqual(messages(`${HEAD}kind: Database\nmetadata: {name: a}\n`), [
    'm.yaml:2:7: kind: unknown kind "Database"; expected one of: Agent, Workflow, Skill, McpServer, Environment',
  ]);
  assert.deepEqual(messages(`${HEAD}metadata: {name: a}\n`), [
    "m.yaml:1:1: kind: is missing; expected one of: Agent, Workflow, Skill, McpServer, Environment",
  ]);
  assert.deepEqual(messages(`- just\n- a list\n`), [
    "m.yaml:1:1: expected a mapping with apiVersion, kind, metadata and spec",
  ]);
});

Deno.test("Skill: exactly one of content and path", () => {
  assert.equal(
    valid(`${HEAD}kind: Skill\nmetadata: {name: s}\nspec: {description: d, content: "# Hi"}\n`).spec
      .content,
    "# Hi",
  );
  assert.equal(
    valid(`${HEAD}kind: Skill\nmetadata: {name: s}\nspec: {description: d, path: SKILL.md}\n`).spec
      .path,
    "SKILL.md",
  );
  assert.deepEqual(messages(`${HEAD}kind: Skill\nmetadata: {name: s}\nspec:\n  description: d\n`), [
    "m.yaml:4:1: spec: needs either content (markdown) or path (a SKILL.md file)",
  ]);
  assert.deepEqual(
    messages(`${HEAD}kind: Skill\nmetadata: {name: s}\nspec:\n  content: x\n  path: /etc/passwd\n`),
    [
      "m.yaml:4:1: spec.description: is missing; expected a string",
      "m.yaml:6:3: spec.path: use either content or path, not both",
      "m.yaml:6:9: spec.path: must be a path relative to the manifest",
    ],
  );
});

Deno.test("McpServer: stdio or http, not both, not neither", () => {
  const stdio = valid(`${HEAD}kind: McpServer
metadata: {name: github}
spec:
  stdio: {command: npx, args: ["-y", "@modelcontextprotocol/server-github"], env: {GITHUB_TOKEN_FILE: /run/t}}
`);
  assert.deepEqual(stdio.spec.stdio, {
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-github"],
    env: { GITHUB_TOKEN_FILE: "/run/t" },
  });
  valid(
    `${HEAD}kind: McpServer\nmetadata: {name: docs}\nspec: {http: {url: "https://mcp.example.com/sse"}}\n`,
  );
  assert.deepEqual(
    messages(`${HEAD}kind: McpServer\nmetadata: {name: m}\nspec: {description: nothing}\n`),
    [
      "m.yaml:4:1: spec: needs either stdio {command, args} or http {url}",
    ],
  );
  assert.deepEqual(
    messages(`${HEAD}kind: McpServer
metadata: {name: m}
spec:
  stdio: {args: [x]}
  http: {url: "ftp://example.com"}
`),
    [
      "m.yaml:5:3: spec.stdio.command: is missing; expected a string",
      "m.yaml:6:3: spec.http: use either stdio or http, not both",
      "m.yaml:6:15: spec.http.url: expected an http:// or https:// URL",
    ],
  );
});

Deno.test("Environment: variables are strings, secrets are references only", () => {
  const env = valid(`${HEAD}kind: Environment
metadata: {name: prod}
spec:
  variables: {REGION: eu-west-1}
  secrets: {OPENAI_API_KEY: {ref: openai-key}}
`);
  assert.deepEqual(env.spec.secrets, { OPENAI_API_KEY: { ref: "openai-key" } });
  assert.deepEqual(valid(`${HEAD}kind: Environment\nmetadata: {name: empty}\n`).spec, {});
  assert.deepEqual(
    messages(`${HEAD}kind: Environment
metadata: {name: prod}
spec:
  variables: {PORT: 8080, bad-name: x, BOTH: y}
  secrets:
    OPENAI_API_KEY: sk-live-123
    BOTH: {ref: b}
    EMPTY: {ref: ""}
`),
    [
      "m.yaml:5:21: spec.variables.PORT: expected a string, got a number; put it in quotes to make it a string",
      "m.yaml:5:27: spec.variables.bad-name: expected an environment variable name: letters, digits and _",
      "m.yaml:7:21: spec.secrets.OPENAI_API_KEY: expected a secret reference such as {ref: openai-api-key}; " +
      "secret values are never written in manifests",
      'm.yaml:8:5: spec.secrets.BOTH: "BOTH" is both a variable and a secret; keep one',
      "m.yaml:9:18: spec.secrets.EMPTY.ref: must not be empty",
    ],
  );
});

const WORKFLOW = `${HEAD}kind: Workflow
metadata: {name: triage}
spec:
  document: {dsl: "1.0.0", namespace: default, name: triage, version: "1.0.0"}
  input: {schema: {format: json, document: {type: object}}}
  do:
    - classify:
        call: agent
        with: {agent: classifier, message: "\${ .issue }"}
    - route:
        switch:
          - bug: {when: '.kind == "bug"', then: fix}
          - other: {then: end}
    - fix:
        for: {each: file, in: "\${ .files }"}
        do:
          - patch:
              call: agent
              with: {agent: fixer, message: "\${ .file }"}
    - guarded:
        try:
          - fetch:
              call: http
              with: {method: get, endpoint: "https://example.com"}
        catch:
          errors: {with: {status: 503}}
          do:
            - ask:
                call: agent
                with: {agent: classifier, message: retry}
    - pause: {wait: PT5S, then: done}
    - parallel:
        fork:
          branches:
            - one: {set: {a: 1}}
            - two: {call: agent, with: {agent: reviewer, message: review}}
    - done:
        raise: {error: {type: "https://example.com/errors/x", status: 500}}
`;

Deno.test("Workflow: a valid CNCF document and the agents it calls, recursively", () => {
  const workflow = valid(WORKFLOW);
  assert.deepEqual(workflowAgentRefs(workflow.spec), ["classifier", "fixer", "reviewer"]);
  assert.deepEqual(
    workflowAgentRefs({ do: [{ a: { do: [{ b: { call: "agent", with: { agent: "deep" } } }] } }] }),
    [
      "deep",
    ],
  );
  assert.deepEqual(workflowAgentRefs({}), []);
});

Deno.test("Workflow: structure problems, all reported with their place", () => {
  assert.deepEqual(
    messages(`${HEAD}kind: Workflow
metadata: {name: w}
spec:
  document: {dsl: "1.0.0", namespace: default, name: w, version: 1.0}
  do:
    - first:
        call: agent
        then: nowhere
    - second:
        set: {a: 1}
        call: http
    - third: {bogus: 1}
    - fourth:
        wait: 5 seconds
        retries: 3
    - a: {set: {}}
      b: {set: {}}
    - fifth:
        switch:
          - yes: {when: ".x", then: missing}
    - sixth:
        for: {in: "\${ .x }"}
    - first: {set: {}}
`),
    [
      "m.yaml:5:66: spec.document.version: must be a string",
      "m.yaml:7:7: spec.do[0].first.with: needs `with: {agent, message}`",
      'm.yaml:9:15: spec.do[0].first.then: no task named "nowhere" in this list ' +
      "(flow directives are continue, exit, end or a sibling task's name)",
      "m.yaml:11:9: spec.do[1].second: a task does one thing, but this one has call and set; " +
      "split it into several tasks",
      "m.yaml:13:14: spec.do[2].third: not a task: it needs one of call, do, emit, for, fork, " +
      "listen, raise, run, set, switch, try, wait",
      'm.yaml:15:15: spec.do[3].fourth.wait: "5 seconds" is not an ISO 8601 duration like "PT30S" or "P1DT2H"',
      'm.yaml:16:18: spec.do[3].fourth.retries: unknown field "retries" for a wait task',
      "m.yaml:17:7: spec.do[4]: each entry must be a single {name: task} object",
      'm.yaml:21:37: spec.do[5].fifth.switch[0].yes.then: no task named "missing" in this list ' +
      "(flow directives are continue, exit, end or a sibling task's name)",
      "m.yaml:22:7: spec.do[6].sixth.do: must be a list of tasks ([{name: task}, …])",
      'm.yaml:24:14: spec.do[7].first: another task in this list is named "first"',
    ],
  );
});

Deno.test("Workflow: document and do are required", () => {
  assert.deepEqual(messages(`${HEAD}kind: Workflow\nmetadata: {name: w}\nspec:\n  do: []\n`), [
    "m.yaml:4:1: spec.document: is missing (the DSL requires it)",
    "m.yaml:5:7: spec.do: has no tasks",
  ]);
});

Deno.test("validateManifest works on plain values too", () => {
  const { manifest, problems } = validateManifest({
    apiVersion: "agentic.stigmer.ai/v1",
    kind: "Skill",
    metadata: { name: "s" },
    spec: { description: "d", content: "c" },
  });
  assert.deepEqual(problems, []);
  assert.equal(manifest?.kind, "Skill");
  assert.deepEqual(validateManifest("text").problems.map((p) => p.message), [
    "expected a mapping with apiVersion, kind, metadata and spec",
  ]);
});

Deno.test("metadata: names and labels refuse control, format and invalid characters", () => {
  const agent = (name: string, labels = "{}") =>
    messages(
      `${HEAD}kind: Agent\nmetadata: {name: "${name}", labels: ${labels}}\nspec: {instructions: x}\n`,
    );
  const refused =
    /^m\.yaml:3:\d+: metadata\.(name|labels.*): must not contain control, format or invalid characters \((U\+[0-9A-F]{4})/;
  for (
    const [name, code] of [
      ["nul\\0byte", "U+0000"],
      ["two\\nlines", "U+000A"],
      ["bidi\\u202Eevil", "U+202E"],
      ["zero\\u200Bwidth", "U+200B"],
      ["bad\uFFFDutf8", "U+FFFD"],
      ["esc\\e[31mred", "U+001B"],
    ]
  ) {
    const found = agent(name);
    assert.equal(found.length, 1, `${name}: ${found}`);
    assert.match(found[0], refused, name);
    assert.equal(refused.exec(found[0])![2], code, name);
  }
  assert.match(agent("ok", '{"te\\u200Bam": a}')[0], refused);
  assert.match(agent("ok", '{team: "a\\u2066b"}')[0], refused);
  // Letters of every script, spaces and punctuation stay valid.
  assert.deepEqual(agent("Café ☕ 日本 writer!", '{team: "Équipe A"}'), []);
});

Deno.test("Agent: MCP servers inline (SPEC §10), enabledTools, sub-agents and maxSteps", () => {
  const agent = valid(`${HEAD}kind: Agent
metadata:
  name: reviewer
spec:
  instructions: Review.
  mcpServers:
    - github
    - name: files
      stdio: {command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", "."]}
      enabledTools: [read_file, list_directory]
  subAgents:
    - {name: tester, description: Writes tests, instructions: Write tests., mcpServers: [files]}
  maxSteps: 5
`);
  assert.equal(agent.spec.maxSteps, 5);
  assert.deepEqual((agent.spec.mcpServers as unknown[])[0], "github");
  assert.deepEqual(
    messages(`${HEAD}kind: Agent
metadata:
  name: a
spec:
  instructions: x
  maxSteps: 0
  mcpServers:
    - name: both
      stdio: {command: npx}
      http: {url: "http://localhost:1/mcp"}
    - name: neither
`).map((m) => m.replace(/^m\.yaml:\d+:\d+: /, "")),
    [
      "spec.maxSteps: must be at least 1",
      "spec.mcpServers[0].http: use either stdio or http, not both",
      "spec.mcpServers[1]: needs either stdio {command, args} or http {url}",
    ],
  );
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { formatDiagnostic, UsageError } from "../../src/errors.ts";
import { expandGlob, matchPath } from "../../src/project/glob.ts";
import { parseManifests } from "../../src/project/manifest.ts";
import { prepareWorkflowCheck } from "../../src/project/manifest_value.ts";
import { findProjectFile, loadProject } from "../../src/project/project.ts";
import { checkBatch } from "../../src/project/batch.ts";
import { AGENT, agentYaml, validationError, withProject } from "./helpers.ts";

await prepareWorkflowCheck(); // parseManifests checks Workflow manifests with the DSL schema

const SKILL = `apiVersion: agentic.stigmer.ai/v1
kind: Skill
metadata: {name: house-style}
spec: {description: d, content: c}
`;

function messagesOf(error: { diagnostics: Parameters<typeof formatDiagnostic>[0][] }): string[] {
  return error.diagnostics.map(formatDiagnostic);
}

Deno.test("glob matching: **, *, ?, {a,b}, and no dotfiles by default", () => {
  const match = (pattern: string, path: string) => matchPath(pattern, path);
  assert.ok(match("stigmer/**/*.yaml", "stigmer/a.yaml"));
  assert.ok(match("stigmer/**/*.yaml", "stigmer/x/y/a.yaml"));
  assert.ok(!match("stigmer/**/*.yaml", "stigmer/a.yml"));
  assert.ok(!match("stigmer/**/*.yaml", "other/a.yaml"));
  assert.ok(!match("stigmer/**/*.yaml", "stigmer/.hidden/a.yaml"));
  assert.ok(!match("stigmer/*.yaml", "stigmer/.a.yaml"));
  assert.ok(match("stigmer/.*.yaml", "stigmer/.a.yaml"));
  assert.ok(match("agents/agent-?.yaml", "agents/agent-1.yaml"));
  assert.ok(!match("agents/agent-?.yaml", "agents/agent-10.yaml"));
  assert.ok(match("*.{yaml,yml}", "a.yml"));
  assert.ok(match("./stigmer//a.yaml", "stigmer/a.yaml"));
  assert.ok(match("a+b(1).yaml", "a+b(1).yaml"));
  assert.ok(match("**", "deep/er/file"));
  assert.ok(match("stigmer/.github/*.yaml", "stigmer/.github/a.yaml"));
  assert.ok(!match("stigmer/.github/*.yaml", "stigmer/.github/.a.yaml"));
  assert.ok(match("stigmer/[ab].yaml", "stigmer/b.yaml"));
  assert.ok(!match("stigmer/[ab].yaml", "stigmer/c.yaml"));
  assert.ok(matchPath("stigmer/**/*.yaml", "stigmer", true));
  assert.ok(!matchPath("stigmer/**/*.yaml", "other", true));
  assert.ok(!matchPath("stigmer/*.yaml", "stigmer/x", true));
});

Deno.test("glob matching: a comma outside braces is a plain character (it once split the pattern)", () => {
  // The hand-written matcher turned "a,b.yaml" into /^a|b\.yaml$/, so "agent.yaml" matched.
  assert.ok(!matchPath("a,b.yaml", "agent.yaml"));
  assert.ok(!matchPath("a,b.yaml", "b.yaml"));
  assert.ok(matchPath("a,b.yaml", "a,b.yaml"));
  assert.ok(!matchPath("stigmer/x,y/*.yaml", "stigmer/x", true));
  assert.ok(matchPath("{agents,workflows}/*.yaml", "workflows/w.yaml"));
  assert.ok(matchPath("{agents/a,workflows}/*.yaml", "agents/a/x.yaml"));
});

Deno.test("expandGlob: a comma in a pattern selects only the file so named", async () => {
  await withProject(
    { "agent.yaml": AGENT, "a,b.yaml": AGENT.replace("name: ", "name: ab") },
    (dir) => {
      assert.deepEqual(expandGlob(dir, "a,b.yaml").files, [join(dir, "a,b.yaml")]);
    },
  );
});

Deno.test("findProjectFile searches upward", async () => {
  await withProject({ "Stigmer.yaml": "name: p\n", "a/b/c/.keep": "" }, async (dir) => {
    assert.equal(await findProjectFile(join(dir, "a/b/c")), join(dir, "Stigmer.yaml"));
    assert.equal(await findProjectFile(dir), join(dir, "Stigmer.yaml"));
  });
  await withProject({ "x/.keep": "" }, async (dir) => {
    const found = await findProjectFile(join(dir, "x"));
    assert.ok(found === undefined || !found.startsWith(dir));
  });
});

Deno.test("loadProject: default resources glob, nested folders, multi-document files", async () => {
  await withProject({
    "Stigmer.yaml": "name: hello-stigmer\ndescription: demo\norganization: acme\n",
    "stigmer/agents.yaml": `${AGENT}---\n${agentYaml("helper")}`,
    "stigmer/skills/style.yaml": SKILL,
    "stigmer/ignored.yml": "not: matched\n",
    "stigmer/.drafts/x.yaml": "not: matched\n",
    "elsewhere/x.yaml": "not: matched\n",
  }, async (dir) => {
    const project = await loadProject({ dir, cwd: dir });
    assert.equal(project.name, "hello-stigmer");
    assert.equal(project.description, "demo");
    assert.equal(project.organization, "acme");
    assert.equal(project.dir, dir);
    assert.equal(project.projectFile, join(dir, "Stigmer.yaml"));
    assert.deepEqual(project.files, [
      join(dir, "stigmer/agents.yaml"),
      join(dir, "stigmer/skills/style.yaml"),
    ]);
    assert.deepEqual(
      project.resources.map((r) => `${r.kind}/${r.name}@${r.source.file}:${r.source.line}`),
      [
        "Agent/greeter@stigmer/agents.yaml:1",
        "Agent/helper@stigmer/agents.yaml:8",
        "Skill/house-style@stigmer/skills/style.yaml:1",
      ],
    );
    // Found upward from a subdirectory too, with paths relative to where we are.
    const fromSub = await loadProject({ cwd: join(dir, "stigmer/skills") });
    assert.equal(fromSub.resources[2].source.file, "style.yaml");
    assert.equal(fromSub.resources[0].source.file, join(dir, "stigmer/agents.yaml"));
  });
});

Deno.test("loadProject: custom globs; problems from every file are reported together", async () => {
  await withProject({
    "Stigmer.yaml": 'name: p\nresources: ["agents/*.yaml", "skills/**/*.yaml"]\n',
    "agents/a.yaml": agentYaml("a").replace("instructions: Be helpful.", "description: x"),
    "agents/b.yaml": "kind: Robot\n",
    "skills/s/s.yaml": SKILL.replace("description: d, ", ""),
  }, async (dir) => {
    const error = await validationError(() => loadProject({ dir, cwd: dir }));
    assert.equal(error.exitCode, 2);
    assert.equal(error.message, "found 3 problems");
    assert.deepEqual(messagesOf(error), [
      "agents/a.yaml:5:1: spec.instructions: is missing; expected a string",
      'agents/b.yaml:1:7: kind: unknown kind "Robot"; expected one of: Agent, Workflow, Skill, McpServer, Environment',
      "skills/s/s.yaml:4:1: spec.description: is missing; expected a string",
    ]);
  });
});

Deno.test("Stigmer.yaml problems carry its file and line", async () => {
  await withProject({
    "Stigmer.yaml": "description: no name\nresources: stigmer\nmian: main.ts\n",
  }, async (dir) => {
    const error = await validationError(() => loadProject({ dir, cwd: dir }));
    assert.deepEqual(messagesOf(error), [
      "Stigmer.yaml:1:1: name: is missing; expected a string",
      "Stigmer.yaml:2:12: resources: expected a list, got a string",
      'Stigmer.yaml:3:1: mian: unknown field "mian"; expected one of: name, description, organization, resources, main',
    ]);
  });
  await withProject({ "Stigmer.yaml": "name: [unclosed\n" }, async (dir) => {
    const error = await validationError(() => loadProject({ dir, cwd: dir }));
    assert.equal(error.diagnostics[0].file, "Stigmer.yaml");
    assert.match(error.diagnostics[0].message, /^invalid YAML: /);
  });
});

Deno.test("resources globs and main may not leave the project directory", async () => {
  await withProject({
    "project/Stigmer.yaml": `name: p
resources:
  - "../shared/*.yaml"
  - /etc/*.yaml
  - stigmer/*.yaml
main: ../main.ts
`,
    "shared/a.yaml": AGENT,
    "main.ts": "",
  }, async (dir) => {
    const root = join(dir, "project");
    const error = await validationError(() => loadProject({ dir: root, cwd: root }));
    assert.deepEqual(messagesOf(error), [
      'Stigmer.yaml:3:5: resources[0]: must stay inside the project directory (no "..")',
      "Stigmer.yaml:4:5: resources[1]: must be relative to the project directory, not absolute",
      'Stigmer.yaml:6:7: main: must stay inside the project directory (no "..")',
    ]);
  });
  await withProject({ "project/Stigmer.yaml": "name: p\nmain: /tmp/main.ts\n" }, async (dir) => {
    const error = await validationError(() => loadProject({ dir: join(dir, "project"), cwd: dir }));
    assert.deepEqual(messagesOf(error), [
      "project/Stigmer.yaml:2:7: main: must be relative to the project directory, not absolute",
    ]);
  });
});

Deno.test("symlinks leading out of the project are refused", async () => {
  await withProject({
    "project/Stigmer.yaml": "name: p\nmain: main.ts\n",
    "project/stigmer/ok.yaml": AGENT,
    "outside/evil.yaml": agentYaml("evil"),
    "outside/dir/more.yaml": agentYaml("more"),
    "outside/main.ts": "",
  }, async (dir) => {
    const root = join(dir, "project");
    await Deno.symlink(join(dir, "outside/evil.yaml"), join(root, "stigmer/link.yaml"));
    await Deno.symlink(join(dir, "outside/dir"), join(root, "stigmer/linked-dir"));
    await Deno.symlink(join(dir, "outside/main.ts"), join(root, "main.ts"));
    const error = await validationError(() => loadProject({ dir: root, cwd: root }));
    const messages = messagesOf(error);
    assert.equal(messages.length, 3);
    assert.match(
      messages[0],
      /^Stigmer\.yaml:1:1: resources: "stigmer\/\*\*\/\*\.yaml" matches stigmer\/link\.yaml, a symlink to .*outside the project directory$/,
    );
    assert.match(
      messages[1],
      /^Stigmer\.yaml:1:1: resources: .* matches stigmer\/linked-dir, a symlink to .*outside/,
    );
    assert.match(
      messages[2],
      /^Stigmer\.yaml:2:7: main: main\.ts is a symlink to .*outside the project directory/,
    );
  });
});

Deno.test("expandGlob follows symlinks that stay inside, lists each file once and survives loops", async () => {
  await withProject({ "stigmer/real/a.yaml": AGENT }, async (dir) => {
    await Deno.symlink(join(dir, "stigmer/real"), join(dir, "stigmer/alias"));
    await Deno.symlink(join(dir, "stigmer/real/a.yaml"), join(dir, "stigmer/dup.yaml"));
    await Deno.symlink(join(dir, "stigmer"), join(dir, "stigmer/real/loop"));
    await Deno.symlink(join(dir, "nowhere"), join(dir, "stigmer/dangling.yaml"));
    const { files, escapes } = expandGlob(dir, "stigmer/**/*.yaml");
    assert.deepEqual(escapes, []);
    assert.deepEqual(files, [join(dir, "stigmer/real/a.yaml")]);
    // Reached only through a link, the link's path is what we report.
    await Deno.remove(join(dir, "stigmer/real/loop"));
    assert.deepEqual(expandGlob(dir, "stigmer/alias/*.yaml").files, [
      join(dir, "stigmer/alias/a.yaml"),
    ]);
  });
});

Deno.test("missing pieces: no Stigmer.yaml, a literal file that is not there, nothing declared", async () => {
  await withProject({}, async (dir) => {
    await assert.rejects(() => loadProject({ dir, cwd: dir }), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /^no Stigmer\.yaml found in /);
      assert.match(error.hint ?? "", /stigmer init/);
      return true;
    });
  });
  await withProject({ "Stigmer.yaml": "name: p\nresources: [agents.yaml]\n" }, async (dir) => {
    const error = await validationError(() => loadProject({ dir, cwd: dir }));
    assert.deepEqual(messagesOf(error), [
      "Stigmer.yaml:2:13: resources[0]: file not found: agents.yaml",
    ]);
  });
  await withProject({ "Stigmer.yaml": "name: p\n" }, async (dir) => {
    const error = await validationError(() => loadProject({ dir, cwd: dir }));
    assert.deepEqual(messagesOf(error), [
      'Stigmer.yaml:1:1: resources: no manifests match "stigmer/**/*.yaml" and no main program is set',
    ]);
  });
  await withProject({ "Stigmer.yaml": "name: p\nresources: []\n" }, async (dir) => {
    const error = await validationError(() => loadProject({ dir, cwd: dir }));
    assert.deepEqual(messagesOf(error), [
      "Stigmer.yaml:2:12: resources: is empty and no main program is set: nothing to apply",
    ]);
  });
  await withProject({ "Stigmer.yaml": "name: p\nmain: main.ts\n" }, async (dir) => {
    const error = await validationError(() => loadProject({ dir, cwd: dir }));
    assert.deepEqual(messagesOf(error), ["Stigmer.yaml:2:7: main: file not found: main.ts"]);
  });
});

Deno.test("-f files: no Stigmer.yaml needed; the nearest one names the project", async () => {
  await withProject({
    "loose/a.yaml": AGENT,
    "loose/more/b.yaml": agentYaml("b"),
    "loose/more/c.yml": agentYaml("c"),
    "loose/more/notes.txt": "ignored",
    "proj/Stigmer.yaml": "name: the-project\n",
    "proj/x/d.yaml": agentYaml("d"),
  }, async (dir) => {
    const loose = await loadProject({ files: ["loose/a.yaml", "loose/more"], cwd: dir });
    assert.equal(loose.name, "");
    assert.equal(loose.projectFile, undefined);
    assert.deepEqual(loose.resources.map((r) => `${r.name}@${r.source.file}`).sort(), [
      "b@loose/more/b.yaml",
      "c@loose/more/c.yml",
      "greeter@loose/a.yaml",
    ]);
    const inProject = await loadProject({ files: [join(dir, "proj/x/d.yaml")], cwd: dir });
    assert.equal(inProject.name, "the-project");
    assert.equal(inProject.dir, join(dir, "proj"));
    const error = await validationError(() =>
      loadProject({ files: ["loose/a.yaml", "nope.yaml"], cwd: dir })
    );
    assert.deepEqual(messagesOf(error), ["nope.yaml: file not found"]);
  });
});

function batch(text: string) {
  const { resources, diagnostics } = parseManifests("b.yaml", text);
  assert.deepEqual(diagnostics, []);
  return resources;
}

Deno.test("checkBatch: duplicate names per kind point at the second and name the first", () => {
  const resources = batch(
    `${AGENT}---\n${agentYaml("Greeter")}---\n${SKILL}---\n${agentYaml("greeter")}---
apiVersion: agentic.stigmer.ai/v1
kind: Skill
metadata: {name: greeter}
spec: {description: "same name, other kind", content: fine}
`,
  );
  assert.deepEqual(checkBatch(resources).errors.map(formatDiagnostic), [
    'b.yaml:11:9: metadata.name: Agent "Greeter" has the same slug "greeter" as "greeter"; the first is at b.yaml:1',
    'b.yaml:23:9: metadata.name: Agent "greeter" is declared twice; the first is at b.yaml:1',
  ]);
});

const REFS = `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata: {name: writer}
spec:
  instructions: Write.
  skills: [house-style, web-search]
  mcpServers: [github]
  env: prod
---
apiVersion: agentic.stigmer.ai/v1
kind: Workflow
metadata: {name: flow}
spec:
  document: {dsl: "1.0.0", namespace: default, name: flow, version: "1.0.0"}
  do:
    - draft: {call: agent, with: {agent: writer, message: draft}}
    - loop:
        for: {in: "\${ .items }"}
        do:
          - review: {call: agent, with: {agent: Reviewer, message: review}}
---
${SKILL}`;

Deno.test("checkBatch: references to names not in the batch are unresolved, at the reference", () => {
  const { errors, unresolved } = checkBatch(batch(REFS));
  assert.deepEqual(errors, []);
  assert.deepEqual(unresolved.map(formatDiagnostic), [
    'b.yaml:6:25: spec.skills[1]: Skill "web-search" not found: no Skill of that name in this batch',
    'b.yaml:7:16: spec.mcpServers[0]: McpServer "github" not found: no McpServer of that name in this batch',
    'b.yaml:8:8: spec.env: Environment "prod" not found: no Environment of that name in this batch',
    'b.yaml:20:49: spec.do[1].loop.do[0].review.with.agent: Agent "Reviewer" not found: ' +
    "no Agent of that name in this batch",
  ]);
});

Deno.test("checkBatch: a reference names a resource by its name or its slug, as get does", () => {
  const resources = batch(`apiVersion: agentic.stigmer.ai/v1
kind: Skill
metadata: {name: House Style}
spec: {description: d, content: c}
---
apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata: {name: writer}
spec:
  instructions: Write.
  skills: [House Style, house-style, house style]
`);
  const { errors, unresolved } = checkBatch(resources);
  assert.deepEqual(errors, []);
  assert.deepEqual(unresolved.map(formatDiagnostic), [
    'b.yaml:11:38: spec.skills[2]: Skill "house style" not found: no Skill of that name in this batch',
  ]);
});

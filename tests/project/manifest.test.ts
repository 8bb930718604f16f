import assert from "node:assert/strict";
import { join } from "node:path";
import { formatDiagnostic } from "../../src/errors.ts";
import {
  locateIn,
  parseManifests,
  readManifestFile,
  toResourceInput,
} from "../../src/project/manifest.ts";
import { MAX_MANIFEST_BYTES } from "../../src/model/yaml_source.ts";
import { AGENT, agentYaml, withProject } from "./helpers.ts";

Deno.test("multi-document YAML: every resource with the line it starts on; empty documents skipped", () => {
  const text = `# leading comment
---
${AGENT}---
---
# only a comment
---
apiVersion: agentic.stigmer.ai/v1
kind: Skill
metadata: {name: tone}
spec: {description: Tone of voice, content: Be kind.}
...
`;
  const { resources, diagnostics } = parseManifests("stigmer/all.yaml", text);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(resources.map((r) => [r.kind, r.name, r.source.file, r.source.line]), [
    ["Agent", "greeter", "stigmer/all.yaml", 3],
    ["Skill", "tone", "stigmer/all.yaml", 13],
  ]);
  assert.deepEqual(toResourceInput(resources[0], "hello"), {
    kind: "Agent",
    name: "greeter",
    labels: {},
    annotations: {},
    spec: { instructions: "Greet people warmly." },
    project: "hello",
  });
});

Deno.test("an empty file declares nothing and is not an error", () => {
  assert.deepEqual(parseManifests("e.yaml", ""), { resources: [], diagnostics: [] });
  assert.deepEqual(parseManifests("e.yaml", "# nothing\n---\n"), {
    resources: [],
    diagnostics: [],
  });
});

Deno.test("every problem in every document, with file, line, column and key path", () => {
  const text = `${AGENT}---
apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: broken
spec:
  description: no instructions here
---
apiVersion: agentic.stigmer.ai/v1
kind: Skill
metadata:
  name: s
spec:
  description: 42
  content: ok
`;
  const { resources, diagnostics } = parseManifests("a.yaml", text);
  assert.deepEqual(resources.map((r) => r.name), ["greeter"]);
  assert.deepEqual(diagnostics, [
    {
      file: "a.yaml",
      line: 12,
      column: 1,
      path: "spec.instructions",
      message: "is missing; expected a string",
    },
    {
      file: "a.yaml",
      line: 20,
      column: 16,
      path: "spec.description",
      message: "expected a string, got a number; put it in quotes to make it a string",
    },
  ]);
  assert.equal(
    formatDiagnostic(diagnostics[1]).startsWith(
      "a.yaml:20:16: spec.description: expected a string",
    ),
    true,
  );
});

Deno.test("locateIn finds fields of a valid resource, for later checks", () => {
  const { resources } = parseManifests(
    "a.yaml",
    agentYaml("a", "  skills:\n    - one\n    - two\n"),
  );
  assert.deepEqual(locateIn(resources[0], ["spec", "skills", 1]), { line: 9, column: 7 });
  assert.deepEqual(locateIn(resources[0], ["metadata", "name"]), { line: 4, column: 9 });
  assert.deepEqual(locateIn(resources[0], ["spec", "nothing"]), { line: 5, column: 1 });
});

Deno.test("YAML syntax errors become diagnostics with their line; other documents still count", () => {
  const text = `${AGENT}---
apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: bad
   indent: wrong
---
k: 1
k: 2
`;
  const { resources, diagnostics } = parseManifests("s.yaml", text);
  assert.deepEqual(resources.map((r) => r.name), ["greeter"]);
  assert.ok(diagnostics.length >= 2);
  assert.ok(
    diagnostics.every((d) => d.file === "s.yaml" && d.message.startsWith("invalid YAML: ")),
  );
  assert.equal(diagnostics[0].line, 11);
  assert.deepEqual(diagnostics.at(-1), {
    file: "s.yaml",
    line: 15,
    column: 1,
    path: "",
    message: 'invalid YAML: key "k" appears twice in this mapping',
  });
});

Deno.test("an alias bomb is refused with a clear error", () => {
  const bomb = `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata: {name: boom}
spec:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  instructions: *g
`;
  const started = performance.now();
  const { resources, diagnostics } = parseManifests("bomb.yaml", bomb);
  assert.ok(performance.now() - started < 2000);
  assert.deepEqual(resources, []);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].line, 1);
  assert.match(diagnostics[0].message, /too many YAML alias expansions .* alias bomb/);
  // A few aliases are fine.
  const ok = parseManifests("ok.yaml", `${AGENT}  description: &d hello\nmetadata2: *d\n`);
  assert.match(ok.diagnostics[0]?.message ?? "", /unknown field "metadata2"/);
});

Deno.test("manifests over 10 MB are refused before parsing", async () => {
  const big = `${AGENT}  description: "${"x".repeat(MAX_MANIFEST_BYTES)}"\n`;
  const parsed = parseManifests("big.yaml", big);
  assert.deepEqual(parsed.resources, []);
  assert.match(
    parsed.diagnostics[0].message,
    /^file is 10\.0 MB; manifests larger than 10\.0 MB are refused$/,
  );

  await withProject({ "big.yaml": big }, async (dir) => {
    const result = await readManifestFile(join(dir, "big.yaml"), { root: dir, cwd: dir });
    assert.deepEqual(result.resources, []);
    assert.deepEqual(result.diagnostics.map((d) => [d.file, d.line]), [["big.yaml", 0]]);
    assert.match(result.diagnostics[0].message, /manifests larger than 10\.0 MB are refused/);
  });
});

const SKILL = (path: string) =>
  `apiVersion: agentic.stigmer.ai/v1
kind: Skill
metadata: {name: style}
spec:
  description: House style
  path: ${path}
`;

Deno.test("a Skill's path is read relative to the manifest and inlined as content", async () => {
  await withProject({
    "stigmer/skills.yaml": `${SKILL("../skills/style/SKILL.md")}---\n${
      SKILL("../skills/style").replace("style}", "dir}")
    }`,
    "skills/style/SKILL.md": "# House style\nShort sentences.\n",
  }, async (dir) => {
    const { resources, diagnostics } = await readManifestFile(join(dir, "stigmer/skills.yaml"), {
      root: dir,
      cwd: dir,
    });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(resources.map((r) => r.spec), [
      { description: "House style", content: "# House style\nShort sentences.\n" },
      { description: "House style", content: "# House style\nShort sentences.\n" },
    ]);
    assert.equal(resources[0].source.file, "stigmer/skills.yaml");
  });
});

Deno.test("a Skill's path must exist and stay inside the project", async () => {
  await withProject({
    "project/stigmer/a.yaml": SKILL("missing.md"),
    "project/stigmer/b.yaml": SKILL("../../outside.md"),
    "project/stigmer/c.yaml": SKILL("link.md"),
    "outside.md": "secret",
  }, async (dir) => {
    const root = join(dir, "project");
    await Deno.symlink(join(dir, "outside.md"), join(root, "stigmer/link.md"));
    const read = (name: string) =>
      readManifestFile(join(root, "stigmer", name), { root, cwd: root });

    const missing = await read("a.yaml");
    assert.deepEqual(missing.diagnostics.map(formatDiagnostic), [
      "stigmer/a.yaml:6:9: spec.path: skill file not found: missing.md",
    ]);
    const escaping = await read("b.yaml");
    assert.match(
      formatDiagnostic(escaping.diagnostics[0]),
      /^stigmer\/b\.yaml:6:9: spec\.path: .*outside the project/,
    );
    const symlink = await read("c.yaml");
    assert.match(
      formatDiagnostic(symlink.diagnostics[0]),
      /^stigmer\/c\.yaml:6:9: spec\.path: link\.md is a symlink to .*outside/,
    );
  });
});

Deno.test("a missing manifest file is a diagnostic, not a crash", async () => {
  await withProject({}, async (dir) => {
    const result = await readManifestFile(join(dir, "nope.yaml"), { root: dir, cwd: dir });
    assert.deepEqual(result.diagnostics, [{
      file: "nope.yaml",
      line: 0,
      column: 0,
      path: "",
      message: "file not found",
    }]);
  });
});

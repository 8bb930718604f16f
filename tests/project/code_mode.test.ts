import assert from "node:assert/strict";
import { join } from "node:path";
import { formatDiagnostic, StigmerError } from "../../src/errors.ts";
import { installSdk, parseJsonc, runCodeMode, SDK_PATH } from "../../src/project/code_mode.ts";
import { loadProject } from "../../src/project/project.ts";
import { parseSynthOutput, SYNTH_BEGIN, SYNTH_END } from "../../src/project/synth.ts";
import { AGENT, validationError, withProject } from "./helpers.ts";

const MAIN =
  `import { agent, callAgent, environment, mcpServer, secret, skill, synth, workflow } from "@stigmer/sdk";
import { TONE } from "lib/tone.ts";

console.log("noise on stdout is ignored");
const style = skill({ name: "house-style", description: "How we write", path: "skills/style" });
const github = mcpServer({ name: "github", stdio: { command: "npx", args: ["-y", "server-github"] } });
const prod = environment({ name: "prod", variables: { REGION: "eu" }, secrets: { KEY: secret("openai") } });
const writer = agent({
  name: "writer",
  instructions: TONE,
  skills: [style, "greeting"],
  mcpServers: [github],
  env: prod,
  labels: { team: "docs" },
});
const notes = workflow({
  name: "notes",
  do: [{ draft: callAgent(writer, "Write about \${ .topic }") }, { done: { set: { ok: true } } }],
});
synth(notes);
`;

const PROJECT = {
  "Stigmer.yaml": "name: code\nmain: main.ts\n",
  "deno.json":
    '{\n  // the project\'s own imports survive\n  "imports": { "lib/": "./lib/" },\n}\n',
  "lib/tone.ts": 'export const TONE = "You write short, friendly notes.";\n',
  "main.ts": MAIN,
  "skills/style/SKILL.md": "# Style\nShort sentences.\n",
  "stigmer/greeting.yaml": AGENT.replace("greeter", "greeting").replace(
    "kind: Agent",
    "kind: Skill",
  ).replace(
    "  instructions: Greet people warmly.",
    "  description: Greetings\n  content: Say hello.",
  ),
};

Deno.test("code mode: a real program declares resources with the SDK, alongside YAML manifests", async () => {
  await withProject(PROJECT, async (dir) => {
    const project = await loadProject({ dir, cwd: dir });
    assert.equal(project.main, join(dir, "main.ts"));
    assert.deepEqual(
      project.resources.map((r) => `${r.kind}/${r.name}@${r.source.file}:${r.source.line}`),
      [
        "Skill/greeting@stigmer/greeting.yaml:1",
        "Skill/house-style@main.ts:5",
        "McpServer/github@main.ts:6",
        "Environment/prod@main.ts:7",
        "Agent/writer@main.ts:8",
        "Workflow/notes@main.ts:16",
      ],
    );
    const byName = Object.fromEntries(project.resources.map((r) => [r.name, r]));
    assert.deepEqual(byName["house-style"].spec, {
      description: "How we write",
      content: "# Style\nShort sentences.\n",
    });
    assert.deepEqual(byName.writer.spec, {
      instructions: "You write short, friendly notes.",
      skills: ["house-style", "greeting"],
      mcpServers: ["github"],
      env: "prod",
    });
    assert.deepEqual(byName.writer.labels, { team: "docs" });
    assert.deepEqual(byName.prod.spec.secrets, { KEY: { ref: "openai" } });
    assert.deepEqual(byName.notes.spec.document, {
      dsl: "1.0.0",
      namespace: "default",
      name: "notes",
      version: "0.1.0",
    });
    assert.deepEqual(byName.notes.spec.do, [
      { draft: { call: "agent", with: { agent: "writer", message: "Write about \${ .topic }" } } },
      { done: { set: { ok: true } } },
    ]);
    // The SDK and import map live in .stigmer/, ignored by git.
    assert.ok((await Deno.readTextFile(join(dir, SDK_PATH))).includes("export function synth("));
    assert.equal(await Deno.readTextFile(join(dir, ".stigmer/.gitignore")), "*\n");
  });
});

Deno.test("code mode: runMain false skips the program", async () => {
  await withProject(PROJECT, async (dir) => {
    const project = await loadProject({ dir, cwd: dir, runMain: false });
    assert.deepEqual(project.resources.map((r) => r.name), ["greeting"]);
  });
});

Deno.test("code mode: invalid resources are reported at the builder call", async () => {
  await withProject({
    "main.ts": `import { agent, synth, workflow } from "@stigmer/sdk";
const a = agent({ name: "a", instructions: "" });
// deno-lint-ignore no-explicit-any
const w = workflow({ name: "w", do: [{ step: { call: "agent" } as any }] });
synth(a, w);
`,
  }, async (dir) => {
    const error = await validationError(() => runCodeMode(dir, "main.ts", { cwd: dir }));
    assert.deepEqual(error.diagnostics.map(formatDiagnostic), [
      "main.ts:2:11: spec.instructions: must not be empty",
      "main.ts:4:11: spec.do[0].step.with: needs `with: {agent, message}`",
    ]);
  });
});

Deno.test("code mode: a program that throws gives its error output and line", async () => {
  await withProject({
    "main.ts": `import { synth } from "@stigmer/sdk";
function build(): never {
  throw new Error("boom: no agents configured");
}
synth(build());
`,
  }, async (dir) => {
    const error = await validationError(() => runCodeMode(dir, "main.ts", { cwd: dir }));
    assert.equal(error.exitCode, 2);
    assert.equal(error.message, "main.ts: the program failed (exit code 1):");
    const [d] = error.diagnostics;
    assert.deepEqual([d.file, d.line, d.column], ["main.ts", 3, 9]);
    assert.match(d.message, /^the program failed \(exit code 1\):\n/);
    assert.match(d.message, /boom: no agents configured/);
    assert.ok(!d.message.includes("\u001b["), "no colour codes");
  });
});

Deno.test("code mode: non-zero exit, no output, and a timeout are clear errors", async () => {
  await withProject({
    "exit.ts": 'console.error("cannot continue"); Deno.exit(3);\n',
    "empty.ts": 'console.log("I forgot to call synth");\nconsole.error("a warning");\n',
    "slow.ts": "await new Promise((resolve) => setTimeout(resolve, 60_000));\n",
  }, async (dir) => {
    const exit = await validationError(() => runCodeMode(dir, "exit.ts", { cwd: dir }));
    assert.equal(
      exit.diagnostics[0].message,
      "the program failed (exit code 3):\n    cannot continue",
    );

    const empty = await validationError(() => runCodeMode(dir, "empty.ts", { cwd: dir }));
    assert.equal(
      formatDiagnostic(empty.diagnostics[0]),
      'empty.ts: the program declared nothing: end it with synth(...) from "@stigmer/sdk"\n    a warning',
    );

    const started = Date.now();
    const slow = await validationError(() =>
      runCodeMode(dir, "slow.ts", { cwd: dir, timeoutMs: 1500 })
    );
    // Ended by the 1.5 s timeout, not by the program (which never ends): bounded loosely.
    assert.ok(Date.now() - started < 60_000);
    assert.equal(
      slow.diagnostics[0].message,
      "the program did not finish within 1.5s and was stopped",
    );
  });
});

Deno.test("code mode: the program gets no network, no writes and no reads outside the project", async () => {
  await withProject({
    "project/write.ts": 'await Deno.writeTextFile("x.txt", "x");\n',
    "project/net.ts": 'await fetch("http://127.0.0.1:18080/");\n',
    "project/read.ts": 'await Deno.readTextFile("../secret.txt");\n',
    "project/env.ts": 'console.error(Deno.env.get("HOME"));\n',
    "project/run.ts": 'await new Deno.Command("true").output();\n',
    "project/ok.ts":
      'import { synth } from "@stigmer/sdk";\nawait Deno.readTextFile("ok.ts");\nsynth();\n',
    "secret.txt": "top secret",
  }, async (dir) => {
    const root = join(dir, "project");
    for (const program of ["write.ts", "net.ts", "read.ts", "env.ts", "run.ts"]) {
      const error = await validationError(() => runCodeMode(root, program, { cwd: root }));
      assert.match(error.diagnostics[0].message, /NotCapable|Requires .* access/, program);
    }
    assert.deepEqual(await runCodeMode(root, "ok.ts", { cwd: root }), []);
    assert.equal(await Deno.stat(join(root, "x.txt")).catch(() => undefined), undefined);
  });
});

Deno.test("code mode: the main file must exist inside the project; deno must be found", async () => {
  await withProject({ "project/.keep": "", "outside.ts": "" }, async (dir) => {
    const root = join(dir, "project");
    const missing = await validationError(() => runCodeMode(root, "main.ts", { cwd: root }));
    assert.equal(formatDiagnostic(missing.diagnostics[0]), "main.ts: file not found");
    const outside = await validationError(() => runCodeMode(root, "../outside.ts", { cwd: root }));
    assert.match(outside.diagnostics[0].message, /outside the project directory/);

    await Deno.writeTextFile(join(root, "main.ts"), "");
    await assert.rejects(
      () => runCodeMode(root, "main.ts", { cwd: root, denoPath: join(dir, "no-such-deno") }),
      (error: unknown) => {
        assert.ok(error instanceof StigmerError);
        assert.match(error.message, /could not be started/);
        assert.match(error.hint ?? "", /install it from https:\/\/deno\.com/);
        return true;
      },
    );
  });
});

Deno.test("code mode: -f accepts a program too", async () => {
  await withProject({
    "gen.ts":
      'import { skill, synth } from "@stigmer/sdk";\nsynth(skill({ name: "s", description: "d", content: "c" }));\n',
  }, async (dir) => {
    const project = await loadProject({ files: ["gen.ts"], cwd: dir });
    assert.deepEqual(
      project.resources.map((r) => `${r.kind}/${r.name}@${r.source.file}:${r.source.line}`),
      [
        "Skill/s@gen.ts:2",
      ],
    );
  });
});

Deno.test("installSdk merges the project's import map and is idempotent", async () => {
  await withProject({
    "deno.json": '{"imports": {"x": "npm:x@1", "y/": "./y/"}, "scopes": {"./a/": {"z": "./z.ts"}}}',
  }, async (dir) => {
    const { importMapFile, sdkFile } = await installSdk(dir);
    const map = JSON.parse(await Deno.readTextFile(importMapFile));
    assert.deepEqual(map.imports, {
      x: "npm:x@1",
      "y/": new URL("y/", `file://${dir}/`).href,
      "@stigmer/sdk": "./sdk/mod.ts",
    });
    assert.deepEqual(map.scopes, {
      [new URL("a/", `file://${dir}/`).href]: { z: new URL("z.ts", `file://${dir}/`).href },
    });
    const before = (await Deno.stat(sdkFile)).mtime;
    await installSdk(dir);
    assert.deepEqual((await Deno.stat(sdkFile)).mtime, before);
  });
});

Deno.test("parseJsonc keeps strings intact", () => {
  assert.deepEqual(
    parseJsonc('{"a": "x // y /* z */", /* c */ "b": [1,], // d\n}'),
    { a: "x // y /* z */", b: [1] },
  );
  // The hand-written stripper dropped the comma before "]" inside this string too.
  assert.deepEqual(
    parseJsonc('{"imports": {"a": "npm:a,]", "b": "x,}", "c": "q\\" // not a comment",},}'),
    { imports: { a: "npm:a,]", b: "x,}", c: 'q" // not a comment' } },
  );
});

Deno.test("parseSynthOutput reads every block and ignores other output", async () => {
  const block = (names: string[]) =>
    `${SYNTH_BEGIN}\n${
      JSON.stringify({
        version: 1,
        resources: names.map((name) => ({
          manifest: { name },
          source: { file: "file:///m.ts", line: 2, column: 3 },
        })),
      })
    }\n${SYNTH_END}`;
  assert.equal(parseSynthOutput("just logs\n"), undefined);
  assert.deepEqual(parseSynthOutput(`log\n${block(["a"])}\nmore log\n${block(["b", "c"])}\n`), [
    { manifest: { name: "a" }, source: { file: "file:///m.ts", line: 2, column: 3 } },
    { manifest: { name: "b" }, source: { file: "file:///m.ts", line: 2, column: 3 } },
    { manifest: { name: "c" }, source: { file: "file:///m.ts", line: 2, column: 3 } },
  ]);
  assert.throws(() => parseSynthOutput(`${SYNTH_BEGIN}\n{oops\n${SYNTH_END}\n`), /not valid JSON/);
  assert.throws(() => parseSynthOutput(`${SYNTH_BEGIN}\n{}\n`), /no end marker/);
  assert.throws(
    () => parseSynthOutput(`${SYNTH_BEGIN}\n{"version": 2}\n${SYNTH_END}`),
    /unknown format/,
  );
  // The SDK, which ships alone, prints the same markers.
  const sdk = await Deno.readTextFile(new URL("../../src/sdk/mod.ts", import.meta.url));
  assert.ok(sdk.includes(`"${SYNTH_BEGIN}"`) && sdk.includes(`"${SYNTH_END}"`));
});

Deno.test("code mode: problems from the program and from manifests come back together", async () => {
  await withProject({
    "Stigmer.yaml": "name: both\nmain: main.ts\n",
    "stigmer/a.yaml": AGENT.replace("instructions: Greet people warmly.", "instructions: 7"),
    "main.ts":
      'import { agent, synth } from "@stigmer/sdk";\nsynth(agent({ name: "", instructions: "x" }));\n',
  }, async (dir) => {
    const error = await validationError(() => loadProject({ dir, cwd: dir }));
    assert.deepEqual(error.diagnostics.map(formatDiagnostic), [
      "stigmer/a.yaml:6:17: spec.instructions: expected a string, got a number; put it in quotes to make it a string",
      "main.ts:2:7: metadata.name: must not be empty",
    ]);
  });
});

Deno.test("code mode: a project holding STIGMER_HOME cannot import or read its files", async () => {
  const token = `tok-${crypto.randomUUID()}`;
  await withProject({
    "Stigmer.yaml": "name: home\nmain: main.ts\n",
    "home/data/daemon.token": token,
    "main.ts":
      'import t from "./home/data/daemon.token" with { type: "text" };\nimport { agent, synth } from "@stigmer/sdk";\nsynth(agent({ name: "thief", instructions: t }));\n',
    "read.ts":
      'import { agent, synth } from "@stigmer/sdk";\nconst t = await Deno.readTextFile("home/data/daemon.token");\nsynth(agent({ name: "thief", instructions: t }));\n',
  }, async (dir) => {
    const protection = {
      protectedPaths: [join(dir, "home/config.yaml"), join(dir, "home/data")],
      secretFiles: [join(dir, "home/data/daemon.token")],
    };
    const imported = await validationError(() =>
      runCodeMode(dir, "main.ts", { cwd: dir, protection })
    );
    assert.match(
      imported.diagnostics.map(formatDiagnostic).join("\n"),
      /^main\.ts:1:15: imports "\.\/home\/data\/daemon\.token".*, which is a file of STIGMER_HOME/,
    );
    const read = await validationError(() => runCodeMode(dir, "read.ts", { cwd: dir, protection }));
    const text = read.diagnostics.map(formatDiagnostic).join("\n");
    assert.match(text, /NotCapable|Requires read access/);
    assert.ok(!text.includes(token), text);
    // Without protection (as before), both programs read the token.
    const open = await runCodeMode(dir, "read.ts", { cwd: dir });
    assert.equal(open[0].spec.instructions, token);
  });
});

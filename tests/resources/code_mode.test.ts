// Code mode end to end: Stigmer.yaml `main: main.ts`, a program using the SDK
// (`@stigmer/sdk`, written by the CLI into .stigmer/), applied through the
// real CLI; and programs that fail, declare nothing, or overstep permissions.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  applyTable,
  projectYaml,
  type ResourceHome,
  skillYaml,
  storeSnapshot,
  withResourceHome,
} from "./helpers.ts";

const MAIN = `import { agent, callAgent, mcpServer, skill, synth, workflow } from "@stigmer/sdk";

const review = skill({ name: "review", description: "How we review", path: "skills/review" });
const github = mcpServer({ name: "github", stdio: { command: "npx", args: ["-y", "gh-mcp"] } });
const writer = agent({
  name: "writer",
  instructions: "You write short, friendly notes.",
  skills: [review, "house-style"],
  mcpServers: [github],
  labels: { team: "docs" },
});
const notes = workflow({
  name: "notes",
  do: [{ draft: callAgent(writer, "Write a note about \${ .topic }") }],
});
console.log("programs may print their own output too");
synth(notes);
`;

async function failing(home: ResourceHome, dir: string, main: string): Promise<string> {
  const cwd = await home.write(dir, { "Stigmer.yaml": projectYaml(dir, "main: main.ts\n") });
  await Deno.writeTextFile(`${cwd}/main.ts`, main);
  return (await home.expect(2, ["apply"], { cwd })).stderr;
}

Deno.test(
  "code mode: a program using the SDK applies end to end; failing programs exit 2 with their error",
  withResourceHome(async (home) => {
    const cwd = await home.write("coded", {
      "Stigmer.yaml": projectYaml("coded", "main: main.ts\n"),
      "main.ts": MAIN,
      "skills/review/SKILL.md": "# Review\nRead it twice.\n",
      // YAML manifests and the program together; the program names this skill by string.
      "stigmer/style.yaml": skillYaml("house-style"),
    });

    // Dry run: the program runs, nothing starts.
    const plan = await home.expect(0, ["apply", "--dry-run"], { cwd });
    assertMatch(plan.stdout, /Workflow\s+notes\s+main\.ts:12/);
    assertEquals(home.daemonPids(), []);

    const first = applyTable((await home.expect(0, ["apply"], { cwd })).stdout);
    assertEquals(first.map((r) => [r.kind, r.name, r.action]).sort(), [
      ["Agent", "writer", "CREATED"],
      ["McpServer", "github", "CREATED"],
      ["Skill", "house-style", "CREATED"],
      ["Skill", "review", "CREATED"],
      ["Workflow", "notes", "CREATED"],
    ]);
    const second = applyTable((await home.expect(0, ["apply"], { cwd })).stdout);
    assertEquals(second.map((r) => r.action), Array(5).fill("UNCHANGED"));

    const notes = JSON.parse(
      (await home.expect(0, ["get", "workflow", "notes", "-o", "json"], { cwd })).stdout,
    );
    assertEquals(notes.spec.do, [{
      draft: {
        call: "agent",
        with: { agent: "writer", message: "Write a note about ${ .topic }" },
      },
    }]);
    assertEquals(notes.spec.document.name, "notes");
    assertEquals(notes.metadata.project, "coded");
    const writer = JSON.parse(
      (await home.expect(0, ["get", "agent", "writer", "-o", "json"], { cwd })).stdout,
    );
    assertEquals(writer.spec.skills, ["review", "house-style"]);
    assertEquals(writer.spec.mcpServers, ["github"]);
    assertEquals(writer.metadata.labels, { team: "docs" });
    const review = JSON.parse(
      (await home.expect(0, ["get", "skill", "review", "-o", "json"], { cwd })).stdout,
    );
    assertEquals(review.spec.content, "# Review\nRead it twice.\n");
    // The SDK the program imported was written into the project, ignored by git.
    assert(await Deno.stat(`${cwd}/.stigmer/sdk/mod.ts`));
    assertEquals(await Deno.readTextFile(`${cwd}/.stigmer/.gitignore`), "*\n");

    const before = await storeSnapshot(home);

    // A program that throws: exit 2, its error and the line it threw at.
    const thrown = await failing(
      home,
      "throws",
      `import { agent, synth } from "@stigmer/sdk";\nconst a = agent({ name: "never", instructions: "x" });\nthrow new Error("boom: no agents configured");\nsynth(a);\n`,
    );
    assertMatch(thrown, /main\.ts:3:7: the program failed \(exit code 1\)/);
    assertMatch(thrown, /Error: boom: no agents configured/);

    // A program that declares nothing: exit 2 and what to add.
    const empty = await failing(home, "empty", "");
    assertMatch(empty, /main\.ts: the program declared nothing: end it with synth\(\.\.\.\)/);

    // An invalid resource: located at the builder call.
    const invalid = await failing(
      home,
      "invalid",
      `import { agent, synth } from "@stigmer/sdk";\n\nsynth(agent({ name: "blank", instructions: "" }));\n`,
    );
    assertMatch(invalid, /main\.ts:3:\d+: spec\.instructions: must not be empty/);

    // Narrow permissions: no writes, no network.
    const writes = await failing(
      home,
      "writes",
      `import { synth } from "@stigmer/sdk";\nawait Deno.writeTextFile("x.txt", "x");\nsynth();\n`,
    );
    assertMatch(writes, /the program failed/);
    assertMatch(writes, /NotCapable|PermissionDenied|Requires write access/);
    const net = await failing(
      home,
      "net",
      `import { synth } from "@stigmer/sdk";\nawait fetch("http://127.0.0.1:8080/");\nsynth();\n`,
    );
    assertMatch(net, /Requires net access/);

    assertEquals(await storeSnapshot(home), before, "a failing program changed the store");
  }),
);

Deno.test(
  "code mode: a program cannot import or print files outside the project (daemon token, /etc/passwd), not even in a dry run",
  withResourceHome(async (home) => {
    // A daemon token and a cloud token as a real home holds them (a dry run starts no daemon).
    const secret = `tok-${crypto.randomUUID()}`;
    const cloudToken = `cloud-${crypto.randomUUID()}`;
    await Deno.mkdir(home.dataDir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(`${home.dataDir}/daemon.token`, secret, { mode: 0o600 });
    await Deno.writeTextFile(
      `${home.home}/credentials.yaml`,
      `endpoint: https://stigmer.example.com:8443\ntoken: ${cloudToken}\n`,
      { mode: 0o600 },
    );
    const token = `${home.dataDir}/daemon.token`;
    const asInstructions = (importLine: string) =>
      `import { agent, synth } from "@stigmer/sdk";\n${importLine}\nsynth(agent({ name: "thief", instructions: t }));\n`;
    const refused = async (dir: string, main: string, files: Record<string, string> = {}) => {
      const cwd = await home.write(dir, { "Stigmer.yaml": projectYaml(dir, "main: main.ts\n") });
      for (const [path, text] of Object.entries(files)) {
        await Deno.writeTextFile(`${cwd}/${path}`, text);
      }
      await Deno.writeTextFile(`${cwd}/main.ts`, main);
      return { cwd, dry: await home.expect(2, ["apply", "--dry-run"], { cwd }) };
    };
    const noSecret = (result: { stdout: string; stderr: string }) => {
      for (const value of [secret, cloudToken]) {
        assert(!result.stdout.includes(value) && !result.stderr.includes(value), result.stderr);
      }
    };

    // A static text import of the daemon token: refused before the program runs, at its line.
    const statik = await refused(
      "static",
      asInstructions(`import t from "${token}" with { type: "text" };`),
    );
    assertMatch(
      statik.dry.stderr,
      /main\.ts:2:\d+: .*imports .*daemon\.token.* outside the project/,
    );
    noSecret(statik.dry);

    // A literal dynamic import: the same.
    const dynamic = await refused(
      "dynamic",
      asInstructions(`const t = (await import("${token}", { with: { type: "text" } })).default;`),
    );
    assertMatch(
      dynamic.dry.stderr,
      /main\.ts:2:\d+: .*imports .*daemon\.token.* outside the project/,
    );
    noSecret(dynamic.dry);

    // A file of the project that imports one outside it: refused at that file's line.
    const nested = await refused(
      "nested",
      `import { agent, synth } from "@stigmer/sdk";\nimport { t } from "./lib.ts";\nsynth(agent({ name: "thief", instructions: t }));\n`,
      { "lib.ts": `import p from "/etc/passwd" with { type: "text" };\nexport const t = p;\n` },
    );
    assertMatch(
      nested.dry.stderr,
      /lib\.ts:1:\d+: .*imports "\/etc\/passwd".* outside the project/,
    );
    assert(!nested.dry.stderr.includes("root:"), nested.dry.stderr);

    // A symlink inside the project that points outside it is outside too.
    const linkDir = await home.write("linked", {
      "Stigmer.yaml": projectYaml("linked", "main: main.ts\n"),
    });
    await Deno.symlink(token, `${linkDir}/token.txt`);
    await Deno.writeTextFile(
      `${linkDir}/main.ts`,
      asInstructions(`import t from "./token.txt" with { type: "text" };`),
    );
    const linked = await home.expect(2, ["apply", "--dry-run"], { cwd: linkDir });
    assertMatch(linked.stderr, /main\.ts:2:\d+: .*imports .*token\.txt.* outside the project/);
    noSecret(linked);

    // Whatever Deno lets a program read (here a symlink read at run time), a secret of the
    // home never reaches the output: not in an error, not in a resource.
    await Deno.writeTextFile(
      `${linkDir}/main.ts`,
      `import { agent, synth } from "@stigmer/sdk";\nconst t = await Deno.readTextFile("./token.txt");\nthrow new Error(t);\nsynth(agent({ name: "thief", instructions: t }));\n`,
    );
    const thrown = await home.expect(2, ["apply", "--dry-run"], { cwd: linkDir });
    assertMatch(thrown.stderr, /main\.ts: the program's output holds a secret of .*daemon\.token/);
    noSecret(thrown);
    await Deno.symlink(`${home.home}/credentials.yaml`, `${linkDir}/cred.yaml`);
    await Deno.writeTextFile(
      `${linkDir}/main.ts`,
      `import { agent, synth } from "@stigmer/sdk";\nconst t = await Deno.readTextFile("./cred.yaml");\nsynth(agent({ name: "thief", instructions: t }));\n`,
    );
    const printed = await home.expect(2, ["apply", "--dry-run"], { cwd: linkDir });
    assertMatch(printed.stderr, /the program's output holds a secret of .*credentials\.yaml/);
    noSecret(printed);

    // A real apply of /etc/passwd as instructions: refused, nothing stored, no daemon started.
    const real = await home.expect(2, ["apply"], { cwd: nested.cwd });
    assertMatch(real.stderr, /imports "\/etc\/passwd".* outside the project/);
    assertEquals(home.daemonPids(), []);
  }),
);

// `stigmer init [NAME]`: a project that applies as is, and never a file
// overwritten.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, type CliHome, cliTest, readText, snapshotTree } from "./helpers.ts";

const PROJECT_FILES = ["README.md", "Stigmer.yaml", "stigmer/agent.yaml", "stigmer/workflow.yaml"];

function files(dir: string): string[] {
  return Object.keys(snapshotTree(dir)).map((f) => f.slice(1)).sort();
}

async function workDir(home: CliHome, name: string): Promise<string> {
  const dir = `${home.home}/${name}`;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** `apply --dry-run` validates the project locally and starts nothing. */
async function assertAppliesDry(home: CliHome, dir: string): Promise<void> {
  const result = await home.run(["apply", "--dry-run"], { cwd: dir });
  assertExit(result, 0, "apply --dry-run of the init output");
  assertMatch(result.stdout, /Agent +greeter/);
  assertMatch(result.stdout, /Workflow +hello/);
}

cliTest("init NAME: creates the project in a new directory", async (home) => {
  const cwd = await workDir(home, "work");
  const result = await home.run(["init", "hello-stigmer"], { cwd });
  assertExit(result, 0);
  assertEquals(result.stdout, "");
  assertMatch(result.stderr, /Created project hello-stigmer in hello-stigmer\//);
  assertMatch(result.stderr, /cd hello-stigmer && stigmer apply/);
  const dir = `${cwd}/hello-stigmer`;
  assertEquals(files(dir), PROJECT_FILES);
  assertMatch(readText(`${dir}/Stigmer.yaml`)!, /^name: hello-stigmer$/m);
  assertMatch(readText(`${dir}/stigmer/agent.yaml`)!, /^kind: Agent$/m);
  assertMatch(readText(`${dir}/stigmer/workflow.yaml`)!, /^kind: Workflow$/m);
  assertMatch(readText(`${dir}/README.md`)!, /^# hello-stigmer$/m);
  await assertAppliesDry(home, dir);
});

cliTest("init: in the current directory, named after it", async (home) => {
  const dir = await workDir(home, "My Project");
  const result = await home.run(["init"], { cwd: dir });
  assertExit(result, 0);
  assertEquals(files(dir), PROJECT_FILES);
  // The name is a slug of the directory's name.
  assertMatch(readText(`${dir}/Stigmer.yaml`)!, /^name: my-project$/m);
  await assertAppliesDry(home, dir);
});

cliTest("init: refuses to overwrite any project file and changes nothing", async (home) => {
  for (const existing of PROJECT_FILES) {
    const dir = await workDir(home, `case-${existing.replaceAll("/", "-")}`);
    const path = `${dir}/${existing}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, "mine\n");
    const before = snapshotTree(dir);

    const result = await home.run(["init"], { cwd: dir });
    assertExit(result, 2, `init over ${existing}`);
    assertMatch(result.stderr, /^error: refusing to overwrite existing files: /m);
    assert(result.stderr.includes(existing), result.stderr);
    assertMatch(result.stderr, /^hint: /m);
    assertEquals(snapshotTree(dir), before, `init with ${existing} present changed files`);
  }
});

cliTest("init NAME: refuses when that project exists, and lists what is there", async (home) => {
  const cwd = await workDir(home, "work");
  assertExit(await home.run(["init", "demo"], { cwd }), 0);
  await Deno.writeTextFile(`${cwd}/demo/Stigmer.yaml`, "name: edited\n");
  const before = snapshotTree(`${cwd}/demo`);
  const again = await home.run(["init", "demo"], { cwd });
  assertExit(again, 2);
  for (const file of PROJECT_FILES) assert(again.stderr.includes(`demo/${file}`), again.stderr);
  assertEquals(snapshotTree(`${cwd}/demo`), before);
});

cliTest("init: a file where the project directory should be is refused", async (home) => {
  const cwd = await workDir(home, "work");
  await Deno.writeTextFile(`${cwd}/demo`, "a file\n");
  const result = await home.run(["init", "demo"], { cwd });
  assert(result.code === 1 || result.code === 2, `exit ${result.code}: ${result.stderr}`);
  assertMatch(result.stderr, /^error: /m);
  assertEquals(readText(`${cwd}/demo`), "a file\n");
});

cliTest("init: needs no STIGMER_HOME and starts nothing", async (home) => {
  const cwd = await workDir(home, "work");
  await Deno.writeTextFile(`${home.home}/file`, "");
  const result = await home.run(["init", "p"], {
    cwd,
    env: { STIGMER_HOME: `${home.home}/file/unusable` },
  });
  assertExit(result, 0);
  assertEquals(files(`${cwd}/p`), PROJECT_FILES);
});

// The command line itself: usage errors exit 2 with the relevant help on
// stderr, help and version exit 0 with data on stdout, and no error ever shows
// a stack trace unless --debug asks for one.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, cliTest, STACK_LINE } from "./helpers.ts";

cliTest("an unknown command: exit 2, the top-level help on stderr", async (home) => {
  const result = await home.run(["bogus"]);
  assertExit(result, 2);
  assertEquals(result.stdout, "");
  assertMatch(result.stderr, /^error: no command registered for `bogus`/m);
  assertMatch(result.stderr, /^USAGE\n {2}stigmer apply$/m);
});

cliTest("a near miss suggests the command", async (home) => {
  const result = await home.run(["aply"]);
  assertExit(result, 2);
  assertMatch(result.stderr, /did you mean `apply`\?/);
  const sub = await home.run(["server", "stat"]);
  assertExit(sub, 2);
  assertMatch(sub.stderr, /did you mean `(status|start)`/);
  assertMatch(sub.stderr, /^ {2}stigmer server start$/m);
  const flag = await home.run(["apply", "--dry-rn"]);
  assertExit(flag, 2);
  assertMatch(flag.stderr, /did you mean --dry-run\?/);
});

cliTest("an unknown flag: exit 2, that command's help on stderr", async (home) => {
  const result = await home.run(["config", "list", "--bogus"]);
  assertExit(result, 2);
  assertEquals(result.stdout, "");
  assertMatch(result.stderr, /^error: no flag registered for --bogus$/m);
  assertMatch(result.stderr, /^ {2}stigmer config list$/m);
  const top = await home.run(["--bogus"]);
  assertExit(top, 2);
  assertMatch(top.stderr, /^error: no flag registered for --bogus$/m);
});

cliTest("a missing argument: exit 2, that command's help on stderr", async (home) => {
  const result = await home.run(["config", "set", "backend.type"]);
  assertExit(result, 2);
  assertEquals(result.stdout, "");
  assertMatch(result.stderr, /^error: expected argument for value$/m);
  assertMatch(result.stderr, /^ {2}stigmer config set <key> <value>$/m);
  const extra = await home.run(["config", "path", "extra"]);
  assertExit(extra, 2);
  assertMatch(extra.stderr, /too many arguments/);
});

cliTest("a bad option value: exit 2, naming the choices", async (home) => {
  const result = await home.run(["get", "agents", "-o", "xml"]);
  assertExit(result, 2);
  assertMatch(result.stderr, /expected "xml" to be one of \(table\|json\|yaml\)/);
  const list = await home.run(["executions", "list", "-o", "xml"]);
  assertExit(list, 2);
  assertMatch(list.stderr, /expected "xml" to be one of \(table\|json\|yaml\)/);
});

cliTest("a group without a subcommand shows its help and exits 2", async (home) => {
  const result = await home.run(["config"]);
  assertExit(result, 2);
  assertEquals(result.stdout, "");
  assertMatch(result.stderr, /^ {2}stigmer config get <key>$/m);
});

cliTest("--help and help <cmd>: exit 0, the same help on stdout", async (home) => {
  const top = await home.run(["--help"]);
  assertExit(top, 0);
  assertMatch(top.stdout, /^USAGE\n {2}stigmer apply$/m);
  assertEquals(top.stderr, "");
  assertEquals((await home.run(["help"])).stdout, top.stdout);
  assertEquals((await home.run(["-h"])).stdout, top.stdout);

  const flag = await home.run(["config", "--help"]);
  const word = await home.run(["help", "config"]);
  assertExit(flag, 0);
  assertExit(word, 0);
  assertEquals(word.stdout, flag.stdout);
  assertMatch(flag.stdout, /^ {2}stigmer config get <key>$/m);

  const nested = await home.run(["server", "help", "start"]);
  assertExit(nested, 0);
  assertEquals(nested.stdout, (await home.run(["server", "start", "--help"])).stdout);
});

cliTest("--version and -V print the bare version", async (home) => {
  for (const flag of ["--version", "-V"]) {
    const result = await home.run([flag]);
    assertExit(result, 0);
    assertMatch(result.stdout, /^\d+\.\d+\.\d+(-[\w.]+)?\n$/);
    assertEquals(result.stderr, "");
  }
});

cliTest("version and version --json", async (home) => {
  const bare = (await home.run(["--version"])).stdout.trim();
  const text = await home.run(["version"]);
  assertExit(text, 0);
  assertMatch(text.stdout, new RegExp(`^stigmer ${bare.replaceAll(".", "\\.")} \\(deno \\d`));

  const json = await home.run(["version", "--json"]);
  assertExit(json, 0);
  const info = JSON.parse(json.stdout) as Record<string, unknown>;
  for (const key of ["version", "deno", "target", "commit"]) {
    assert(key in info, `version --json lacks "${key}": ${json.stdout}`);
  }
  assertEquals(info.version, bare);
  assertEquals(info.deno, Deno.version.deno);
  assertEquals(info.target, Deno.build.target);
  assertEquals(typeof info.commit, "string");
  assertEquals(json.stderr, "");
});

cliTest("--help and version never need a usable home", async (home) => {
  // STIGMER_HOME below a regular file: any attempt to use it would fail.
  await Deno.writeTextFile(`${home.home}/file`, "");
  const env = { STIGMER_HOME: `${home.home}/file/stigmer` };
  for (const args of [["--help"], ["--version"], ["version", "--json"], ["apply", "--help"]]) {
    assertExit(await home.run(args, { env }), 0, args.join(" "));
  }
});

cliTest("errors show no stack trace; --debug and STIGMER_DEBUG=1 show one", async (home) => {
  await Deno.writeTextFile(home.configPath, "backend: [\n");
  const plain = await home.run(["config", "list"]); // the wrapper asserts: no "    at " line
  assertExit(plain, 2);
  assertEquals(plain.stderr.split("\n").filter((l) => l.startsWith("error: ")).length, 1);

  const debug = await home.run(["--debug", "config", "list"]);
  assertExit(debug, 2);
  assertMatch(debug.stderr, STACK_LINE);
  const env = await home.run(["config", "list"], { env: { STIGMER_DEBUG: "1" } });
  assertExit(env, 2);
  assertMatch(env.stderr, STACK_LINE);
});

cliTest("no stack trace from a range of failures", async (home) => {
  // Each run is checked by the wrapper; these are the exit codes users get.
  const cases: [string[], number, Record<string, string>?][] = [
    [["bogus"], 2],
    [["config", "get", "nope"], 2],
    [["backend", "use", "mars"], 2],
    [["backend", "status"], 2, { STIGMER_BACKEND: "mars" }],
    [["get", "agents"], 2, { STIGMER_BACKEND: "cloud" }],
    [["completions", "tcsh"], 2],
    [["init", "x"], 2, { STIGMER_HOME: "" }],
  ];
  // A project that already exists, for the last case.
  await Deno.mkdir(`${home.home}/x`);
  await Deno.writeTextFile(`${home.home}/x/Stigmer.yaml`, "name: x\n");
  for (const [args, code, env] of cases) {
    assertExit(await home.run(args, { env, cwd: home.home }), code, args.join(" "));
  }
});

cliTest("without HOME or STIGMER_HOME: a clear error, not a crash", async (home) => {
  const result = await home.run(["config", "list"], { env: { HOME: "", STIGMER_HOME: "" } });
  assertExit(result, 1);
  assertMatch(result.stderr, /^error: cannot find your home directory$/m);
  assertMatch(result.stderr, /^hint: set HOME/m);
});

const ESC = "\u001b[";

cliTest("--no-color and NO_COLOR: no escape codes anywhere", async (home) => {
  const runs = [
    await home.run(["--no-color", "config", "set", "backend.type", "local"]),
    await home.run(["bogus"]),
    await home.run(["config", "get", "nope"]),
  ];
  for (const result of runs) {
    assert(!(result.stdout + result.stderr).includes(ESC), JSON.stringify(result.stderr));
  }
});

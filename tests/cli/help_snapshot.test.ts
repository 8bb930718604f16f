// Snapshots of `--help` for the top level and every command, and of the
// usage errors, as text files in __snapshots__/. The command list comes from
// the program itself, so a new command without a snapshot fails here.
//
// Accept changes with: UPDATE_SNAPSHOTS=1 deno test <the usual flags> tests/cli/help_snapshot.test.ts
import { buildProgram } from "../../src/cli/program.ts";
import { commandPaths } from "./command_tree.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { assertExit, cliTest, readText } from "./helpers.ts";

const SNAPSHOT_DIR = new URL("./__snapshots__/", import.meta.url).pathname;
const UPDATE = Deno.env.get("UPDATE_SNAPSHOTS") === "1";

// The help must not depend on the terminal: COLUMNS is fixed anyway, and varied below.
const HELP_ENV = { COLUMNS: "80", NO_COLOR: "1" };

const COMMANDS = commandPaths(buildProgram().root);

function snapshotName(path: string[]): string {
  return `${["stigmer", ...path].join("_")}.help.txt`;
}

/** Usage errors whose output users see most: the message and the help after it. */
const ERRORS: { name: string; args: string[] }[] = [
  { name: "unknown_command", args: ["bogus"] },
  { name: "unknown_option", args: ["config", "list", "--bogus"] },
  { name: "missing_argument", args: ["config", "set"] },
  { name: "missing_subcommand", args: ["backend"] },
];

function matchSnapshot(name: string, actual: string): void {
  const path = `${SNAPSHOT_DIR}${name}`;
  if (UPDATE) {
    Deno.mkdirSync(SNAPSHOT_DIR, { recursive: true });
    Deno.writeTextFileSync(path, actual);
    return;
  }
  const expected = readText(path);
  assert(expected !== undefined, `no snapshot ${name}: run with UPDATE_SNAPSHOTS=1 to create it`);
  assertEquals(actual, expected, `${name} differs; if intended, run with UPDATE_SNAPSHOTS=1`);
}

for (const path of COMMANDS) {
  const args = [...path, "--help"];
  cliTest(`help snapshot: stigmer ${args.join(" ")}`, async (home) => {
    const result = await home.run(args, { env: HELP_ENV });
    assertExit(result, 0);
    assertEquals(result.stderr, "");
    matchSnapshot(snapshotName(path), result.stdout);
  });
}

for (const { name, args } of ERRORS) {
  cliTest(`error snapshot: stigmer ${args.join(" ")}`, async (home) => {
    const result = await home.run(args, { env: HELP_ENV });
    assertExit(result, 2);
    assertEquals(result.stdout, "");
    matchSnapshot(`error_${name}.txt`, result.stderr);
  });
}

const VARIANTS: Record<string, string>[] = [
  {},
  { COLUMNS: "40" },
  { COLUMNS: "200" },
  { COLUMNS: "80", TERM: "xterm-256color" },
];

cliTest("help output does not depend on COLUMNS or the environment", async (home) => {
  for (const args of [["--help"], ["run", "--help"], ["help", "config"]]) {
    const outputs = await Promise.all(
      VARIANTS.map((env) => home.run(args, { env: { ...HELP_ENV, ...env } })),
    );
    for (const output of outputs) assertEquals(output.stdout, outputs[0].stdout, args.join(" "));
    assert(outputs[0].stdout.includes("USAGE\n"), args.join(" "));
  }
});

Deno.test("no stale snapshots: every file in __snapshots__ belongs to a command or an error", () => {
  const expected = new Set([
    ...COMMANDS.map(snapshotName),
    ...ERRORS.map(({ name }) => `error_${name}.txt`),
  ]);
  for (const entry of Deno.readDirSync(SNAPSHOT_DIR)) {
    if (expected.has(entry.name)) continue;
    if (UPDATE) Deno.removeSync(`${SNAPSHOT_DIR}${entry.name}`);
    else assert(false, `stale snapshot ${entry.name}: remove it, or run with UPDATE_SNAPSHOTS=1`);
  }
});

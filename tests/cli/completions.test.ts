// `stigmer completions bash|zsh|fish`: each script asks the CLI (`stigmer __complete WORD…`) for
// the candidates. Both halves are tested: the candidates for every command and flag of the tree,
// and real shells (bash, zsh, fish) completing real command lines through a `stigmer` on PATH.
// A shell that is not installed fails its test: CI installs all three.
import { buildProgram } from "../../src/cli/program.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { MAIN, scriptArgs } from "../helpers/cli.ts";
import { commandPaths, longFlags, subcommandNames } from "./command_tree.ts";
import { assertExit, type CliHome, cliTest } from "./helpers.ts";

const ROOT = buildProgram().root;

async function script(home: CliHome, shell: string): Promise<string> {
  const result = await home.run(["completions", shell]);
  assertExit(result, 0, `completions ${shell}`);
  assertEquals(result.stderr, "");
  return result.stdout;
}

/** The candidates `stigmer __complete` prints for these words, without their descriptions. */
async function candidates(home: CliHome, words: string[]): Promise<string[]> {
  const result = await home.run(["__complete", ...words]);
  assertExit(result, 0, `__complete ${words.join(" ")}`);
  return result.stdout.split("\n").filter(Boolean).map((line) => line.split("\t")[0]);
}

/** A directory with `stigmer` in it: this repository's CLI, run as the tests run it. */
async function stigmerOnPath(home: CliHome): Promise<string> {
  const bin = await Deno.makeTempDir({ dir: home.home });
  const argv = [Deno.execPath(), ...scriptArgs(MAIN, [])]
    .map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  await Deno.writeTextFile(`${bin}/stigmer`, `#!/bin/sh\nexec ${argv} "$@"\n`, { mode: 0o755 });
  return bin;
}

/** Runs an installed shell; a missing shell is a failure, not a skip. */
async function shellRun(
  home: CliHome,
  shell: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = await stigmerOnPath(home);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(shell, {
      args,
      stdin: "null",
      env: { ...home.env, HOME: home.home, PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` },
      clearEnv: true,
    }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${shell} is not installed: install it (CI does) to test its completion`);
    }
    throw err;
  }
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

function sorted(words: string[]): string {
  return [...words].sort().join(" ");
}

Deno.test("__complete: every group's subcommands and every command's long flags", async () => {
  const { proposeCompletions } = await import("@stricli/core");
  const app = buildProgram();
  const context = { process: { stdout: { write() {} }, stderr: { write() {} } } };
  for (const path of commandPaths(ROOT)) {
    const subcommands = subcommandNames(ROOT, path);
    const words = (await proposeCompletions(app, [...path, ""], context)).map((c) => c.completion);
    for (const name of subcommands) assert(words.includes(name), `${path.join(" ")}: no ${name}`);
    const flags = (await proposeCompletions(app, [...path, "--"], context)).map((c) =>
      c.completion
    );
    for (const flag of longFlags(ROOT, path)) {
      assert(flags.includes(flag), `stigmer ${path.join(" ")}: no ${flag} in ${flags.join(" ")}`);
    }
  }
});

cliTest("__complete: commands, aliases, flags, choices and argument values", async (home) => {
  assertEquals(sorted(await candidates(home, ["ser"])), "server");
  assertEquals(sorted(await candidates(home, ["ex", ""])), "cancel get list"); // an alias
  assertEquals(sorted(await candidates(home, ["apply", "--d"])), "--dir --dry-run");
  assertEquals(sorted(await candidates(home, ["get", "-o", ""])), "json table yaml");
  assertEquals(
    sorted(await candidates(home, ["get", ""])),
    "agent environment mcpserver skill workflow",
  );
  assertEquals(sorted(await candidates(home, ["--debug", "backend", "use", ""])), "cloud local");
  assertEquals(sorted(await candidates(home, ["completions", ""])), "bash fish zsh");
  assertEquals(await candidates(home, ["config", "get", "backend.t"]), ["backend.type"]);
  assertEquals(await candidates(home, ["run", "--org", ""]), []); // free text: nothing to offer
});

cliTest("completions: an unknown or missing shell is a usage error", async (home) => {
  const tcsh = await home.run(["completions", "tcsh"]);
  assertExit(tcsh, 2);
  assertEquals(tcsh.stdout, "");
  assertMatch(tcsh.stderr, /^error: unknown shell "tcsh": expected one of bash, zsh, fish$/m);
  const missing = await home.run(["completions"]);
  assertExit(missing, 2);
  assertMatch(missing.stderr, /^error: expected argument for shell$/m);
  assertMatch(missing.stderr, /^ {2}stigmer completions <shell>$/m);
});

cliTest("completions bash: completes real command lines", async (home) => {
  const dir = await Deno.makeTempDir({ dir: home.home });
  await Deno.writeTextFile(`${dir}/stigmer.bash`, await script(home, "bash"));
  const lines: [string[], string][] = [
    [["stigmer", ""], sorted(subcommandNames(ROOT, []))],
    [["stigmer", "ser"], "server"],
    [["stigmer", "server", ""], sorted(subcommandNames(ROOT, ["server"]))],
    [["stigmer", "ex", ""], "cancel get list"], // an alias
    [["stigmer", "apply", "--d"], "--dir --dry-run"],
    [["stigmer", "get", "-o", ""], "json table yaml"],
    [["stigmer", "get", ""], "agent environment mcpserver skill workflow"],
    [["stigmer", "--debug", "backend", "use", ""], "cloud local"],
    [["stigmer", "completions", ""], "bash fish zsh"],
    [["stigmer", "config", "get", "backend.t"], "backend.type"],
    [["stigmer", "run", "--org", ""], ""], // free text: nothing (bash then offers file names)
  ];
  const program = [
    `source ${dir}/stigmer.bash`,
    't() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _stigmer; printf "%s\\n" "${COMPREPLY[*]}" | tr " " "\\n" | sort | tr "\\n" " "; echo; }',
    ...lines.map(([words]) => `t ${words.map((w) => `'${w}'`).join(" ")}`),
  ].join("\n");
  const result = await shellRun(home, "bash", ["--norc", "--noprofile", "-c", program]);
  assertEquals(result.stderr, "");
  const got = result.stdout.split("\n");
  lines.forEach(([words, want], i) => {
    assertEquals(got[i].trim(), want, words.join(" "));
  });
});

cliTest("completions fish: completes real command lines", async (home) => {
  const dir = await Deno.makeTempDir({ dir: home.home });
  await Deno.writeTextFile(`${dir}/stigmer.fish`, await script(home, "fish"));
  const lines: [string, string][] = [
    ["stigmer ser", "server"],
    ["stigmer server ", sorted(subcommandNames(ROOT, ["server"]))],
    ["stigmer ex ", "cancel get list"],
    ["stigmer get -o ", "json table yaml"],
    ["stigmer backend use ", "cloud local"],
    ["stigmer completions ", "bash fish zsh"],
  ];
  const program = [
    `source ${dir}/stigmer.fish`,
    ...lines.map(([line]) =>
      `complete -C '${line}' | string replace -r '\\t.*' '' | sort | string join ' '`
    ),
  ].join("\n");
  const result = await shellRun(home, "fish", ["--no-config", "-c", program]);
  assertEquals(result.stderr, "");
  const got = result.stdout.split("\n");
  lines.forEach(([line, want], i) => assertEquals(got[i], want, line));
});

cliTest("completions zsh: parses, and completes with zsh's functions stubbed", async (home) => {
  const dir = await Deno.makeTempDir({ dir: home.home });
  const text = await script(home, "zsh");
  await Deno.writeTextFile(`${dir}/_stigmer`, text);
  assertMatch(text, /^#compdef stigmer$/m);
  const syntax = await shellRun(home, "zsh", ["-n", `${dir}/_stigmer`]);
  assertExit(syntax, 0, "zsh -n");
  // The completion system itself needs a terminal; its entry points print here.
  const lines: [string[], RegExp][] = [
    [["stigmer", ""], /^describe: apply:deploy .* server:manage /],
    [["stigmer", "ex", ""], /^describe: list:.* get:.* cancel:/],
    [["stigmer", "apply", "--"], /^describe: --dir:project directory/],
    [["stigmer", "get", "-o", ""], /^describe: table:.* json:.* yaml:/],
    [["stigmer", "backend", "use", ""], /^describe: local:.* cloud:/],
    [["stigmer", "apply", "-f", ""], /^files$/],
    [["stigmer", "run", "--org", ""], /^files$/],
  ];
  const program = [
    "compdef() { :; }",
    '_describe() { print -r -- "describe: ${(P)${@[-1]}}"; }',
    "_files() { print files; }",
    `source ${dir}/_stigmer`,
    't() { words=("$@"); CURRENT=${#words}; _stigmer; }',
    ...lines.map(([words]) => `t ${words.map((w) => `'${w}'`).join(" ")}`),
  ].join("\n");
  const result = await shellRun(home, "zsh", ["-f", "-c", program]);
  assertEquals(result.stderr, "");
  const got = result.stdout.split("\n");
  lines.forEach(([words, want], i) => assertMatch(got[i], want, words.join(" ")));
});

// `stigmer completions bash|zsh|fish`: scripts generated from the command
// tree, each also run by the real shell: bash and fish complete real command
// lines, zsh parses it. A missing shell fails the test (CI installs them: .ci/run).
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { buildProgram } from "../../src/cli/program.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, type CliHome, cliTest } from "./helpers.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;

function allCommands(command: CommandUnknownOpts): CommandUnknownOpts[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

const PROGRAM = buildProgram() as unknown as CommandUnknownOpts;

function subcommandNames(name: string): string {
  return PROGRAM.commands.find((c) => c.name() === name)!.commands.map((c) => c.name()).join(" ");
}

async function script(home: CliHome, shell: string): Promise<string> {
  const result = await home.run(["completions", shell]);
  assertExit(result, 0, `completions ${shell}`);
  assertEquals(result.stderr, "");
  return result.stdout;
}

/** Runs a shell; a shell that is not installed fails the test with what to install. */
async function shellRun(
  shell: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(shell, {
      args,
      stdin: "null",
      env: { HOME: "/nonexistent" },
    })
      .output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `${shell} is not installed: install it (apt-get install ${shell}) to run this test`,
      );
    }
    throw err;
  }
}

cliTest("completions bash|zsh|fish: every command, subcommand and long option", async (home) => {
  const commands = allCommands(PROGRAM);
  for (const shell of SHELLS) {
    const text = await script(home, shell);
    assertMatch(text, /\bapply\b/);
    assertMatch(text, /\bserver\b/);
    for (const command of commands) {
      assert(text.includes(command.name()), `${shell}: no ${command.name()}`);
      for (const option of command.options) {
        const long = shell === "fish" ? option.long!.slice(2) : option.long!;
        assert(text.includes(long), `${shell}: no ${option.long} for ${command.name()}`);
      }
    }
  }
});

cliTest("completions: an unknown or missing shell is a usage error", async (home) => {
  const tcsh = await home.run(["completions", "tcsh"]);
  assertExit(tcsh, 2);
  assertEquals(tcsh.stdout, "");
  assertMatch(tcsh.stderr, /^error: unknown shell "tcsh": expected one of bash, zsh, fish$/m);
  const missing = await home.run(["completions"]);
  assertExit(missing, 2);
  assertMatch(missing.stderr, /missing required argument 'shell'/);
});

cliTest("completions bash: completes real command lines", async (home) => {
  const dir = await Deno.makeTempDir({ dir: home.home });
  await Deno.writeTextFile(`${dir}/stigmer.bash`, await script(home, "bash"));
  const lines: [string[], string][] = [
    [["stigmer", ""], "apply get delete run executions server init"],
    [["stigmer", "ser"], "server"],
    [["stigmer", "server", ""], subcommandNames("server")],
    [["stigmer", "ex", ""], "list get cancel"], // an alias
    [["stigmer", "apply", "--d"], "--dir --dry-run"],
    [["stigmer", "get", "-o", ""], "table json yaml"],
    [["stigmer", "get", ""], "agent workflow skill mcpserver environment"],
    [["stigmer", "--debug", "backend", "use", ""], "local cloud"],
    [["stigmer", "completions", ""], "bash zsh fish"],
    [["stigmer", "config", "get", "backend.t"], "backend.type"],
    [["stigmer", "run", "--org", ""], ""], // free text: nothing to offer
  ];
  const program = [
    `source ${dir}/stigmer.bash`,
    't() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _stigmer; echo "${COMPREPLY[*]}"; }',
    ...lines.map(([words]) => `t ${words.map((w) => `'${w}'`).join(" ")}`),
  ].join("\n");
  const result = await shellRun("bash", ["--norc", "--noprofile", "-c", program]);
  assertEquals(result.stderr, "");
  const got = result.stdout.split("\n");
  lines.forEach(([words, want], i) => {
    assert(got[i].startsWith(want), `${words.join(" ")}: got "${got[i]}", want "${want}…"`);
  });
});

cliTest("completions fish: completes real command lines", async (home) => {
  const dir = await Deno.makeTempDir({ dir: home.home });
  await Deno.writeTextFile(`${dir}/stigmer.fish`, await script(home, "fish"));
  const lines: [string, string][] = [
    ["stigmer ser", "server"],
    ["stigmer server ", "logs restart start status stop"],
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
  const result = await shellRun("fish", ["--no-config", "-c", program]);
  assertEquals(result.stderr, "");
  const got = result.stdout.split("\n");
  lines.forEach(([line, want], i) => {
    for (const word of want.split(" ")) {
      assert(` ${got[i]} `.includes(` ${word} `), `${line}: got "${got[i]}", want ${word}`);
    }
  });
});

cliTest("completions zsh: parses, and completes with zsh's functions stubbed", async (home) => {
  const dir = await Deno.makeTempDir({ dir: home.home });
  await Deno.writeTextFile(`${dir}/_stigmer`, await script(home, "zsh"));
  const syntax = await shellRun("zsh", ["-n", `${dir}/_stigmer`]);
  assertExit(syntax, 0, "zsh -n");
  assertMatch(await Deno.readTextFile(`${dir}/_stigmer`), /^#compdef stigmer$/m);
  // The completion system itself needs a terminal; its entry points print here.
  const lines: [string[], RegExp][] = [
    [["stigmer", ""], /^describe: apply:deploy .* server:manage /],
    [["stigmer", "ex", ""], /^describe: list:.* get:.* cancel:/],
    [["stigmer", "apply", "--"], /^describe: --dir:project directory/],
    [["stigmer", "get", "-o", ""], /^compadd: table json yaml$/],
    [["stigmer", "backend", "use", ""], /^compadd: local cloud$/],
    [["stigmer", "apply", "-f", ""], /^files$/],
    [["stigmer", "run", "--org", ""], /^message: value$/],
  ];
  const program = [
    "compdef() { :; }",
    '_describe() { print -r -- "describe: ${(P)4}"; }',
    'compadd() { shift; print -r -- "compadd: $*"; }',
    "_files() { print files; }",
    '_message() { print -r -- "message: $*"; }',
    `source ${dir}/_stigmer`,
    't() { words=("$@"); CURRENT=${#words}; _stigmer; }',
    ...lines.map(([words]) => `t ${words.map((w) => `'${w}'`).join(" ")}`),
  ].join("\n");
  const result = await shellRun("zsh", ["-f", "-c", program]);
  assertEquals(result.stderr, "");
  const got = result.stdout.split("\n");
  lines.forEach(([words, want], i) => assertMatch(got[i], want, words.join(" ")));
});

// A `stigmer` started with narrower permissions than the README's (an old install, a hand-written
// `deno run`) says which access is missing and which flag gives it: never Deno's raw NotCapable
// text, never a prompt.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { CLI_PERMISSIONS, CONFIG, MAIN, makeTestHome } from "../helpers/cli.ts";
import { decode, readmeBlock } from "./readme.ts";

Deno.test("a missing --allow-net for a cloud endpoint is an error naming the flag", async () => {
  const home = await makeTestHome("");
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--config",
        CONFIG,
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net=127.0.0.1,localhost",
        "--allow-run",
        MAIN,
        "login",
        "--endpoint",
        "https://127.0.0.2:9443",
        "--token-stdin",
      ],
      env: home.env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("stg_x\n"));
    await writer.close();
    const out = await child.output();
    const stderr = decode(out.stderr);
    assertEquals(out.code, 1, stderr);
    assertMatch(stderr, /^error: stigmer may not connect to or listen on 127\.0\.0\.2:9443/m);
    assertMatch(stderr, /^hint: give the command --allow-net/m);
    assert(!/run again with|NotCapable|check your network|Allow\?/.test(stderr), stderr);
  } finally {
    await home.cleanup();
  }
});

Deno.test("every way of getting stigmer grants the CLI the same permissions, and never prompts", async () => {
  const config = JSON.parse(await Deno.readTextFile(CONFIG));
  const flagsOf = (command: string) =>
    command.replace(/\\\n/g, " ").split(/\s+/).filter((w) =>
      /^--(allow-(read|write|env|net|run|sys)|no-prompt)(=|$)/.test(w)
    ).sort();
  const expected = [...CLI_PERMISSIONS, "--no-prompt"].sort();
  assertEquals(flagsOf(config.tasks.stigmer.command), expected, "deno task stigmer");
  assertEquals(flagsOf(config.tasks.compile.command), expected, "deno task compile");
  assertEquals(flagsOf(await readmeBlock("**`deno install`**", "sh")), expected, "README install");
  assertEquals(
    flagsOf(await readmeBlock("**`deno run` from a URL**", "sh")),
    expected,
    "README URL",
  );
  const ci = (await readmeBlock("**In CI**", "yaml")).split("\n").filter((l) =>
    !l.includes("uses:")
  );
  assertEquals(flagsOf(ci.join("\n")), expected, "README CI install step");
});

Deno.test("server run without --allow-net for its address fails at once, naming the flag", async () => {
  const home = await makeTestHome("");
  await Deno.writeTextFile(`${home.home}/tokens.yaml`, "tokens: []\n", { mode: 0o600 });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--config",
        CONFIG,
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net=127.0.0.1,localhost",
        "--allow-run",
        MAIN,
        "server",
        "run",
        "--listen",
        "0.0.0.0:0",
        "--insecure",
        "--tokens",
        `${home.home}/tokens.yaml`,
        "--data-dir",
        `${home.home}/server`,
      ],
      env: home.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = decode(out.stderr);
    assertEquals(out.code, 1, stderr);
    assertMatch(stderr, /^error: stigmer may not connect to or listen on 0\.0\.0\.0:0/m);
    assertMatch(stderr, /^hint: give the command --allow-net/m);
    assert(!/uncaught|run again with/.test(stderr), stderr);
  } finally {
    await home.cleanup();
  }
});

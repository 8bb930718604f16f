// A `stigmer` started with narrower permissions than the README's (an old install, a hand-written
// `deno run`) says which access is missing and which flag gives it: never Deno's raw NotCapable
// text, never a prompt.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { CONFIG, MAIN, makeTestHome } from "../helpers/cli.ts";
import { decode } from "./readme.ts";

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
    assertMatch(stderr, /^error: stigmer may not reach 127\.0\.0\.2:9443/m);
    assertMatch(stderr, /^hint: give the command --allow-net/m);
    assert(!/run again with|NotCapable|check your network|Allow\?/.test(stderr), stderr);
  } finally {
    await home.cleanup();
  }
});

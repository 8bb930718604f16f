// `stigmer ui` as a command: it starts the daemon like any backend command, prints the link on
// stdout and hands it to the platform's opener (a stand-in xdg-open on PATH records it); when
// the opener fails it says so and still succeeds; cloud mode and --no-auto-start are explained.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, assertIncludes, executionHome } from "../executions/helpers.ts";
import { opener } from "../../src/cli/commands/ui.ts";

const LINK = /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/;

async function fakeOpener(dir: string, script: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/xdg-open`, `#!/bin/sh\n${script}\n`);
  await Deno.chmod(`${dir}/xdg-open`, 0o755);
  return `${dir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
}

Deno.test("stigmer ui: starts the daemon, prints the link and opens it with xdg-open", async () => {
  const home = await executionHome();
  try {
    const bin = `${home.home}/bin`;
    const seen = `${home.home}/opened.txt`;
    const path = await fakeOpener(bin, `printf '%s' "$1" > '${seen}'`);
    const result = await home.run(["ui"], { env: { PATH: path } });
    assertExit(result, 0, "stigmer ui");
    assertIncludes(result.stderr, "Daemon started");
    const url = result.stdout.trim();
    assertMatch(url, LINK);
    assertEquals(await Deno.readTextFile(seen), url);
    assertIncludes(result.stderr, "Opening the run viewer in your browser");

    // Each call gives a new link; an opener that fails is reported, and the link still printed.
    const failing = await fakeOpener(bin, "exit 4");
    const again = await home.run(["ui"], { env: { PATH: failing } });
    assertExit(again, 0, "stigmer ui with a failing opener");
    assertMatch(again.stdout.trim(), LINK);
    assert(again.stdout.trim() !== url, "a link is good once: each call mints another");
    assertIncludes(
      again.stderr,
      "could not open a browser (xdg-open exited with code 4): open the link above yourself",
    );
  } finally {
    await home.cleanup();
  }
});

Deno.test("stigmer ui: --no-auto-start without a daemon, and cloud mode, are explained", async () => {
  const home = await executionHome();
  try {
    const stopped = await home.run(["ui", "--no-open", "--no-auto-start"]);
    assertExit(stopped, 3, "stigmer ui --no-auto-start");
    assertEquals(stopped.stdout, "");
    const cloud = await home.run(["ui", "--no-open"], {
      env: { STIGMER_BACKEND: "cloud", STIGMER_ORG: "acme" },
    });
    assertExit(cloud, 1, "stigmer ui in cloud mode");
    assertIncludes(cloud.stderr, "the run viewer shows the local daemon's runs");
    assertIncludes(cloud.stderr, "stigmer backend use local");
  } finally {
    await home.cleanup();
  }
});

Deno.test("stigmer ui: the opener of each platform", () => {
  assertEquals(opener("http://x/", "linux"), ["xdg-open", "http://x/"]);
  assertEquals(opener("http://x/", "darwin"), ["open", "http://x/"]);
  assertEquals(opener("http://x/", "windows"), ["cmd", "/c", "start", "", "http://x/"]);
});

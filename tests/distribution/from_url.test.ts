// The README's `deno run … --import-map <url>/deno.json <url>/main.ts`, as written: the whole
// CLI from a URL, run in a folder outside the checkout, and the daemon it auto-starts spawned
// from the same URL and import map.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { makeTestHome, processesMatching, REPO } from "../helpers/cli.ts";
import { serveDirectory } from "./helpers.ts";
import { noise, readmeBlock } from "./readme.ts";

Deno.test("the CLI runs from a URL: --version, init, apply, with the daemon from the same URL", async () => {
  const server = serveDirectory(REPO);
  const home = await makeTestHome();
  const work = await Deno.makeTempDir({ prefix: "stigmer-url-" });
  const host = new URL(server.url).host;
  // The README's command, as written, with its placeholders filled in and its `apply` replaced.
  const readme = (await readmeBlock("**`deno run` from a URL**", "sh")).replace(/\\\n/g, " ")
    .replaceAll("https://<host>/<path>", server.url).replaceAll("<host>", host)
    .trim().split(/\s+/);
  assertEquals(readme.slice(0, 2), ["deno", "run"]);
  assertEquals(readme.at(-1), "apply");
  const run = async (args: string[], cwd = work) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [...readme.slice(1, -1), ...args],
      cwd,
      env: home.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  };
  try {
    const version = await run(["--version"]);
    assertEquals(version.code, 0, version.stderr);
    assertMatch(version.stdout, /^\d+\.\d+\.\d+/);

    // The first run from a URL prints no build-script warning.
    assert(!noise(version.stderr), version.stderr);
    assertEquals((await run(["init", "demo"])).code, 0);
    const applied = await run(["apply"], `${work}/demo`);
    assertEquals(applied.code, 0, applied.stderr);
    assertMatch(applied.stdout, /Workflow\s+hello\s+CREATED/);
    assertMatch(applied.stderr, /Daemon started/);

    const daemons = processesMatching("__daemon", `--data-dir=${home.dataDir}`);
    assertEquals(daemons.length, 1);
    assert(
      daemons[0].args.includes(`${server.url}/main.ts`),
      `daemon not from the URL: ${daemons[0].args}`,
    );
    assert(daemons[0].args.includes(`${server.url}/deno.json`), "daemon without the import map");
  } finally {
    await home.cleanup();
    await server.close();
    await Deno.remove(work, { recursive: true });
  }
});

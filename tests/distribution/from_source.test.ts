// `deno task stigmer` from a project folder outside the checkout, as the README says:
// `deno task --config <checkout>/deno.json stigmer …` works in the folder it was typed in
// (deno task runs in the checkout and sets INIT_CWD to that folder).
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { CONFIG, makeTestHome } from "../helpers/cli.ts";
import { decode } from "./readme.ts";

Deno.test("deno task stigmer works from a folder outside the checkout: init, apply, -f", async () => {
  const home = await makeTestHome();
  const work = await Deno.makeTempDir({ prefix: "stigmer-from-source-" });
  const task = async (args: string[], cwd: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "--config", CONFIG, "stigmer", ...args],
      cwd,
      env: home.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  };
  try {
    const init = await task(["init", "p"], work);
    assertEquals(init.code, 0, init.stderr);
    assert(
      await Deno.stat(`${work}/p/Stigmer.yaml`),
      "init wrote outside the folder it was typed in",
    );
    const applied = await task(["apply"], `${work}/p`);
    assertEquals(applied.code, 0, applied.stderr);
    assertMatch(applied.stdout, /Workflow\s+hello\s+CREATED/);
    // A relative -f is relative to where the command was typed, too.
    const dry = await task(["apply", "--dry-run", "-f", "stigmer/workflow.yaml"], `${work}/p`);
    assertEquals(dry.code, 0, dry.stderr);
  } finally {
    await home.cleanup();
    await Deno.remove(work, { recursive: true });
  }
});

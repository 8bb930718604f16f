// The README's first command and the CI-step use: `apply` of the example
// project from a fresh home; with CI=true and no terminal, output carries no
// colour or spinner frames and stays readable in a log.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { makeTestHome, REPO } from "../helpers/cli.ts";

Deno.test("examples/hello applies from a fresh home, and CI=true output is plain text", async () => {
  const home = await makeTestHome();
  try {
    const env = { CI: "true" };
    delete home.env.NO_COLOR; // prove CI=true alone turns colour off
    const dry = await home.run(["apply", "--dry-run", "--dir", `${REPO}/examples/hello`], { env });
    assertEquals(dry.code, 0, dry.stderr);
    const applied = await home.run(["apply", "--dir", `${REPO}/examples/hello`], { env });
    assertEquals(applied.code, 0, applied.stderr);
    assertMatch(applied.stdout, /Agent\s+greeter\s+CREATED/);
    assertMatch(applied.stderr, /^Starting local backend daemon\.\.\.$/m);
    assertMatch(applied.stderr, /^✓ Daemon started \(pid \d+, 127\.0\.0\.1:\d+\) in \d+\.\ds$/m);
    for (const out of [dry.stdout, dry.stderr, applied.stdout, applied.stderr]) {
      assert(!out.includes("\x1b["), `escape codes in CI output: ${JSON.stringify(out)}`);
    }
    const ran = await home.run(["run", "hello", "--input", "name=CI"], { env });
    assertEquals(ran.code, 0, ran.stderr);
    assertMatch(ran.stdout, /"greeting": "Hello, CI!"/);
    assert(!ran.stderr.includes("\x1b["), "escape codes in run output");
  } finally {
    await home.cleanup();
  }
});

// `stigmer --help` prints a generated copy of the parser's help; it must match.
import { helpModule, renderTopLevelHelp } from "../../scripts/gen_help.ts";
import { TOP_LEVEL_HELP } from "../../src/cli/help_text.ts";
import { assertEquals } from "../helpers/assert.ts";
import { inheritedEnv, runWith } from "../helpers/cli.ts";

Deno.test("the generated top-level help matches the parser's (else: deno task help-text)", async () => {
  assertEquals(TOP_LEVEL_HELP, await renderTopLevelHelp());
  assertEquals(helpModule(TOP_LEVEL_HELP).includes("TOP_LEVEL_HELP"), true);
});

Deno.test("stigmer --help prints it and exits 0; no arguments prints it and exits 2", async () => {
  const env = { ...inheritedEnv(), STIGMER_HOME: "/nonexistent-stigmer-home" };
  const help = await runWith(["--help"], env);
  assertEquals(help.code, 0);
  assertEquals(help.stdout.trimEnd(), TOP_LEVEL_HELP.trimEnd());
  const bare = await runWith([], env);
  assertEquals(bare.code, 2);
  assertEquals(bare.stderr.trimEnd(), TOP_LEVEL_HELP.trimEnd());
});

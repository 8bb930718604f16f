// `stigmer … | head -1`: when the reader closes the pipe, the command ends quietly with exit 0,
// like other Unix tools, instead of `error: Broken pipe (os error 32)` and exit 1.
import { assertEquals } from "../helpers/assert.ts";
import { cliCommand, withHome } from "../helpers/cli.ts";

for (const args of [["server", "status"], ["version", "--json"], ["config", "list"]]) {
  Deno.test(
    `stigmer ${args.join(" ")} into a closed pipe exits 0 without an error`,
    withHome(async (home) => {
      // Close our end before the CLI has started: every write it makes finds the pipe closed.
      const child = cliCommand(args, home.env).spawn();
      await child.stdout.cancel();
      const stderr = new TextDecoder().decode(
        await new Response(child.stderr).arrayBuffer(),
      );
      const status = await child.status;
      assertEquals(stderr, "", "nothing on stderr");
      assertEquals(status.code, 0);
    }),
  );
}

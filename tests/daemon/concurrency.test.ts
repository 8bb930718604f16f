// Twenty first commands at once, no daemon running: the spawn lock and the
// re-check under it must give exactly one daemon, and every command succeeds.
import { daemonsOf, withHome } from "../helpers/cli.ts";
import { assertEquals } from "../helpers/assert.ts";
import { AUTO_START, daemonInfo, startedPid } from "./helpers.ts";

const COMMANDS = 20;

Deno.test(
  `${COMMANDS} commands launched at once start exactly one daemon, and all succeed`,
  withHome(async (home) => {
    // Half of them go through `server start`, half through a command that auto-starts.
    const children = Array.from(
      { length: COMMANDS },
      (_, i) => home.spawn(i % 2 === 0 ? AUTO_START : ["server", "start"]),
    );
    const decoder = new TextDecoder();
    const results = await Promise.all(children.map(async (child) => {
      const out = await child.output();
      return { code: out.code, stderr: decoder.decode(out.stderr) };
    }));
    const failures = results.filter((r) => r.code !== 0);
    assertEquals(failures, [], "every command succeeds");

    const info = daemonInfo(home)!;
    assertEquals(daemonsOf(home.dataDir), [info.pid], "exactly one daemon process");
    const starters = results.map((r) => startedPid(r.stderr)).filter((p) => p !== undefined);
    assertEquals(starters, [info.pid], "exactly one command started it");
  }),
);

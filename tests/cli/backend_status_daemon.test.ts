// `backend status` says whether the local daemon runs, from a folder outside the checkout.
import { assertEquals, assertMatch } from "../helpers/assert.ts";
import { withHome } from "../helpers/cli.ts";
import { readDaemonInfo } from "../../src/rpc/daemon_info.ts";

Deno.test(
  "backend status tells whether the local daemon is running, with its pid and endpoint",
  withHome(async (home) => {
    const cwd = home.home;
    const before = await home.run(["backend", "status", "--json"], { cwd });
    assertEquals(before.code, 0, before.stderr);
    assertEquals(JSON.parse(before.stdout).daemon, { state: "stopped" });

    const started = await home.run(["server", "start"], { cwd });
    assertEquals(started.code, 0, started.stderr);
    const info = readDaemonInfo(`${home.dataDir}/daemon.json`)!;
    const text = await home.run(["backend", "status"], { cwd });
    assertEquals(text.code, 0, text.stderr);
    assertMatch(
      text.stdout,
      new RegExp(
        `^Local daemon: +running \\(pid ${info.pid}, 127\\.0\\.0\\.1:${info.port}\\)$`,
        "m",
      ),
    );
    const json = JSON.parse((await home.run(["backend", "status", "--json"], { cwd })).stdout);
    assertEquals(json.daemon, {
      state: "running",
      pid: info.pid,
      endpoint: `127.0.0.1:${info.port}`,
    });
  }),
);

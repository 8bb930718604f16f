// What must not break the auto-start (issue 3, "Must survive"): a killed
// daemon, a stale daemon.json naming a stranger, a foreign server on the port,
// a daemon that crashes at start, an unusable data dir, auto-start turned off,
// and a daemon of another version.
import { daemonsOf, isAlive, withHome } from "../helpers/cli.ts";
import { assert, assertEquals, assertMatch, assertNotEquals } from "../helpers/assert.ts";
import { writeDaemonInfo } from "../../src/rpc/daemon_info.ts";
import { VERSION } from "../../src/version.ts";
import { DaemonExit } from "../../src/rpc/daemon_exit.ts";
import {
  assertExit,
  AUTO_START,
  configYaml,
  daemonInfo,
  freePort,
  spawnDaemon,
  startedPid,
  waitFor,
} from "./helpers.ts";

/** Problems a user would read as "something is wrong" after a plain restart. */
const ALARMING = /warning|stale|error|refus/i;

Deno.test(
  "a daemon killed with SIGKILL is replaced silently by the next command",
  withHome(async (home) => {
    assertExit(await home.run(AUTO_START), 0, "first command");
    const old = daemonInfo(home)!;
    Deno.kill(old.pid, "SIGKILL");
    await waitFor(() => !isAlive(old.pid), 5000, "the killed daemon to die");
    // What it leaves behind: daemon.json and daemon.token naming a dead process.
    assert(daemonInfo(home) !== undefined, "daemon.json is still there");

    const next = await home.run(AUTO_START);
    assertExit(next, 0, "the command after SIGKILL");
    assert(!ALARMING.test(next.stderr), `unexpected noise:\n${next.stderr}`);
    const fresh = daemonInfo(home)!;
    assertNotEquals(fresh.pid, old.pid);
    assertNotEquals(fresh.instanceId, old.instanceId);
    assertEquals(startedPid(next.stderr), fresh.pid);
    assertEquals(daemonsOf(home.dataDir), [fresh.pid]);
  }),
);

Deno.test(
  "daemon.json naming a live process that is not ours: neither trusted nor killed",
  withHome(async (home) => {
    const stranger = new Deno.Command("sleep", { args: ["60"], stdout: "null", stderr: "null" })
      .spawn();
    try {
      Deno.mkdirSync(home.dataDir, { recursive: true, mode: 0o700 });
      const fake = {
        pid: stranger.pid,
        port: freePort(),
        host: "127.0.0.1",
        version: VERSION,
        instanceId: "dmn-not-a-daemon",
        startedAt: new Date().toISOString(),
      };
      writeDaemonInfo(`${home.dataDir}/daemon.json`, fake);
      Deno.writeTextFileSync(`${home.dataDir}/daemon.token`, "stale", { mode: 0o600 });

      const status = await home.run(["server", "status", "--json"]);
      assertExit(status, 0, "server status");
      assertEquals(JSON.parse(status.stdout).state, "stopped");
      const stop = await home.run(["server", "stop"]);
      assertExit(stop, 0, "server stop");
      assertMatch(stop.stderr, /Daemon is not running/);
      assert(isAlive(stranger.pid), "server stop killed a process it does not own");

      writeDaemonInfo(`${home.dataDir}/daemon.json`, fake);
      const result = await home.run(AUTO_START);
      assertExit(result, 0, "command with a stale daemon.json");
      assert(!ALARMING.test(result.stderr), `unexpected noise:\n${result.stderr}`);
      const info = daemonInfo(home)!;
      assertNotEquals(info.pid, stranger.pid);
      assertEquals(daemonsOf(home.dataDir), [info.pid]);
      assert(isAlive(stranger.pid), "the stranger was killed");
    } finally {
      stranger.kill("SIGKILL");
      await stranger.status;
    }
  }),
);

Deno.test("a foreign server on the configured port: exit 3 naming the port, quickly", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    await withHome(async (home) => {
      const began = performance.now();
      const result = await home.run(AUTO_START);
      const seconds = (performance.now() - began) / 1000;
      assertExit(result, 3, "command with the port taken");
      assertMatch(result.stderr, new RegExp(`error: .*port ${port}\\b.*in use`));
      assertMatch(
        result.stderr,
        /hint: choose another port: stigmer config set backend\.local\.endpoint/,
      );
      assert(seconds < 10, `took ${seconds.toFixed(1)}s`);
      assertEquals(daemonsOf(home.dataDir), [], "no daemon left behind");
      assertEquals(daemonInfo(home), undefined);
    }, configYaml({ endpoint: `127.0.0.1:${port}` }))();
  } finally {
    listener.close();
  }
});

Deno.test(
  "a daemon that crashes at start (garbage stigmer.db): exit 3 with the log path and its last lines",
  withHome(async (home) => {
    Deno.mkdirSync(home.dataDir, { recursive: true, mode: 0o700 });
    const garbage = new Uint8Array(16384);
    crypto.getRandomValues(garbage);
    Deno.writeFileSync(`${home.dataDir}/stigmer.db`, garbage);
    const logPath = `${home.dataDir}/logs/daemon.log`;

    const result = await home.run(AUTO_START);
    assertExit(result, 3, "command with a corrupt store");
    assertMatch(result.stderr, /✗ The daemon exited during start-up/);
    assert(result.stderr.includes(`last lines of ${logPath}:`), result.stderr);
    // The reason itself is among the lines shown, not pushed out by a stack trace.
    assertMatch(result.stderr, /ERROR failed to start: .*stigmer\.db: file is not a database/);
    assert(result.stderr.includes(`hint: see the whole log: stigmer server logs   (${logPath})`));
    assertEquals(daemonsOf(home.dataDir), [], "no daemon left behind");
    assertEquals(daemonInfo(home), undefined);

    // Once the file is moved aside, the next command works.
    Deno.renameSync(`${home.dataDir}/stigmer.db`, `${home.dataDir}/stigmer.db.bad`);
    assertExit(await home.run(AUTO_START), 0, "command after the repair");
  }),
);

Deno.test("an unusable data dir (under a regular file): exit 3 with the reason", async () => {
  const base = await Deno.makeTempDir({ prefix: "stigmer-test-file-" });
  try {
    Deno.writeTextFileSync(`${base}/not-a-dir`, "");
    await withHome(async (home) => {
      const began = performance.now();
      const result = await home.run(AUTO_START);
      assertExit(result, 3, "command with data_dir under a file");
      assertMatch(
        result.stderr,
        new RegExp(`error: cannot start the local daemon: .*${base}/not-a-dir/data`),
      );
      assertMatch(result.stderr, /Not a directory|a part of the path is a file/);
      assertMatch(result.stderr, /hint: .*backend\.local\.data_dir/);
      assert(performance.now() - began < 10_000, "it hung");
    }, configYaml({ dataDir: `${base}/not-a-dir/data` }))();
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test(
  "a data dir the CLI can create but the daemon cannot use (logs is a file): exit 3 naming why",
  withHome(async (home) => {
    Deno.mkdirSync(home.dataDir, { recursive: true, mode: 0o700 });
    Deno.writeTextFileSync(`${home.dataDir}/logs`, "");
    const result = await home.run(AUTO_START);
    assertExit(result, 3, "command with logs/ a regular file");
    assertMatch(result.stderr, new RegExp(`cannot create directory ${home.dataDir}/logs`));
    assertEquals(daemonsOf(home.dataDir), []);
  }),
);

Deno.test(
  "--no-auto-start and STIGMER_NO_AUTO_START=1: a stopped daemon is an error that says how to start it",
  withHome(async (home) => {
    const runs = [
      await home.run([...AUTO_START, "--no-auto-start"]),
      await home.run(AUTO_START, { env: { STIGMER_NO_AUTO_START: "1" } }),
    ];
    for (const result of runs) {
      assertExit(result, 3, "command with auto-start off");
      assertMatch(result.stderr, /error: the local daemon is not running/);
      assertMatch(result.stderr, /hint: start it with: stigmer server start/);
      assertEquals(daemonsOf(home.dataDir), [], "auto-start was off");
    }
    // Running already: the flag changes nothing.
    assertExit(await home.run(["server", "start"]), 0, "server start");
    assertExit(await home.run([...AUTO_START, "--no-auto-start"]), 0, "with a daemon up");
  }),
);

Deno.test(
  "version handshake: a daemon of another version is replaced by the CLI's",
  withHome(async (home) => {
    const old = await spawnDaemon(home, { reportVersion: "0.0.1-old" });
    try {
      assertEquals(daemonInfo(home)!.version, "0.0.1-old");

      const result = await home.run(AUTO_START);
      assertExit(result, 0, "command against the old daemon");
      assertMatch(
        result.stderr,
        new RegExp(
          `Replacing the local daemon 0\\.0\\.1-old with version ${VERSION.replaceAll(".", "\\.")}`,
        ),
      );
      const fresh = daemonInfo(home)!;
      assertNotEquals(fresh.pid, old.pid);
      assertEquals(fresh.version, VERSION);
      assertEquals((await old.status).code, 0, "the old daemon stopped cleanly");
      const status = JSON.parse((await home.run(["server", "status", "--json"])).stdout);
      assertEquals(status.version, VERSION);
      assertEquals(status.pid, fresh.pid);
    } finally {
      if (isAlive(old.pid)) old.kill("SIGKILL");
      await old.status;
    }
  }),
);

Deno.test(
  "a hung daemon (SIGSTOP): commands fail with exit 3 instead of hanging, server stop removes it",
  withHome(async (home) => {
    assertExit(await home.run(["server", "start"]), 0, "server start");
    const info = daemonInfo(home)!;
    Deno.kill(info.pid, "SIGSTOP");
    try {
      const result = await home.run(AUTO_START);
      assertExit(result, 3, "command against a hung daemon");
      assertMatch(result.stderr, /does not answer/);
      assertMatch(result.stderr, /hint: .*stigmer server restart/);
      assert(isAlive(info.pid), "a command must not kill the daemon on its own");

      const stop = await home.run(["server", "stop"]);
      assertExit(stop, 0, "server stop of a hung daemon");
      assertMatch(stop.stderr, new RegExp(`Daemon stopped \\(pid ${info.pid}, SIG(TERM|KILL)\\)`));
      await waitFor(() => !isAlive(info.pid), 5000, "the hung daemon to die");
      assertEquals(daemonInfo(home), undefined);
    } finally {
      if (isAlive(info.pid)) Deno.kill(info.pid, "SIGKILL");
    }
  }, configYaml({ startupTimeout: "3s" })),
);

Deno.test(
  "a second daemon for the same data dir leaves at once (exit 4) and disturbs nothing",
  withHome(async (home) => {
    const first = await spawnDaemon(home);
    try {
      const info = daemonInfo(home)!;
      const token = Deno.readTextFileSync(`${home.dataDir}/daemon.token`);
      const second = await spawnDaemon(home, { wait: false });
      assertEquals((await second.status).code, DaemonExit.ALREADY_RUNNING);
      assertEquals(daemonsOf(home.dataDir), [first.pid]);
      assertEquals(daemonInfo(home), info, "daemon.json untouched");
      assertEquals(Deno.readTextFileSync(`${home.dataDir}/daemon.token`), token);
      assertExit(await home.run(AUTO_START), 0, "a command against the first daemon");
      assertEquals(daemonInfo(home)!.pid, first.pid);
    } finally {
      first.kill("SIGTERM");
      await first.status;
    }
  }),
);

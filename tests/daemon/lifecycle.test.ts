// `stigmer server start|stop|restart|status|logs`, the progress a user sees,
// the commands that must never start the daemon, and the idle exit — all with
// real processes in a temporary STIGMER_HOME.
import { daemonsOf, isAlive, MAIN, scriptArgs, withHome } from "../helpers/cli.ts";
import { assert, assertEquals, assertMatch, assertNotEquals } from "../helpers/assert.ts";
import { isLockHeld } from "../../src/rpc/daemon_info.ts";
import { VERSION } from "../../src/version.ts";
import { assertExit, AUTO_START, configYaml, daemonInfo, startedPid, waitFor } from "./helpers.ts";

Deno.test(
  "server start: plain progress lines on stderr, nothing on stdout, private files",
  withHome(async (home) => {
    const result = await home.run(["server", "start"]);
    assertExit(result, 0, "server start");
    assertEquals(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assertEquals(lines[0], "Starting local backend daemon...");
    assert(lines.some((l) => /^ {2}✓ Store opened \(.*stigmer\.db\)$/.test(l)), result.stderr);
    assert(
      lines.some((l) => l === "  ✓ Using Ollama at http://localhost:11434 (no API key required)"),
      result.stderr,
    );
    assertMatch(lines.at(-1)!, /^✓ Daemon started \(pid \d+, 127\.0\.0\.1:\d+\) in \d+\.\ds$/);
    // No spinner frames or colour codes when piped.
    assert(!result.stderr.includes("\x1b["), "escape codes in piped progress");

    const info = daemonInfo(home)!;
    assertEquals(startedPid(result.stderr), info.pid);
    assert(lines.at(-1)!.includes(`127.0.0.1:${info.port}`));
    assertNotEquals(info.port, 0);
    assertEquals(info.version, VERSION);
    assertEquals(daemonsOf(home.dataDir), [info.pid]);
    for (const file of ["daemon.json", "daemon.token"]) {
      assertEquals(Deno.statSync(`${home.dataDir}/${file}`).mode! & 0o777, 0o600, file);
    }
    assertEquals(Deno.statSync(home.dataDir).mode! & 0o777, 0o700);
    assert(isLockHeld(`${home.dataDir}/daemon.lock`), "the daemon holds daemon.lock");

    const again = await home.run(["server", "start"]);
    assertExit(again, 0, "second server start");
    assertEquals(again.stdout, "");
    assertMatch(again.stderr, new RegExp(`Daemon already running \\(pid ${info.pid}, `));
    assertEquals(daemonsOf(home.dataDir), [info.pid]);
  }),
);

Deno.test(
  "server status: stopped and running, as text and parseable --json",
  withHome(async (home) => {
    const stopped = await home.run(["server", "status", "--json"]);
    assertExit(stopped, 0, "server status --json");
    const s = JSON.parse(stopped.stdout);
    assertEquals(s.state, "stopped");
    assertEquals(s.dataDir, home.dataDir);
    assertEquals(s.logPath, `${home.dataDir}/logs/daemon.log`);
    const stoppedText = await home.run(["server", "status"]);
    assertExit(stoppedText, 0, "server status");
    assertMatch(stoppedText.stdout, /^State: +stopped$/m);
    assertEquals(daemonsOf(home.dataDir), [], "server status must not start the daemon");

    assertExit(await home.run(["server", "start"]), 0, "server start");
    const info = daemonInfo(home)!;
    const running = await home.run(["server", "status", "--json"]);
    assertExit(running, 0, "server status --json");
    const r = JSON.parse(running.stdout);
    assertEquals(r.state, "running");
    assertEquals(r.pid, info.pid);
    assertEquals(r.version, VERSION);
    assertEquals(r.endpoint, `127.0.0.1:${info.port}`);
    assertEquals(r.instanceId, info.instanceId);
    assertEquals(r.dataDir, home.dataDir);
    assertEquals(r.logPath, `${home.dataDir}/logs/daemon.log`);
    assert(typeof r.uptimeSeconds === "number" && r.uptimeSeconds >= 0);
    assert(typeof r.memoryBytes === "number" && r.memoryBytes > 0);
    assertEquals([r.runningExecutions, r.backendRunningExecutions], [0, 0]);

    const text = await home.run(["server", "status"]);
    assertExit(text, 0, "server status");
    for (
      const pattern of [
        /^State: +running$/m,
        new RegExp(`^PID: +${info.pid}$`, "m"),
        new RegExp(`^Version: +${VERSION.replaceAll(".", "\\.")}$`, "m"),
        new RegExp(`^Endpoint: +127\\.0\\.0\\.1:${info.port}$`, "m"),
        /^Uptime: +\S+/m,
        /^Executions: +0 running here, 0 in the backend$/m,
        /^Data dir: +\S+/m,
        /^Log: +\S+daemon\.log$/m,
      ]
    ) assertMatch(text.stdout, pattern);
  }),
);

Deno.test(
  "server logs -n N prints the last N lines of the daemon's log",
  withHome(async (home) => {
    const none = await home.run(["server", "logs"]);
    assertExit(none, 0, "server logs before any start");
    assertMatch(none.stderr, /No log yet/);

    assertExit(await home.run(["server", "start"]), 0, "server start");
    const info = daemonInfo(home)!;
    const two = await home.run(["server", "logs", "-n", "2"]);
    assertExit(two, 0, "server logs -n 2");
    const lines = two.stdout.trimEnd().split("\n");
    assertEquals(lines.length, 2, two.stdout);
    assertMatch(lines[1], new RegExp(`listening on 127\\.0\\.0\\.1:${info.port}$`));
    const all = await home.run(["server", "logs"]);
    assertMatch(
      all.stdout,
      new RegExp(`starting \\(pid ${info.pid}, instance ${info.instanceId}\\)`),
    );
    assertExit(await home.run(["server", "logs", "-n", "x"]), 2, "server logs -n x");
  }),
);

Deno.test(
  "server stop goes through the Shutdown RPC; restart gives a new daemon",
  withHome(async (home) => {
    const notRunning = await home.run(["server", "stop"]);
    assertExit(notRunning, 0, "server stop with nothing running");
    assertMatch(notRunning.stderr, /Daemon is not running/);
    assertEquals(daemonsOf(home.dataDir), [], "server stop must not start the daemon");

    assertExit(await home.run(["server", "start"]), 0, "server start");
    const first = daemonInfo(home)!;
    const stop = await home.run(["server", "stop"]);
    assertExit(stop, 0, "server stop");
    // No ", SIGTERM"/", SIGKILL" suffix: the daemon left on request.
    assertMatch(stop.stderr, new RegExp(`Daemon stopped \\(pid ${first.pid}\\)\\n`));
    await waitFor(() => !isAlive(first.pid), 5000, "the stopped daemon's process to exit");
    assertEquals(daemonInfo(home), undefined, "daemon.json removed");
    assert(!isLockHeld(`${home.dataDir}/daemon.lock`));
    assertMatch(
      Deno.readTextFileSync(`${home.dataDir}/logs/daemon.log`),
      /shutting down: .*\n.*daemon exited: .*\(exit code 0\)\n$/,
    );

    assertExit(await home.run(["server", "start"]), 0, "server start");
    const second = daemonInfo(home)!;
    const restart = await home.run(["server", "restart"]);
    assertExit(restart, 0, "server restart");
    assertEquals(restart.stdout, "");
    const third = daemonInfo(home)!;
    assertNotEquals(third.pid, second.pid);
    assertNotEquals(third.instanceId, second.instanceId);
    assertMatch(restart.stderr, new RegExp(`Daemon stopped \\(pid ${second.pid}\\)`));
    assertEquals(startedPid(restart.stderr), third.pid);
    await waitFor(() => !isAlive(second.pid), 5000, "the old daemon's process to exit");
    assertEquals(daemonsOf(home.dataDir), [third.pid]);
    // The previous run's log was rotated, not overwritten.
    assertMatch(
      Deno.readTextFileSync(`${home.dataDir}/logs/daemon.log.1`),
      new RegExp(`pid ${second.pid}`),
    );
  }),
);

Deno.test(
  "--help, version, config, --dry-run, server status and server stop never start the daemon",
  withHome(async (home) => {
    const project = `${home.home}/project`;
    Deno.mkdirSync(`${project}/stigmer`, { recursive: true });
    Deno.writeTextFileSync(`${project}/Stigmer.yaml`, "name: quiet\n");
    Deno.writeTextFileSync(
      `${project}/stigmer/agent.yaml`,
      "apiVersion: agentic.stigmer.ai/v1\nkind: Agent\nmetadata:\n  name: quiet\nspec:\n  instructions: Say hi.\n",
    );
    const commands = [
      ["--help"],
      ["get", "--help"],
      ["apply", "--help"],
      ["version"],
      ["--version"],
      ["config", "list"],
      ["config", "path"],
      ["config", "get", "backend.type"],
      ["server", "status"],
      ["server", "status", "--json"],
      ["server", "stop"],
      ["server", "logs"],
      ["apply", "--dry-run", "--dir", project],
    ];
    for (const args of commands) {
      const result = await home.run(args);
      assertExit(result, 0, `stigmer ${args.join(" ")}`);
      assertEquals(daemonsOf(home.dataDir), [], `stigmer ${args.join(" ")} started a daemon`);
      assert(!result.stderr.includes("Starting local backend daemon"), args.join(" "));
    }
    assertEquals(daemonInfo(home), undefined);
  }),
);

Deno.test(
  "idle_timeout: an idle daemon exits by itself and removes daemon.json",
  withHome(async (home) => {
    const result = await home.run(AUTO_START);
    assertExit(result, 0, AUTO_START.join(" "));
    const info = daemonInfo(home)!;
    await waitFor(() => !isAlive(info.pid), 15_000, "the idle daemon to exit");
    assertEquals(daemonInfo(home), undefined, "daemon.json removed");
    assert(!isLockHeld(`${home.dataDir}/daemon.lock`));
    const log = Deno.readTextFileSync(`${home.dataDir}/logs/daemon.log`);
    assertMatch(log, /shutting down: idle for \d+s/);
    // And the next command simply starts a new one.
    const next = await home.run(AUTO_START);
    assertExit(next, 0, "the command after the idle exit");
    assertNotEquals(daemonInfo(home)?.pid, info.pid);
  }, configYaml({ idleTimeout: "2s" })),
);

/** util-linux `script` gives the CLI a pseudo-terminal, so the spinner path runs. */
function hasScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "on a terminal: a spinner with the phases, then the command's output",
  fn: withHome(async (home) => {
    assert(hasScript(), "script is not installed: apt-get install bsdutils (.ci/run does)");
    const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
    const command = [Deno.execPath(), ...scriptArgs(MAIN, AUTO_START)].map(quote).join(" ");
    const child = new Deno.Command("script", {
      // A pty without a size reports 0 columns: the spinner must cope.
      args: ["-qec", command, "/dev/null"],
      env: { ...home.env, TERM: "xterm" },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const out = await child.output();
    clearTimeout(guard);
    const text = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, text.slice(0, 2000));
    assert(text.includes("Starting local backend daemon..."), text.slice(0, 2000));
    assert(text.includes("\x1b[?25l"), "the spinner hides the cursor while it spins");
    assertMatch(text, /Store opened/);
    assertMatch(text, /Daemon started \(pid \d+, 127\.0\.0\.1:\d+\) in \d+\.\ds/);
    assert(!text.includes("Uncaught"), text.slice(0, 2000));
    assertEquals(daemonsOf(home.dataDir), [daemonInfo(home)!.pid]);
  }),
});

// Runs and the daemon's life: a daemon killed mid-run resumes the run at the
// next start (durable runs); a stopped one marks it INTERRUPTED on the way out; the idle timeout waits for runs to end; a daemon of another
// version is kept, with a warning, while it runs something.
import { assert, assertEquals, assertMatch, assertNotEquals } from "../helpers/assert.ts";
import { MAIN } from "../helpers/cli.ts";
import { daemonCommandLine } from "../../src/client/daemon/command_line.ts";
import { readDaemonInfo } from "../../src/rpc/daemon_info.ts";
import { VERSION } from "../../src/version.ts";
import {
  alive,
  applyProject,
  assertExit,
  assertIncludes,
  daemonChannel,
  daemonPid,
  executionClient,
  getExecution,
  localConfig,
  sleep,
  spawnCli,
  startedId,
  waitingWorkflow as waiting,
  waitUntil,
  withExecutionHome,
  writeProject,
} from "./helpers.ts";

Deno.test(
  "a daemon killed mid-run: the follower reconnects, the next daemon resumes the run; a stopped one marks it INTERRUPTED",
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "crash", { "long.yaml": waiting("long", "PT5S") });
    await applyProject(home, dir);

    const follower = spawnCli(home, ["run", "long"]);
    await follower.waitFor(/→ do\/1\/pause/);
    const id = startedId(follower.stderr);
    assert(id, follower.stderr);
    const pid = daemonPid(home);
    assert(pid, "no daemon.json");
    Deno.kill(pid, "SIGKILL");
    await waitUntil("the killed daemon to be gone", () => !alive(pid));

    // The follower starts the next daemon, which resumes the run at the task in flight.
    const followed = await follower.result();
    assertExit(followed, 0, "stigmer run long, daemon killed mid-run");
    assertIncludes(followed.stderr, "reconnecting to follow");
    assertIncludes(followed.stderr, `Resumed ${id}: resumed at do/1/pause`);
    assertNotEquals(daemonPid(home), pid);
    const execution = await getExecution(home, id);
    assertEquals(execution.phase, "COMPLETED");
    assertEquals(execution.output, { done: true });
    // Completed tasks did not run again: do/0/before started once.
    const events = await home.run(["executions", "get", id, "--follow", "--json"]);
    assertExit(events, 0, "stigmer executions get --follow --json");
    const beforeStarts = events.stdout.split("\n").filter((l) =>
      l.includes('"task.started"') && l.includes('"do/0/before"')
    );
    assertEquals(beforeStarts.length, 1, events.stdout);

    // stigmer server stop with a run in progress: INTERRUPTED on the way out.
    const started = await home.run(["run", "long", "--no-follow"]);
    assertExit(started, 0, "stigmer run long --no-follow");
    const second = started.stdout.trim();
    await waitUntil(
      "the run to be RUNNING",
      async () => (await getExecution(home, second)).phase === "RUNNING",
    );
    const stop = await home.run(["server", "stop"]);
    assertExit(stop, 0, "stigmer server stop");
    const stopped = await getExecution(home, second);
    assertEquals(stopped.phase, "INTERRUPTED");
    assertIncludes(String(stopped.error), "the daemon stopped");
  }),
);

Deno.test(
  "the idle timeout never stops a daemon with a run in progress; it exits by itself afterwards",
  withExecutionHome(
    async (home) => {
      const dir = await writeProject(home, "idle", { "slow.yaml": waiting("slow", "PT3S") });
      await applyProject(home, dir);
      const run = await home.run(["run", "slow", "--no-follow"]);
      assertExit(run, 0, "stigmer run slow --no-follow");
      const startedAt = performance.now();
      const id = run.stdout.trim();
      const pid = daemonPid(home);
      assert(pid && alive(pid), "the daemon should be running");

      // No call in flight and an idle timeout of 1 s: only the run keeps it alive.
      while (performance.now() - startedAt < 2800) {
        assert(
          alive(pid),
          `the daemon exited ${(performance.now() - startedAt).toFixed(0)} ms into a 3 s run`,
        );
        await sleep(100);
      }
      await waitUntil("the daemon to exit after idling", () => !alive(pid), 30_000, 100);
      const log = await Deno.readTextFile(`${home.dataDir}/logs/daemon.log`);
      assertMatch(log, /shutting down: idle for \d+s/);

      // The run finished before the daemon left.
      const execution = await getExecution(home, id);
      assertEquals(execution.phase, "COMPLETED");
      assertEquals(execution.output, { done: true });
    },
    localConfig({ idle_timeout: "1s" }),
  ),
);

/** Starts this home's daemon reporting another version, as an older CLI would have left it. */
async function startOldDaemon(
  home: { env: Record<string, string>; dataDir: string },
  version: string,
): Promise<Deno.ChildProcess> {
  const { command, args } = daemonCommandLine(
    { execPath: Deno.execPath(), mainModule: new URL(`file://${MAIN}`).href, compiled: false },
    {
      dataDir: home.dataDir,
      listen: "127.0.0.1:0",
      idleTimeoutMs: 0,
      llmProvider: "ollama",
      llmModel: "test",
      llmBaseUrl: "http://127.0.0.1:11434",
      llmApiKeyEnv: "",
      logLevel: "info",
      reportVersion: version,
    },
  );
  const child = new Deno.Command(command, {
    args,
    env: home.env,
    clearEnv: true,
    detached: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitUntil(
    "the old daemon to serve",
    () => readDaemonInfo(`${home.dataDir}/daemon.json`)?.pid === child.pid,
    15_000,
  );
  return child;
}

Deno.test(
  "a daemon of another version is kept with a warning while it runs something, replaced once idle",
  withExecutionHome(async (home) => {
    // Long enough that the run is still going when the next CLI has started on a busy machine.
    const dir = await writeProject(home, "versions", { "slow.yaml": waiting("slow", "PT10S") });
    await applyProject(home, dir);
    assertExit(await home.run(["server", "stop"]), 0, "stigmer server stop");

    const oldVersion = "0.0.1-old";
    const old = await startOldDaemon(home, oldVersion);
    let oldExited = false;
    old.status.then(() => (oldExited = true));
    try {
      const channel = daemonChannel(home);
      let id: string;
      try {
        const execution = await executionClient(channel).start({
          org: "local",
          target: "slow",
          targetKind: "",
          inputJson: "{}",
          message: "",
        });
        id = execution.id;
      } finally {
        channel.close();
      }

      // While it runs: warn and go on with the old daemon.
      const kept = await home.run(["executions", "list"]);
      assertExit(kept, 0, "stigmer executions list with an old daemon running a run");
      assertIncludes(
        kept.stderr,
        `warning: the daemon runs version ${oldVersion}, this CLI is ${VERSION}`,
      );
      assertIncludes(kept.stderr, "not replacing it while 1 execution(s) run");
      assertMatch(kept.stdout, new RegExp(`^${id}\\s+slow\\s+RUNNING\\s`, "m"));
      assert(alive(old.pid), "the old daemon must be kept while it runs something");
      assertEquals(readDaemonInfo(`${home.dataDir}/daemon.json`)?.version, oldVersion);

      // Once the run ended: the next command replaces it.
      const follow = await home.run(["executions", "get", id, "--follow"]);
      assertExit(follow, 0, "stigmer executions get --follow on the old daemon");
      const replaced = await home.run(["executions", "list"]);
      assertExit(replaced, 0, "stigmer executions list after the run");
      assertIncludes(
        replaced.stderr,
        `Replacing the local daemon ${oldVersion} with version ${VERSION}`,
      );
      assertEquals((await old.status).success, true, "the old daemon should exit cleanly");
      const info = readDaemonInfo(`${home.dataDir}/daemon.json`);
      assertEquals(info?.version, VERSION);
      assertNotEquals(info?.pid, old.pid);
      assertMatch(replaced.stdout, new RegExp(`^${id}\\s+slow\\s+COMPLETED\\s`, "m"));
    } finally {
      // Only while it is still our unreaped child: a reaped pid may belong to anyone.
      if (!oldExited) {
        try {
          Deno.kill(old.pid, "SIGKILL");
        } catch { /* it exited */ }
      }
      await old.status;
    }
  }),
);

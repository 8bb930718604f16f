// Stopping a run and stopping watching one: `executions cancel` ends a long
// wait at once; Ctrl-C on `run` only detaches, the run goes on in the daemon.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  getExecution,
  spawnCli,
  startedId,
  waitingWorkflow as waiting,
  withExecutionHome,
  writeProject,
} from "./helpers.ts";

Deno.test(
  "Ctrl-C on run detaches and the run completes; executions cancel ends a long wait promptly",
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "waits", {
      "short.yaml": waiting("short", "PT2S"),
      "long.yaml": waiting("long", "PT60S"),
    });
    await applyProject(home, dir);

    // --- Ctrl-C: detach with a message on how to follow again ------------------------------
    const watched = spawnCli(home, ["run", "short"]);
    await watched.waitFor(/→ do\/1\/pause/);
    const shortId = startedId(watched.stderr);
    assert(shortId, watched.stderr);
    Deno.kill(watched.child.pid, "SIGINT");
    const detached = await watched.result();
    assertExit(detached, 130, "stigmer run short after Ctrl-C");
    assertIncludes(detached.stderr, `Detached; ${shortId} goes on`);
    assertIncludes(detached.stderr, `stigmer executions get ${shortId} --follow`);
    assert(!/COMPLETED|FAILED|CANCELLED/.test(detached.stderr), detached.stderr);
    // Still running in the daemon...
    assertEquals((await getExecution(home, shortId)).phase, "RUNNING");
    // ...and following it again sees it to the end.
    const followed = await home.run(["executions", "get", shortId, "--follow"]);
    assertExit(followed, 0, "stigmer executions get --follow after detaching");
    assertMatch(followed.stderr, /✓ do\/2\/after \{"done":true\}/);
    const stored = await getExecution(home, shortId);
    assertEquals(stored.phase, "COMPLETED");
    assertEquals(stored.output, { done: true });

    // --- cancel: a 60 s wait ends at once; the follower exits 1 -----------------------------
    const follower = spawnCli(home, ["run", "long"]);
    await follower.waitFor(/→ do\/1\/pause/);
    const longId = startedId(follower.stderr);
    assert(longId, follower.stderr);
    const cancelStarted = performance.now();
    const cancel = await home.run(["executions", "cancel", longId]);
    const cancelMs = performance.now() - cancelStarted;
    assertExit(cancel, 0, "stigmer executions cancel");
    assertIncludes(cancel.stderr, `${longId} CANCELLED`);
    const ended = await follower.result();
    const followerMs = performance.now() - cancelStarted;
    assertExit(ended, 1, "stigmer run long, cancelled");
    assertMatch(ended.stderr, new RegExp(`✗ ${longId} CANCELLED after \\d+\\.\\d\\ds`));
    assertIncludes(ended.stderr, "cancelled by the user");
    // The wait is 60 s: ending well before it proves the cancel ended it (timing: scripts/bench.ts).
    assert(cancelMs < 30_000, `cancel took ${cancelMs.toFixed(0)} ms`);
    assert(followerMs < 30_000, `the follower ended ${followerMs.toFixed(0)} ms after cancel`);
    const cancelled = await getExecution(home, longId);
    assertEquals(cancelled.phase, "CANCELLED");
    assertEquals(cancelled.error, "cancelled by the user");
    // The task after the wait never ran.
    const events = await home.run(["executions", "get", longId, "--follow", "--json"]);
    assertExit(events, 1, "stigmer executions get --follow of a cancelled run");
    const types = events.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(types.at(-1).type, "execution.cancelled");
    assert(!types.some((e) => e.task === "do/2/after"), events.stdout);

    // Cancelling again: it has finished; say so and how, not "see the daemon's log".
    const again = await home.run(["executions", "cancel", longId]);
    assertExit(again, 0, "stigmer executions cancel of an ended run");
    assertIncludes(
      again.stderr,
      `${longId} has already finished: it ended CANCELLED (cancelled by the user)`,
    );
    assert(!again.stderr.includes("server logs"), again.stderr);
  }),
);

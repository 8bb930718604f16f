// Events through a real daemon: a run waiting in `listen` is woken by `stigmer events emit`
// from another process; an `emit` task in one run wakes another; cancelling reaches a
// waiting listen; bad `events emit` input is a usage error.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  getExecution,
  type LiveProcess,
  ndjson,
  spawnCli,
  withExecutionHome,
  workflowManifest,
  writeProject,
} from "./helpers.ts";

/** Ends a CLI process that a failed assertion left running (it is ours: we spawned it). */
async function stop(run: LiveProcess): Promise<void> {
  try {
    run.child.kill();
  } catch {
    // it had already exited
  }
  await run.result();
}

const WAITER = workflowManifest(
  "waiter",
  `
    - wait:
        listen:
          to:
            one:
              with:
                type: com.example.ping
                data: \${ .n > 0 }
        foreach:
          item: ping
          output:
            as: '\${ $ping + {seen: true} }'
    - answer:
        set:
          got: \${ .[0].n }
`,
);

const SENDER = workflowManifest(
  "sender",
  `
    - tell:
        emit:
          event:
            with:
              source: https://example.com/sender
              type: com.example.ping
              data:
                n: \${ .n }
`,
);

Deno.test(
  "listen is woken by `stigmer events emit` from another process",
  withExecutionHome(async (home) => {
    await applyProject(home, await writeProject(home, "ev", { "waiter.yaml": WAITER }));
    const run = spawnCli(home, ["run", "waiter", "--json"]);
    try {
      // The task has started: its subscription is in place.
      await run.waitFor(/"type":"task.started","task":"do\/0\/wait"/);
      // Not matching (n is 0): delivered to the listener, which keeps waiting.
      const ignored = await home.run([
        "events",
        "emit",
        "--type",
        "com.example.ping",
        "--source",
        "urn:test",
        "--data",
        '{"n":0}',
      ]);
      assertExit(ignored, 0, "stigmer events emit");
      assertIncludes(ignored.stderr + ignored.stdout, "to 1 listener in local");
      const sent = await home.run([
        "events",
        "emit",
        "--type",
        "com.example.ping",
        "--source",
        "urn:test",
        "--subject",
        "s-1",
        "--data",
        '{"n":5}',
        "--json",
      ]);
      assertExit(sent, 0, "stigmer events emit --json");
      const published = JSON.parse(sent.stdout);
      assertEquals(published.delivered, 1);
      assertEquals(published.event.type, "com.example.ping");
      assertEquals(published.event.source, "urn:test");
      assertEquals(published.event.subject, "s-1");
      assertEquals(published.event.specversion, "1.0");
      assertEquals(published.event.data, { n: 5 });
      const result = await run.result();
      assertExit(result, 0, "stigmer run waiter");
      const events = ndjson(result.stdout);
      const received = events.filter((e) => e.type === "event.received");
      assertEquals(received.length, 1);
      assertEquals((received[0].data as Record<string, unknown>).id, published.event.id);
      const id = events[0].executionId as string;
      const execution = await getExecution(home, id);
      assertEquals(execution.phase, "COMPLETED");
      assertEquals(execution.output, { got: 5 });
      const listened = events.find((e) => e.type === "task.completed" && e.task === "do/0/wait");
      assertEquals(listened!.data, [{ n: 5, seen: true }]);
    } finally {
      await stop(run);
    }
  }),
);

Deno.test(
  "an emit task in one run wakes a listen in another; the emit's output is the event",
  withExecutionHome(async (home) => {
    await applyProject(
      home,
      await writeProject(home, "ev", { "waiter.yaml": WAITER, "sender.yaml": SENDER }),
    );
    const run = spawnCli(home, ["run", "waiter", "--json"]);
    try {
      await run.waitFor(/"type":"task.started","task":"do\/0\/wait"/);
      const sender = await home.run(["run", "sender", "--input", "n=3", "--json"]);
      assertExit(sender, 0, "stigmer run sender");
      const senderEvents = ndjson(sender.stdout);
      const emitted = senderEvents.find((e) => e.type === "event.emitted");
      assert(emitted, `no event.emitted in ${sender.stdout}`);
      const event = emitted.data as Record<string, unknown>;
      assertEquals(event.source, "https://example.com/sender");
      assertEquals(event.data, { n: 3 });
      const result = await run.result();
      assertExit(result, 0, "stigmer run waiter");
      const id = ndjson(result.stdout)[0].executionId as string;
      // Followed in a terminal, the emitted event gets a line of its own.
      const shown = await home.run(["run", "sender", "--input", "n=4"]);
      assertExit(shown, 0, "stigmer run sender");
      assertIncludes(shown.stderr, "emitted com.example.ping from https://example.com/sender");
      assertEquals((await getExecution(home, id)).output, { got: 3 });
    } finally {
      await stop(run);
    }
  }),
);

Deno.test(
  "cancelling an execution reaches a waiting listen",
  withExecutionHome(async (home) => {
    await applyProject(home, await writeProject(home, "ev", { "waiter.yaml": WAITER }));
    const run = spawnCli(home, ["run", "waiter", "--json"]);
    try {
      const started = await run.waitFor(/"executionId":"(wex-[0-9a-z]+)"/);
      await run.waitFor(/"type":"task.started","task":"do\/0\/wait"/);
      const cancel = await home.run(["executions", "cancel", started[1]]);
      assertExit(cancel, 0, "stigmer executions cancel");
      await run.result();
      const execution = await getExecution(home, started[1]);
      assertEquals(execution.phase, "CANCELLED");
      // Nobody listens any more.
      const sent = await home.run([
        "events",
        "emit",
        "--type",
        "com.example.ping",
        "--source",
        "urn:test",
        "--json",
      ]);
      assertExit(sent, 0, "stigmer events emit");
      assertEquals(JSON.parse(sent.stdout).delivered, 0);
    } finally {
      await stop(run);
    }
  }),
);

Deno.test(
  "events emit: a missing --type or bad --data is a usage error (exit 2)",
  withExecutionHome(async (home) => {
    const missing = await home.run(["events", "emit", "--source", "urn:x"]);
    assertExit(missing, 2, "events emit without --type");
    assertIncludes(missing.stderr, "--type");
    const bad = await home.run([
      "events",
      "emit",
      "--type",
      "t",
      "--source",
      "urn:x",
      "--data",
      "{nope",
      "--no-auto-start",
    ]);
    assertExit(bad, 2, "events emit with bad --data");
    assertIncludes(bad.stderr, "--data is not valid JSON");
  }),
);

// Shared servers on one PostgreSQL database (SPEC §9, §13): three `server run` processes;
// 300 executions started round-robin through them run wherever the queue sends them; one
// server (C) is SIGKILLed mid-load and its runs resume on the others. Every run completes,
// each completed HTTP call made once (only a call in flight may repeat); Watch through B
// of a run C had, cancel through A of a run on C.
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { DaemonServiceDefinition } from "../../src/rpc/gen/stigmer/v1/daemon.ts";
import { PostgresStore } from "../../src/store/postgres_store.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startPgCluster } from "./pg_cluster.ts";
import { hitCall, startHitCounter } from "../helpers/hit_counter.ts";
import { createToken, type ServerProcess, startServer } from "./server_process.ts";

/** As the issue asks; each run's work is short (two loopback calls, a 1 s wait). */
const EXECUTIONS = 300;

function spec(port: number, wait: string) {
  const call = (n: number) => hitCall(port, n, `\${ $context + { c${n}: .n } }`);
  return {
    document: { dsl: "1.0.0", namespace: "tests", name: "shared", version: "0.1.0" },
    do: [
      call(1),
      { pause: { wait } },
      call(2),
      { result: { set: { calls: "${ $context }", run: "${ $workflow.input.run }" } } },
    ],
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("shared servers: runs survive a server SIGKILL; Watch and Cancel through any server", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "stigmer-shared-runs-" });
  const cluster = await startPgCluster();
  const counter = startHitCounter();
  const { hits } = counter;
  const servers: ServerProcess[] = [];
  const channels: Channel[] = [];
  let store: PostgresStore | undefined;
  try {
    const url = await cluster.createDatabase("shared_runs");
    const tokensFile = `${tmp}/tokens.yaml`;
    const token = await createToken(tmp, tokensFile, "ci", ["acme"]);
    // Started together: they race to set up the queue's schema on the fresh database.
    servers.push(
      ...await Promise.all(
        [0, 1, 2].map(() => startServer({ home: tmp, tokensFile, database: url })),
      ),
    );
    for (const server of servers) {
      channels.push(new Channel({ endpoint: `http://127.0.0.1:${server.port}`, token }));
    }
    const [a, b, c] = channels.map((ch) => makeClient(ch, ExecutionServiceDefinition));
    const instances = await Promise.all(
      channels.map(async (ch) =>
        (await makeClient(ch, DaemonServiceDefinition).hello({ clientVersion: "" })).instanceId
      ),
    );
    store = await PostgresStore.open(url);
    /** Which server started and which resumed the run, from its events (the truth). */
    const runners = async (id: string) => {
      const events = await store!.listEvents(id);
      const of = (type: string) =>
        events.filter((e) => e.type === type).map((e) => (e.data as { runner: string }).runner);
      return { started: of("execution.started"), resumed: of("execution.resumed"), events };
    };
    await makeClient(channels[0], ResourceServiceDefinition).apply({
      org: "acme",
      resources: [
        {
          kind: "Workflow",
          name: "shared",
          specJson: JSON.stringify(spec(counter.port, "PT1S")),
        },
        {
          kind: "Workflow",
          name: "long",
          specJson: JSON.stringify(spec(counter.port, "PT60S")),
        },
      ],
    });

    // Cancel through A a run that C runs. Until one of them runs on C (the queue decides
    // where: whichever server asks first; each lands on C about a third of the time).
    const long: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = (await c.start({
        org: "acme",
        target: "long",
        targetKind: "",
        inputJson: JSON.stringify({ run: 1000 + i }),
        message: "",
      })).id;
      long.push(id);
      let execution = await a.get({ org: "acme", id });
      while (execution.phase !== "RUNNING") {
        await sleep(100);
        execution = await a.get({ org: "acme", id });
      }
      if ((await runners(id)).started[0] === instances[2]) break;
    }
    let cancelledOnC = 0;
    for (const id of long) {
      const cancelled = await a.cancel({ org: "acme", id });
      assertEquals(cancelled.phase, "CANCELLED", JSON.stringify(cancelled));
      if ((await runners(id)).started[0] === instances[2]) cancelledOnC++;
    }
    assert(cancelledOnC > 0, `no long run landed on C in ${long.length} tries`);

    const ids: string[] = [];
    const clients = [a, b, c];
    const startedAt = performance.now();
    // Round-robin, two starts in flight per server at a time.
    let next = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (next < EXECUTIONS) {
        const run = next++;
        ids[run] = (await clients[run % 3].start({
          org: "acme",
          target: "shared",
          targetKind: "",
          inputJson: JSON.stringify({ run }),
          message: "",
        })).id;
      }
    }));
    const startMs = performance.now() - startedAt;
    // Status through A: runs in progress on A, and in the whole backend (A, B and C).
    const status = await makeClient(channels[0], DaemonServiceDefinition).status({});
    assert(
      status.backendRunningExecutions > status.runningExecutions,
      `status: ${status.runningExecutions} here, ${status.backendRunningExecutions} in the backend`,
    );
    // Mid-load: server C dies with its runs in flight (the queue still holds many).
    const onCNow = (await makeClient(channels[2], DaemonServiceDefinition).status({}))
      .runningExecutions;
    assert(onCNow > 0, "C runs nothing: the load ended before the kill");
    await servers[2].kill();
    const killedAt = performance.now();

    // Watch through B a run that C had started: it resumes elsewhere, B streams it live.
    let onC: string | undefined;
    for (let i = 0; i < ids.length && !onC; i += 30) {
      const found = await Promise.all(
        ids.slice(i, i + 30).map(async (id) => {
          const { started, events } = await runners(id);
          return started[0] === instances[2] &&
              !events.some((e) => e.type === "execution.completed") &&
              (await a.get({ org: "acme", id })).phase === "RUNNING"
            ? id
            : undefined;
        }),
      );
      onC = found.find((id) => id !== undefined);
    }
    assert(onC, "no run of C's was still in flight when C died");
    const watched: string[] = [];
    for await (const event of b.watch({ org: "acme", id: onC, afterSeq: 0 })) {
      watched.push(event.type);
    }
    assertEquals(watched.at(-1), "execution.completed", watched.join());
    assert(watched.includes("execution.resumed"), watched.join());

    for (const [run, id] of ids.entries()) {
      let execution = await a.get({ org: "acme", id });
      while (execution.phase === "RUNNING" || execution.phase === "PENDING") {
        await sleep(250);
        execution = await a.get({ org: "acme", id });
      }
      assertEquals(execution.phase, "COMPLETED", `run ${run}: ${JSON.stringify(execution)}`);
      assertEquals(JSON.parse(execution.outputJson), { calls: { c1: 1, c2: 2 }, run });
    }
    const allDoneMs = performance.now() - killedAt;
    let movedOff = 0;
    for (const [run, id] of ids.entries()) {
      const { started, resumed } = await runners(id);
      if (started[0] === instances[2] && resumed.length > 0) {
        assert(!resumed.includes(instances[2]), `${id} resumed on the dead server`);
        movedOff++;
      }
      // Exactly once per completed task: a run that never moved made each call once; each
      // move may repeat only the call that was in flight when its server died.
      const counts = [1, 2].map((n) => hits.get(`${run}/${n}`) ?? 0);
      const repeats = counts.reduce((sum, count) => sum + count - 1, 0);
      assert(
        counts.every((count) => count >= 1) && repeats <= resumed.length,
        `run ${run} (resumed ${resumed.length} times): calls made ${counts.join(" and ")} times`,
      );
    }
    assert(movedOff > 0, "no run moved off the killed server");
    const repeated = [...hits.values()].filter((n) => n > 1).length;

    // A graceful stop (SIGTERM, a rolling restart) hands B's runs to A instead of ending them.
    const handed: string[] = [];
    for (let run = 2000; run < 2006; run++) {
      handed.push(
        (await a.start({
          org: "acme",
          target: "shared",
          targetKind: "",
          inputJson: JSON.stringify({ run }),
          message: "",
        })).id,
      );
    }
    await sleep(1000);
    await servers[1].stop();
    for (const [i, id] of handed.entries()) {
      let execution = await a.get({ org: "acme", id });
      while (execution.phase === "RUNNING" || execution.phase === "PENDING") {
        await sleep(250);
        execution = await a.get({ org: "acme", id });
      }
      assertEquals(
        execution.phase,
        "COMPLETED",
        `handed-over run ${i}: ${JSON.stringify(execution)}`,
      );
    }
    console.log(
      `${EXECUTIONS} runs started round-robin in ${
        (startMs / 1000).toFixed(1)
      } s through 3 servers, C SIGKILLed with ${onCNow} in flight: all completed ${
        (allDoneMs / 1000).toFixed(1)
      } s after the kill; ${movedOff} runs moved off it; ${repeated} of ${hits.size} calls repeated; ` +
        `${cancelledOnC} of ${long.length} cancels through A reached a run on C`,
    );
  } catch (err) {
    for (const [i, server] of servers.entries()) console.error(`--- server ${i}\n${server.log()}`);
    throw err;
  } finally {
    await store?.close();
    for (const ch of channels) ch.close();
    for (const server of servers) await server.stop();
    await counter.shutdown();
    await cluster.destroy();
    await Deno.remove(tmp, { recursive: true });
  }
});

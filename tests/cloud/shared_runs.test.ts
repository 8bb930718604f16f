// Shared servers on one PostgreSQL database (SPEC §9, §13): three `server run` processes;
// executions started round-robin through them run wherever the queue sends them; one
// server is SIGKILLed mid-load and its runs resume on the others. Every run completes,
// each completed HTTP call made once (only a call in flight may repeat); Watch and Cancel
// work through any server.
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { DaemonServiceDefinition } from "../../src/rpc/gen/stigmer/v1/daemon.ts";
import { PostgresStore } from "../../src/store/postgres_store.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startPgCluster } from "./pg_cluster.ts";
import { createToken, type ServerProcess, startServer } from "./server_process.ts";

/** The issue asks for 300; 60 on these shared 2-core machines (say so in the report). */
const EXECUTIONS = 60;

function spec(port: number, wait: string) {
  const call = (n: number) => ({
    [`call${n}`]: {
      call: "http",
      input: { from: "${ $workflow.input }" },
      with: { method: "get", endpoint: `http://127.0.0.1:${port}/hit/{run}/${n}` },
      export: { as: `\${ $context + { c${n}: .n } }` },
    },
  });
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
  const hits = new Map<string, number>();
  const counter = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const [, , run, n] = new URL(req.url).pathname.split("/");
    hits.set(`${run}/${n}`, (hits.get(`${run}/${n}`) ?? 0) + 1);
    return Response.json({ n: Number(n) });
  });
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
          specJson: JSON.stringify(spec(counter.addr.port, "PT2S")),
        },
        {
          kind: "Workflow",
          name: "long",
          specJson: JSON.stringify(spec(counter.addr.port, "PT60S")),
        },
      ],
    });

    const ids: string[] = [];
    const clients = [a, b, c];
    for (let run = 0; run < EXECUTIONS; run++) {
      const execution = await clients[run % 3].start({
        org: "acme",
        target: "shared",
        targetKind: "",
        inputJson: JSON.stringify({ run }),
        message: "",
      });
      ids.push(execution.id);
    }
    // Status through A: runs in progress on A, and in the whole backend (A, B and C).
    const status = await makeClient(channels[0], DaemonServiceDefinition).status({});
    assert(
      status.backendRunningExecutions > status.runningExecutions,
      `status: ${status.runningExecutions} here, ${status.backendRunningExecutions} in the backend`,
    );
    // Mid-load: server C dies with its runs in flight.
    await sleep(1500);
    await servers[2].kill();
    const killedAt = performance.now();

    // Watch through B a run that C had started: it resumes elsewhere, B streams it live.
    let onC: string | undefined;
    for (const id of ids) {
      const { started, events } = await runners(id);
      if (
        started[0] === instances[2] && !events.some((e) => e.type === "execution.completed") &&
        (await a.get({ org: "acme", id })).phase === "RUNNING"
      ) {
        onC = id;
        break;
      }
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
      for (const n of [1, 2]) {
        const count = hits.get(`${run}/${n}`) ?? 0;
        assert(count >= 1 && count <= 2, `run ${run}: call ${n} made ${count} times`);
      }
    }
    const allDoneMs = performance.now() - killedAt;
    let movedOff = 0;
    for (const id of ids) {
      const { started, resumed } = await runners(id);
      if (started[0] === instances[2] && resumed.length > 0) {
        assert(!resumed.includes(instances[2]), `${id} resumed on the dead server`);
        movedOff++;
      }
    }
    assert(movedOff > 0, "no run moved off the killed server");
    const repeated = [...hits.values()].filter((n) => n > 1).length;

    // Cancel through A runs that B runs (A and B are left: about half run on B).
    // Until one of them runs on B (the queue decides where; each lands on B about half the time).
    const long: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = (await b.start({
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
      if ((await runners(id)).started[0] === instances[1]) break;
    }
    let cancelledElsewhere = 0;
    for (const id of long) {
      const cancelled = await a.cancel({ org: "acme", id });
      assertEquals(cancelled.phase, "CANCELLED", JSON.stringify(cancelled));
      if ((await runners(id)).started[0] !== instances[0]) cancelledElsewhere++;
    }
    assert(cancelledElsewhere > 0, "no long run landed on B in 12 tries");
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
      `${EXECUTIONS} runs through 3 servers, one SIGKILLed: all completed ${
        (allDoneMs / 1000).toFixed(1)
      } s after the kill; ${movedOff} runs moved off it; ${repeated} of ${hits.size} calls repeated; ` +
        `${cancelledElsewhere} of ${long.length} cancels through A reached a run on B`,
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

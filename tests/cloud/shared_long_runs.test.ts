// Shared servers: pg-boss caps a job's run time (expireInSeconds, at most 24 hours); past it,
// the queue gives the job to another server while the first may still run it. A run that
// outlives its job is relayed instead: its server hands it over (checkpoints kept) just before
// the cap, and the next attempt resumes it, so no run is ever run by two servers at once.
// Here the queue is made with a 6 s cap on a job, and runs wait 15 s.
import { PgBoss } from "pg-boss";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { QUEUE_SCHEMA, RUNS_QUEUE, RUNS_QUEUE_OPTIONS } from "../../src/executions/distribution.ts";
import { PostgresStore } from "../../src/store/postgres_store.ts";
import { assertEquals } from "../helpers/assert.ts";
import { startPgCluster } from "./pg_cluster.ts";
import { hitCall, startHitCounter } from "../helpers/hit_counter.ts";
import { createToken, type ServerProcess, startServer } from "./server_process.ts";

const RUNS = 4;
const JOB_SECONDS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("shared servers: a run longer than the queue's cap on a job is relayed, never run twice at once", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "stigmer-shared-long-" });
  const cluster = await startPgCluster();
  const counter = startHitCounter();
  const { hits } = counter;
  const servers: ServerProcess[] = [];
  const channels: Channel[] = [];
  let store: PostgresStore | undefined;
  let boss: PgBoss | undefined;
  try {
    const url = await cluster.createDatabase("long_runs");
    const tokensFile = `${tmp}/tokens.yaml`;
    const token = await createToken(tmp, tokensFile, "ci", ["acme"]);
    // The queue as the servers would create it, but with a 6 s cap on a job.
    boss = new PgBoss({
      connectionString: url,
      schema: QUEUE_SCHEMA,
      supervise: false,
      schedule: false,
      registerInstance: false,
    });
    boss.on("error", () => {});
    await boss.start();
    await boss.createQueue(RUNS_QUEUE, { ...RUNS_QUEUE_OPTIONS, expireInSeconds: JOB_SECONDS });
    servers.push(
      ...await Promise.all([0, 1].map(() => startServer({ home: tmp, tokensFile, database: url }))),
    );
    for (const server of servers) {
      channels.push(new Channel({ endpoint: `http://127.0.0.1:${server.port}`, token }));
    }

    const call = (n: number) => hitCall(counter.port, n);
    await makeClient(channels[0], ResourceServiceDefinition).apply({
      org: "acme",
      resources: [{
        kind: "Workflow",
        name: "long",
        specJson: JSON.stringify({
          document: { dsl: "1.0.0", namespace: "tests", name: "long", version: "0.1.0" },
          do: [call(1), { pause: { wait: "PT15S" } }, call(2), { result: { set: { done: true } } }],
        }),
      }],
    });
    const clients = channels.map((ch) => makeClient(ch, ExecutionServiceDefinition));
    const ids: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      ids.push(
        (await clients[run % 2].start({
          org: "acme",
          target: "long",
          targetKind: "",
          inputJson: JSON.stringify({ run }),
          message: "",
        })).id,
      );
    }
    store = await PostgresStore.open(url);
    // Every run's problems, reported together (which runs were run twice, which not relayed).
    const problems: string[] = [];
    for (const [run, id] of ids.entries()) {
      let execution = await clients[0].get({ org: "acme", id });
      while (execution.phase === "RUNNING" || execution.phase === "PENDING") {
        await sleep(250);
        execution = await clients[0].get({ org: "acme", id });
      }
      assertEquals(execution.phase, "COMPLETED", `run ${run}: ${JSON.stringify(execution)}`);
      const events = await store.listEvents(id);
      const count = (type: string, task = "") =>
        events.filter((e) => e.type === type && e.task === task).length;
      // Never run by two servers at once: each task completed once, the run ended once.
      const twice = ["do/0/call1", "do/1/pause", "do/2/call2", "do/3/result"]
        .filter((task) => count("task.completed", task) !== 1);
      if (twice.length > 0) problems.push(`run ${run}: ${twice.join(", ")} completed twice`);
      if (count("execution.completed") !== 1) problems.push(`run ${run}: ended twice`);
      // Call 1 completed long before the first relay; call 2 may be in flight at one (on a
      // busy machine), and may then repeat, like a task in flight when a server dies.
      const calls = [1, 2].map((n) => hits.get(`${run}/${n}`) ?? 0);
      if (
        calls[0] !== 1 || calls[1] < 1 || calls[1] - 1 > count("execution.resumed", "do/2/call2")
      ) {
        problems.push(`run ${run}: calls made ${calls.join(", ")} times`);
      }
      // Relayed at least once: it outlived its job's cap (6 s) by far.
      if (count("execution.resumed", "do/1/pause") === 0) {
        problems.push(`run ${run}: never relayed`);
      }
    }
    assertEquals(problems, []);
  } catch (err) {
    for (const [i, server] of servers.entries()) console.error(`--- server ${i}\n${server.log()}`);
    throw err;
  } finally {
    await boss?.stop({ graceful: false }).catch(() => {});
    await store?.close();
    for (const ch of channels) ch.close();
    for (const server of servers) await server.stop();
    await counter.shutdown();
    await cluster.destroy();
    await Deno.remove(tmp, { recursive: true });
  }
});

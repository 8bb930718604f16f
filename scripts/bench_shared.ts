// Shared servers on one PostgreSQL database (issue 13): executions per second through one and
// through three `server run` processes (the same 4-task workflow: two loopback HTTP calls and
// two `set`s), next to a floor (a 1-task `set` workflow through one server), all in the same
// run; then the failover time after a server SIGKILL: from the kill to the first resumed event
// of a moved run, and to the last moved run completed. Real processes, a private PostgreSQL
// cluster (tests/cloud/pg_cluster.ts).
//
//   deno task bench-shared [--runs 3] [--executions 300] [--quick]
//
// One run at a time on an idle server: from Start to RUNNING and to its end (10 a round).
// Executions per second: N runs started round-robin through the servers (12 starts in flight
// in all, whatever the number of servers), over the time from the first start to the last
// run's completion as the store records it.
import postgres from "postgres";
import { Channel, makeClient } from "../src/client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../src/rpc/gen/stigmer/v1/execution.ts";
import { ResourceServiceDefinition } from "../src/rpc/gen/stigmer/v1/resource.ts";
import { DaemonServiceDefinition } from "../src/rpc/gen/stigmer/v1/daemon.ts";
import { type PgCluster, startPgCluster } from "../tests/cloud/pg_cluster.ts";
import { createToken, type ServerProcess, startServer } from "../tests/cloud/server_process.ts";
import { hitCall, startHitCounter } from "../tests/helpers/hit_counter.ts";

const args = Deno.args;
const flag = (name: string) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) || undefined : undefined;
const QUICK = args.includes("--quick");
const RUNS = flag("--runs") ?? (QUICK ? 2 : 3);
const EXECUTIONS = flag("--executions") ?? (QUICK ? 150 : 300);
/** Starts in flight at once, in all. */
const START_CONCURRENCY = 12;
/** Runs in flight on the killed server's side for a failover round. */
const FAILOVER_RUNS = 60;

const doc = (name: string, tasks: unknown[]) => ({
  document: { dsl: "1.0.0", namespace: "bench", name, version: "0.1.0" },
  do: tasks,
});
const call = (port: number, n: number) => hitCall(port, n, `\${ $context + { c${n}: .n } }`);
const workflows = (port: number) => [
  {
    kind: "Workflow",
    name: "one",
    specJson: JSON.stringify(doc("one", [{ s: { set: { n: 1 } } }])),
  },
  {
    kind: "Workflow",
    name: "work",
    specJson: JSON.stringify(doc("work", [
      call(port, 1),
      { mid: { set: { half: true } } },
      call(port, 2),
      { result: { set: { calls: "${ $context }", run: "${ $workflow.input.run }" } } },
    ])),
  },
  {
    kind: "Workflow",
    name: "waiting",
    specJson: JSON.stringify(doc("waiting", [
      call(port, 1),
      { pause: { wait: "PT4S" } },
      call(port, 2),
      { result: { set: { calls: "${ $context }" } } },
    ])),
  },
];

interface Backend {
  servers: ServerProcess[];
  channels: Channel[];
  sql: postgres.Sql;
  instances: string[];
  /** Starts a new server in place of server `i` (after a kill), on the same database. */
  replace(i: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function backend(
  cluster: PgCluster,
  tmp: string,
  dbName: string,
  count: number,
  port: number,
): Promise<Backend> {
  const url = await cluster.createDatabase(dbName);
  const tokensFile = `${tmp}/tokens.yaml`;
  const token = await createToken(tmp, tokensFile, `bench-${dbName}`, ["acme"]);
  const servers = await Promise.all(
    Array.from({ length: count }, () => startServer({ home: tmp, tokensFile, database: url })),
  );
  const channels = servers.map((s) =>
    new Channel({ endpoint: `http://127.0.0.1:${s.port}`, token })
  );
  const instances = await Promise.all(
    channels.map(async (ch) =>
      (await makeClient(ch, DaemonServiceDefinition).hello({ clientVersion: "" })).instanceId
    ),
  );
  await makeClient(channels[0], ResourceServiceDefinition).apply({
    org: "acme",
    resources: workflows(port),
  });
  const sql = postgres(url, { onnotice: () => {}, max: 2 });
  return {
    servers,
    channels,
    sql,
    instances,
    replace: async (i) => {
      servers[i] = await startServer({ home: tmp, tokensFile, database: url });
      channels[i].close();
      channels[i] = new Channel({ endpoint: `http://127.0.0.1:${servers[i].port}`, token });
      instances[i] = (await makeClient(channels[i], DaemonServiceDefinition)
        .hello({ clientVersion: "" })).instanceId;
    },
    close: async () => {
      await sql.end();
      for (const ch of channels) ch.close();
      for (const s of servers) await s.stop();
    },
  };
}

async function ended(sql: postgres.Sql, ids: string[]): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM executions
    WHERE id = ANY(${ids}) AND phase NOT IN ('PENDING', 'RUNNING')`;
  return n;
}

/** Starts `count` runs of `target` round-robin through `through`; resolves with their ids. */
async function startRuns(b: Backend, through: number[], target: string, count: number, base = 0) {
  const clients = through.map((i) => makeClient(b.channels[i], ExecutionServiceDefinition));
  const ids: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: START_CONCURRENCY }, async () => {
    while (next < count) {
      const run = next++;
      ids[run] = (await clients[run % clients.length].start({
        org: "acme",
        target,
        targetKind: "",
        inputJson: JSON.stringify({ run: base + run }),
        message: "",
      })).id;
    }
  }));
  return ids;
}

/** Executions per second: from the first start to the last run's end. */
async function throughput(b: Backend, through: number[], target: string, base: number) {
  const began = performance.now();
  const ids = await startRuns(b, through, target, EXECUTIONS, base);
  while (await ended(b.sql, ids) < ids.length) await sleep(20);
  const seconds = (performance.now() - began) / 1000;
  const [{ failed }] = await b.sql<{ failed: number }[]>`
    SELECT count(*)::int AS failed FROM executions WHERE id = ANY(${ids}) AND phase <> 'COMPLETED'`;
  if (failed > 0) throw new Error(`${failed} of ${ids.length} runs of ${target} did not complete`);
  // Where a run's time goes: in the queue (created → started), then running (→ finished).
  const rows = await b.sql<{ created_at: string; started_at: string; finished_at: string }[]>`
    SELECT created_at, started_at, finished_at FROM executions WHERE id = ANY(${ids})`;
  const queued = rows.map((r) => Date.parse(r.started_at) - Date.parse(r.created_at));
  const running = rows.map((r) => Date.parse(r.finished_at) - Date.parse(r.started_at));
  return { rate: ids.length / seconds, queuedMs: median(queued), runningMs: median(running) };
}

interface Failover {
  inFlight: number;
  moved: number;
  firstResumedMs: number;
  allDoneMs: number;
}

/** Kills the last server of `b` with runs in flight; times how long its runs take to move. */
async function failover(b: Backend, base: number): Promise<Failover> {
  const victim = b.servers.length - 1;
  const ids = await startRuns(b, b.servers.map((_, i) => i), "waiting", FAILOVER_RUNS, base);
  // Until the victim runs some (its first HTTP call done, in its wait).
  const status = makeClient(b.channels[victim], DaemonServiceDefinition);
  let inFlight = 0;
  while ((inFlight = (await status.status({})).runningExecutions) === 0) await sleep(50);
  await sleep(500);
  inFlight = (await status.status({})).runningExecutions;
  await b.servers[victim].kill();
  const killedAt = Date.now();
  const runner = b.instances[victim];
  const onVictim = (await b.sql<{ id: string }[]>`
    SELECT e.execution_id AS id FROM execution_events e JOIN executions x ON x.id = e.execution_id
    WHERE e.execution_id = ANY(${ids}) AND e.type = 'execution.started'
      AND e.data::jsonb->>'runner' = ${runner}
      AND NOT EXISTS (SELECT 1 FROM execution_events f WHERE f.execution_id = e.execution_id
        AND f.type = 'execution.completed' AND f.time < ${new Date(killedAt).toISOString()})`)
    .map((r) => r.id);
  while (await ended(b.sql, ids) < ids.length) await sleep(50);
  const times = async (type: string) =>
    (await b.sql<{ time: string }[]>`
      SELECT min(time) AS time FROM execution_events WHERE execution_id = ANY(${onVictim})
        AND type = ${type} GROUP BY execution_id`).map((r) => Date.parse(r.time) - killedAt);
  const resumed = await times("execution.resumed");
  const completed = await times("execution.completed");
  if (resumed.length !== onVictim.length) {
    throw new Error(`${onVictim.length} runs were on the killed server, ${resumed.length} resumed`);
  }
  return {
    inFlight,
    moved: onVictim.length,
    firstResumedMs: Math.min(...resumed),
    allDoneMs: Math.max(...completed),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[], digits = 1) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

interface Throughput {
  rate: number;
  /** Medians of the round's runs. */
  queuedMs: number;
  runningMs: number;
}

export interface SharedBench {
  /** One run at a time on an idle server: Start to RUNNING, and to its end (ms). */
  lone: { queuedMs: number; totalMs: number }[];
  floor: Throughput[];
  oneServer: Throughput[];
  threeServers: Throughput[];
  failovers: Failover[];
}

export async function measureShared(log = (line: string) => console.error(line)) {
  const tmp = await Deno.makeTempDir({ prefix: "stigmer-bench-shared-" });
  const cluster = await startPgCluster();
  const counter = startHitCounter();
  const result: SharedBench = {
    lone: [],
    floor: [],
    oneServer: [],
    threeServers: [],
    failovers: [],
  };
  let base = 0;
  const backends: Backend[] = [];
  try {
    const one = await backend(cluster, tmp, "one_server", 1, counter.port);
    backends.push(one);
    const three = await backend(cluster, tmp, "three_servers", 3, counter.port);
    backends.push(three);
    // Warm-up: every server has loaded the engine and opened its pool.
    await throughput(one, [0], "work", base += 10_000);
    await throughput(three, [0, 1, 2], "work", base += 10_000);
    // One run at a time: how long an idle server takes to pick a new run up.
    const client = makeClient(one.channels[0], ExecutionServiceDefinition);
    for (let i = 0; i < 10 * RUNS; i++) {
      const { id } = await client.start({
        org: "acme",
        target: "one",
        targetKind: "",
        inputJson: JSON.stringify({ run: -1 - i }),
        message: "",
      });
      while (await ended(one.sql, [id]) < 1) await sleep(10);
      const [r] = await one.sql<{ created_at: string; started_at: string; finished_at: string }[]>`
        SELECT created_at, started_at, finished_at FROM executions WHERE id = ${id}`;
      result.lone.push({
        queuedMs: Date.parse(r.started_at) - Date.parse(r.created_at),
        totalMs: Date.parse(r.finished_at) - Date.parse(r.created_at),
      });
      await sleep(300 + Math.random() * 700);
    }
    log(`lone runs: median ${median(result.lone.map((l) => l.queuedMs))} ms queued`);
    for (let r = 0; r < RUNS; r++) {
      result.floor.push(await throughput(one, [0], "one", base += 10_000));
      result.oneServer.push(await throughput(one, [0], "work", base += 10_000));
      result.threeServers.push(await throughput(three, [0, 1, 2], "work", base += 10_000));
      const show = (t: Throughput) =>
        `${t.rate.toFixed(1)}/s (median ${t.queuedMs} ms queued, ${t.runningMs} ms running)`;
      log(
        `round ${r + 1}: floor ${show(result.floor.at(-1)!)}, 1 server ${
          show(result.oneServer.at(-1)!)
        }, 3 servers ${show(result.threeServers.at(-1)!)}`,
      );
    }
    await backends.shift()!.close();
    for (let r = 0; r < RUNS; r++) {
      const f = await failover(three, base += 10_000);
      result.failovers.push(f);
      log(
        `failover ${r + 1}: ${f.moved} runs moved (${f.inFlight} in flight); first resumed ${
          (f.firstResumedMs / 1000).toFixed(1)
        } s, all done ${(f.allDoneMs / 1000).toFixed(1)} s after the kill`,
      );
      // A new third server for the next round, on the same database.
      await three.replace(2);
    }
  } finally {
    for (const b of backends) await b.close().catch(() => {});
    await counter.shutdown();
    await cluster.destroy();
    await Deno.remove(tmp, { recursive: true });
  }
  return result;
}

export function sharedRows(r: SharedBench): string[] {
  const rate = (ts: Throughput[]) => {
    const xs = ts.map((t) => t.rate);
    return `${median(xs).toFixed(1)}/s (${spread(xs)}); a run: ${
      median(ts.map((t) => t.queuedMs))
    } ms queued, ${median(ts.map((t) => t.runningMs))} ms running`;
  };
  const s = (ms: number[]) =>
    `${(median(ms) / 1000).toFixed(1)} s (${spread(ms.map((x) => x / 1000))})`;
  const lone = (xs: number[]) => `${median(xs)} ms (${Math.min(...xs)}–${Math.max(...xs)})`;
  return [
    `one run on an idle server: Start → running  ${lone(r.lone.map((l) => l.queuedMs))}`,
    `one run on an idle server: Start → ended    ${lone(r.lone.map((l) => l.totalMs))}`,
    `floor: 1-task set workflow, 1 server       ${rate(r.floor)}`,
    `4-task workflow (2 HTTP calls), 1 server   ${rate(r.oneServer)}`,
    `same workflow, 3 servers on one database   ${rate(r.threeServers)}`,
    `failover: kill to first resumed event      ${s(r.failovers.map((f) => f.firstResumedMs))}`,
    `failover: kill to every moved run done     ${s(r.failovers.map((f) => f.allDoneMs))}`,
    `runs moved per kill                        ${r.failovers.map((f) => f.moved).join(", ")}`,
  ];
}

if (import.meta.main) {
  const started = new Date().toISOString().slice(0, 16);
  const result = await measureShared();
  console.log(
    `Measured ${started} UTC, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ` +
      `${RUNS} rounds, ${EXECUTIONS} executions a round`,
  );
  for (const row of sharedRows(result)) console.log(row);
}

// Soak test: several processes apply, get, delete and run at once while the
// daemon is killed with SIGKILL at random moments; the next command restarts
// it. At the end every acknowledged write must be there exactly once, nothing
// deleted may come back, every execution started must finish COMPLETED (runs are
// durable: a killed daemon's runs resume at its next start), the SQLite file
// must pass its integrity check, and no daemon or child may be left behind.
//
//   deno task soak [--seconds 120] [--workers 4] [--kill-every-ms 1500]
import { daemonsOf, isAlive, makeTestHome, stopDaemonByPid } from "../tests/helpers/cli.ts";
import { readDaemonInfo } from "../src/rpc/daemon_info.ts";
import { DatabaseSync } from "node:sqlite";

interface Options {
  seconds: number;
  workers: number;
  killEveryMs: number;
}

function parseOptions(args: string[]): Options {
  const get = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  return {
    seconds: get("seconds", 120),
    workers: get("workers", 4),
    killEveryMs: get("kill-every-ms", 1500),
  };
}

export interface SoakReport {
  operations: number;
  acknowledged: number;
  kills: number;
  lost: string[];
  duplicated: string[];
  resurrected: string[];
  /** Runs started (acknowledged) during the soak. */
  executions: number;
  stuckExecutions: string[];
  /** Executions started that ended other than COMPLETED (INTERRUPTED, FAILED…), with their phase. */
  unfinishedExecutions: string[];
  integrity: string;
  strayProcesses: number[];
  ok: boolean;
}

const WORKFLOW = (name: string) =>
  `apiVersion: agentic.stigmer.ai/v1
kind: Workflow
metadata: {name: ${name}}
spec:
  document: {dsl: "1.0.0", namespace: soak, name: ${name}, version: "1.0.0"}
  do:
    - a: {set: {x: 1}}
    - b: {wait: {milliseconds: 200}}
    - c: {set: {y: "\${ .x + 1 }"}}
`;

const AGENT = (name: string, worker: number) =>
  `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata: {name: ${name}, labels: {worker: "w${worker}"}}
spec: {instructions: "soak ${name}"}
`;

export async function soak(
  options: Options,
  log: (line: string) => void = console.error,
): Promise<SoakReport> {
  const home = await makeTestHome();
  const work = await Deno.makeTempDir({ prefix: "stigmer-soak-" });
  const deadline = Date.now() + options.seconds * 1000;
  const present = new Set<string>(); // acknowledged creates not yet deleted
  const deleted = new Set<string>(); // acknowledged deletes
  const executions = new Set<string>();
  let operations = 0, acknowledged = 0, kills = 0;
  try {
    await Deno.writeTextFile(`${work}/wf.yaml`, WORKFLOW("soak-flow"));
    const first = await home.run(["apply", "-f", `${work}/wf.yaml`]);
    if (first.code !== 0) throw new Error(`initial apply failed: ${first.stderr}`);

    const worker = async (id: number) => {
      let n = 0;
      while (Date.now() < deadline) {
        n++;
        const name = `w${id}-a${n}`;
        const file = `${work}/${name}.yaml`;
        await Deno.writeTextFile(file, AGENT(name, id));
        operations++;
        const applied = await home.run(["apply", "-f", file]);
        if (applied.code === 0) {
          acknowledged++;
          present.add(name);
        }
        if (n % 3 === 0 && present.has(`w${id}-a${n - 1}`)) {
          operations++;
          const victim = `w${id}-a${n - 1}`;
          const del = await home.run(["delete", "agent", victim]);
          // Unacknowledged, a delete may or may not have happened: assert neither.
          present.delete(victim);
          if (del.code === 0) {
            acknowledged++;
            deleted.add(victim);
          }
        }
        if (n % 4 === 0) {
          operations++;
          const run = await home.run(["run", "soak-flow", "--no-follow"]);
          if (run.code === 0) {
            acknowledged++;
            executions.add(run.stdout.trim());
          }
        }
        if (n % 5 === 0) {
          operations++;
          await home.run(["get", "agents", "-o", "json"]);
        }
      }
    };

    const killer = async () => {
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, options.killEveryMs * (0.5 + Math.random())));
        const info = readDaemonInfo(`${home.dataDir}/daemon.json`);
        if (info && isAlive(info.pid)) {
          try {
            Deno.kill(info.pid, "SIGKILL");
            kills++;
          } catch { /* already gone */ }
        }
      }
    };

    await Promise.all([...Array.from({ length: options.workers }, (_, i) => worker(i)), killer()]);
    log(
      `soak: ${operations} operations, ${acknowledged} acknowledged (${executions.size} runs), ` +
        `${kills} daemon kills`,
    );

    // Let the executions finish: the next daemon resumes what a killed one left.
    const settle = Date.now() + 60_000;
    let listed: { metadata: { name: string } }[] = [];
    let stuck: string[] = [];
    while (true) {
      const got = await home.run(["get", "agents", "-o", "json"]);
      if (got.code !== 0) throw new Error(`final get failed: ${got.stderr}`);
      listed = JSON.parse(got.stdout || "[]");
      const list = await home.run(["executions", "list", "--json"]);
      const all = JSON.parse(list.stdout || "[]") as { id: string; phase: string }[];
      stuck = all.filter((e) => e.phase === "RUNNING" || e.phase === "PENDING").map((e) => e.id);
      if (stuck.length === 0 || Date.now() > settle) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const names = listed.map((r) => r.metadata.name);
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    const lost = [...present].filter((name) => !counts.has(name));
    const duplicated = [...counts].filter(([, c]) => c > 1).map(([name]) => name);
    const resurrected = [...deleted].filter((name) => counts.has(name));

    await stopDaemonByPid(home.dataDir);
    const db = new DatabaseSync(`${home.dataDir}/stigmer.db`);
    const integrity = String(
      (db.prepare("PRAGMA integrity_check").get() as Record<string, unknown>)?.integrity_check,
    );
    const unknown = [...executions].filter((id) =>
      !db.prepare("SELECT 1 FROM executions WHERE id = ?").get(id)
    );
    const unfinished = [...executions].flatMap((id) => {
      const row = db.prepare("SELECT phase FROM executions WHERE id = ?").get(id) as
        | { phase: string }
        | undefined;
      return row && row.phase !== "COMPLETED" ? [`${id} ${row.phase}`] : [];
    });
    db.close();
    const stray = daemonsOf(home.dataDir);
    const report: SoakReport = {
      operations,
      acknowledged,
      kills,
      lost: [...lost, ...unknown],
      duplicated,
      resurrected,
      executions: executions.size,
      stuckExecutions: stuck,
      unfinishedExecutions: unfinished,
      integrity,
      strayProcesses: stray,
      ok: lost.length === 0 && unknown.length === 0 && duplicated.length === 0 &&
        resurrected.length === 0 &&
        stuck.length === 0 && unfinished.length === 0 && integrity === "ok" &&
        stray.length === 0,
    };
    return report;
  } finally {
    await home.cleanup();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const report = await soak(parseOptions(Deno.args));
  console.log(JSON.stringify(report, null, 2));
  console.log(
    `${
      report.ok ? "PASS" : "FAIL"
    }: ${report.operations} operations, ${report.kills} kills survived, ` +
      `${report.lost.length} lost, ${report.duplicated.length} duplicated, ` +
      `${report.unfinishedExecutions.length} runs not COMPLETED, integrity ${report.integrity}`,
  );
  Deno.exit(report.ok ? 0 : 1);
}

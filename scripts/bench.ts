// The benchmark harness: whole-process timings of real CLI commands, several
// runs after a warm-up, median and spread, each also as a ratio to the floor
// (a bare `deno run` of an empty script with the same flags) measured in the
// same run, because these machines are noisy.
//
//   deno task bench [--runs 10] [--quick] [--write-doc]
import { MAIN, makeTestHome, REPO, scriptCommand, type TestHome } from "../tests/helpers/cli.ts";
import { readDaemonInfo } from "../src/rpc/daemon_info.ts";
import { measureCheckpointCost } from "./bench_checkpoints.ts";

interface Row {
  name: string;
  samples: number[];
  unit: "ms" | "MiB" | "events/s";
  note?: string;
  vsFloor?: boolean;
}

const args = Deno.args;
const RUNS = Number(args[args.indexOf("--runs") + 1]) || (args.includes("--quick") ? 5 : 10);
const HEAVY_RUNS = args.includes("--quick") ? 2 : 3;
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeOnce(cmd: Deno.Command): Promise<number> {
  const start = performance.now();
  const out = await cmd.output();
  const ms = performance.now() - start;
  if (!out.success) {
    throw new Error(
      `benchmark command failed (${out.code}): ${new TextDecoder().decode(out.stderr).slice(-500)}`,
    );
  }
  return ms;
}

function denoRun(file: string, fileArgs: string[], home: TestHome, cwd?: string): Deno.Command {
  return scriptCommand(file, fileArgs, home.env, { cwd });
}

async function bench(
  name: string,
  make: () => Deno.Command,
  options: { runs?: number; warmup?: number; before?: () => Promise<void>; note?: string } = {},
) {
  for (let i = 0; i < (options.warmup ?? 2); i++) {
    await options.before?.();
    await timeOnce(make());
  }
  const samples: number[] = [];
  for (let i = 0; i < (options.runs ?? RUNS); i++) {
    await options.before?.();
    samples.push(await timeOnce(make()));
  }
  rows.push({ name, samples, unit: "ms", note: options.note, vsFloor: true });
  console.error(`${name}: ${median(samples).toFixed(1)} ms`);
}

function manifests(count: number, prefix: string): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `apiVersion: agentic.stigmer.ai/v1\nkind: Agent\nmetadata: {name: ${prefix}-${i}}\nspec: {instructions: "agent ${i}"}\n`,
  )
    .join("---\n");
}

function bigWorkflow(tasks: number): string {
  const steps = Array.from({ length: tasks }, (_, i) => `    - t${i}: {set: {n: ${i}}}`).join("\n");
  return `apiVersion: agentic.stigmer.ai/v1\nkind: Workflow\nmetadata: {name: big}\nspec:\n  document: {dsl: "1.0.0", namespace: bench, name: big, version: "1.0.0"}\n  do:\n${steps}\n`;
}

async function daemonRssMiB(home: TestHome): Promise<number> {
  const out = await home.run(["server", "status", "--json"]);
  return JSON.parse(out.stdout).memoryBytes / 1048576;
}

async function firstEventMs(home: TestHome, cwd: string): Promise<number> {
  const child = denoRun(MAIN, ["run", "hello", "--json"], home, cwd).spawn();
  const start = performance.now();
  const reader = child.stdout.getReader();
  await reader.read();
  const ms = performance.now() - start;
  reader.releaseLock();
  await child.output().catch(() => {});
  return ms;
}

const EVENTS = 500;

/** A workflow that emits EVENTS events, and one that listens until it has them all. */
function eventWorkflows(): string {
  const head = (name: string) =>
    `apiVersion: agentic.stigmer.ai/v1\nkind: Workflow\nmetadata:\n  name: ${name}\nspec:\n` +
    `  document: {dsl: "1.0.0", namespace: bench, name: ${name}, version: "0.1.0"}\n  do:\n`;
  return head("event-sink") +
    `    - gather:\n        listen:\n          to:\n            any: [{with: {type: bench.tick}}]\n` +
    `            until: "length == ${EVENTS}"\n` +
    "---\n" + head("event-source") +
    `    - loop:\n        for: {in: "\${ [range(${EVENTS})] }"}\n        do:\n` +
    `          - tick:\n              emit:\n                event:\n                  with:\n` +
    `                    source: https://bench.example/source\n                    type: bench.tick\n` +
    `                    data: "\${ $item }"\n`;
}

/**
 * Events per second from `emit` to a listening run: the daemon's own event times, from the
 * source's first event.emitted to the sink's last event.received (both stored, as in use).
 */
async function eventsPerSecond(home: TestHome, cwd: string): Promise<number> {
  const child = denoRun(MAIN, ["run", "event-sink", "--json"], home, cwd).spawn();
  void child.stderr.pipeTo(new WritableStream());
  const lines: Array<Record<string, string>> = [];
  const reading = (async () => {
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        if (line.startsWith("{")) lines.push(JSON.parse(line));
      }
    }
  })();
  while (!lines.some((e) => e.type === "task.started")) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const source = await home.run(["run", "event-source", "--json"], { cwd });
  if (source.code !== 0) throw new Error(`event-source failed: ${source.stderr}`);
  await child.status;
  await reading;
  const emitted = source.stdout.split("\n").filter((l) => l.includes('"event.emitted"'));
  const received = lines.filter((e) => e.type === "event.received");
  if (emitted.length !== EVENTS || received.length !== EVENTS) {
    throw new Error(`emitted ${emitted.length}, received ${received.length} of ${EVENTS}`);
  }
  const first = Date.parse(JSON.parse(emitted[0]).time);
  const last = Date.parse(received.at(-1)!.time);
  return EVENTS / ((last - first) / 1000);
}

async function main() {
  const home = await makeTestHome();
  const work = await Deno.makeTempDir({ prefix: "stigmer-bench-" });
  const project = `${work}/hello`;
  try {
    await Deno.writeTextFile(`${work}/empty.ts`, "");
    if ((await home.run(["init", "hello"], { cwd: work })).code !== 0) {
      throw new Error("init failed");
    }
    const stop = async () => void (await home.run(["server", "stop"]));
    if (args.includes("--events-only")) {
      await bench("floor: deno run empty.ts", () => denoRun(`${work}/empty.ts`, [], home));
      await eventsRow(home, work);
      report(false);
      return;
    }

    await bench("floor: deno run empty.ts", () => denoRun(`${work}/empty.ts`, [], home));
    await bench("stigmer --version", () => denoRun(MAIN, ["--version"], home));
    await bench("stigmer --help", () => denoRun(MAIN, ["--help"], home));
    await bench("stigmer version", () => denoRun(MAIN, ["version"], home));
    await bench(
      "stigmer apply --dry-run",
      () => denoRun(MAIN, ["apply", "--dry-run"], home, project),
    );

    await bench(
      "stigmer apply (cold: starts the daemon)",
      () => denoRun(MAIN, ["apply"], home, project),
      {
        runs: HEAVY_RUNS + 2,
        warmup: 1,
        before: stop,
      },
    );
    const coldMemory = await daemonRssMiB(home);
    await bench("stigmer get agents (warm)", () => denoRun(MAIN, ["get", "agents"], home, project));
    await bench("stigmer apply (warm)", () => denoRun(MAIN, ["apply"], home, project));

    // The in-process fast path: ensureRunning against a running daemon.
    const fast = denoRun(`${REPO}/scripts/bench_fast_path.ts`, [], home);
    const fastOut = JSON.parse(new TextDecoder().decode((await fast.output()).stdout)) as number[];
    rows.push({
      name: "fast-path check, in process (ensureRunning)",
      samples: fastOut,
      unit: "ms",
    });

    const firsts: number[] = [];
    for (let i = 0; i < RUNS; i++) firsts.push(await firstEventMs(home, project));
    rows.push({
      name: "stigmer run: start to first event (warm)",
      samples: firsts,
      unit: "ms",
      vsFloor: true,
    });

    // 20 first commands at once, no daemon running.
    const concurrent: number[] = [];
    for (let i = 0; i < HEAVY_RUNS; i++) {
      await stop();
      const start = performance.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => denoRun(MAIN, ["get", "agents"], home, project).output()),
      );
      concurrent.push(performance.now() - start);
      if (results.some((r) => !r.success)) throw new Error("a concurrent cold command failed");
    }
    rows.push({
      name: "20 concurrent cold commands (all done)",
      samples: concurrent,
      unit: "ms",
      vsFloor: true,
    });

    await Deno.writeTextFile(`${work}/agents-1000.yaml`, manifests(1000, "bulk"));
    await bench(
      "apply of 1,000 resources (warm)",
      () => denoRun(MAIN, ["apply", "-f", `${work}/agents-1000.yaml`], home, work),
      { runs: HEAVY_RUNS, warmup: 1 },
    );
    for (let batch = 1; batch < 10; batch++) {
      await Deno.writeTextFile(`${work}/agents-${batch}.yaml`, manifests(1000, `fill${batch}`));
      await home.run(["apply", "-f", `${work}/agents-${batch}.yaml`], { cwd: work });
    }
    await bench(
      "list of 10,000 (get agents -o json)",
      () => denoRun(MAIN, ["get", "agents", "-o", "json"], home, work),
      { runs: HEAVY_RUNS, warmup: 1 },
    );

    await Deno.writeTextFile(`${work}/big.yaml`, bigWorkflow(1000));
    await home.run(["apply", "-f", `${work}/big.yaml`], { cwd: work });
    await bench(
      "run of a 1,000-task set workflow",
      () => denoRun(MAIN, ["run", "big", "--json"], home, work),
      { runs: HEAVY_RUNS, warmup: 1 },
    );

    await eventsRow(home, work);
    // Durable runs: the same workflow in-process, without and with checkpoints (same run).
    const checkpoints = await measureCheckpointCost(HEAVY_RUNS + 2);
    rows.push({
      name: "1,000 set tasks in-process, no checkpoints (SQLite, events stored)",
      samples: checkpoints.withoutMs,
      unit: "ms",
    });
    rows.push({
      name: `1,000 set tasks in-process, with checkpoints (${
        (checkpoints.perTaskMs * 1000).toFixed(0)
      } µs more a task)`,
      samples: checkpoints.withMs,
      unit: "ms",
    });

    await stop();
    await home.run(["server", "start"]);
    await new Promise((r) => setTimeout(r, 3000));
    rows.push({
      name: "idle daemon memory (fresh, RSS)",
      samples: [await daemonRssMiB(home)],
      unit: "MiB",
    });
    rows.push({
      name: "daemon memory after the first cold apply (RSS)",
      samples: [coldMemory],
      unit: "MiB",
    });
    if (!readDaemonInfo(`${home.dataDir}/daemon.json`)) {
      throw new Error("daemon not running at the end");
    }
  } finally {
    await home.cleanup();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  report();
}

async function eventsRow(home: TestHome, work: string): Promise<void> {
  await Deno.writeTextFile(`${work}/events.yaml`, eventWorkflows());
  const applied = await home.run(["apply", "-f", `${work}/events.yaml`], { cwd: work });
  if (applied.code !== 0) throw new Error(`apply of the event workflows failed: ${applied.stderr}`);
  const rates: number[] = [];
  for (let i = 0; i < HEAVY_RUNS; i++) rates.push(await eventsPerSecond(home, work));
  rows.push({
    name: `events per second, emit → listening run (${EVENTS} events, stored)`,
    samples: rates,
    unit: "events/s",
  });
}

function report(writeResults = true) {
  const floor = median(rows[0].samples);
  const lines = [
    "| Measurement | Median | Spread (min–max) | × floor |",
    "|---|---|---|---|",
    ...rows.map((r) => {
      const m = median(r.samples);
      const spread = r.samples.length > 1
        ? `${Math.min(...r.samples).toFixed(1)}–${Math.max(...r.samples).toFixed(1)}`
        : "";
      const ratio = r.vsFloor ? `${(m / floor).toFixed(2)}×` : "";
      return `| ${r.name} | ${m.toFixed(1)} ${r.unit} | ${spread} | ${ratio} |`;
    }),
  ];
  const table = lines.join("\n");
  console.log(table);
  const meta = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    cores: navigator.hardwareConcurrency,
    runs: RUNS,
  };
  if (!writeResults) return;
  Deno.mkdirSync(`${REPO}/bench-results`, { recursive: true });
  Deno.writeTextFileSync(
    `${REPO}/bench-results/latest.json`,
    JSON.stringify({ ...meta, rows }, null, 2),
  );
  if (args.includes("--write-doc")) {
    const doc = `${REPO}/BENCHMARKS.md`;
    const text = Deno.readTextFileSync(doc);
    const begin = "<!-- bench:begin -->", end = "<!-- bench:end -->";
    const body = `${begin}\nMeasured ${
      meta.date.slice(0, 16)
    } UTC, Deno ${meta.deno}, ${meta.cores} cores, ${RUNS} runs a row after a warm-up.\n\n${table}\n${end}`;
    Deno.writeTextFileSync(doc, text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), body));
  }
}

await main();

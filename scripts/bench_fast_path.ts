// The fast path in process: ensureRunning against a running daemon, 50 times.
// Prints the samples (ms) as JSON for scripts/bench.ts.
import { loadConfig } from "../src/config/config.ts";
import { ensureRunning } from "../src/client/daemon/ensure_running.ts";
import { silentProgress } from "../src/client/daemon/progress.ts";

const config = await loadConfig();
const samples: number[] = [];
for (let i = 0; i < 55; i++) {
  const start = performance.now();
  const daemon = await ensureRunning(config.local, { autoStart: false, progress: silentProgress });
  const ms = performance.now() - start;
  daemon.channel.close();
  if (i >= 5) samples.push(ms); // the first calls pay for loading and JIT
}
console.log(JSON.stringify(samples));

// The short soak: concurrent CLIs while the daemon is SIGKILLed at random.
import { soak } from "../../scripts/soak.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

Deno.test("soak: no acknowledged write is lost or duplicated, every run completes, across daemon kills", async () => {
  const report = await soak({ seconds: 15, workers: 2, killEveryMs: 1500 }, () => {});
  assertEquals(report.lost, []);
  assertEquals(report.duplicated, []);
  assertEquals(report.resurrected, []);
  assertEquals(report.stuckExecutions, []);
  // Durable runs: every run started finishes COMPLETED, however often its daemon died.
  assertEquals(report.unfinishedExecutions, []);
  assert(report.executions > 0, "no run was started");
  assertEquals(report.integrity, "ok");
  assertEquals(report.strayProcesses, []);
  assert(report.acknowledged > 0, "no operation was acknowledged");
  assert(report.kills > 0, "the daemon was never killed");
});

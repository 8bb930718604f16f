// The short soak: concurrent CLIs while the daemon is SIGKILLed at random.
import { soak } from "../../scripts/soak.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

Deno.test("soak: no acknowledged write is lost or duplicated across daemon kills", async () => {
  const report = await soak({ seconds: 15, workers: 2, killEveryMs: 1500 }, () => {});
  assertEquals(report.lost, []);
  assertEquals(report.duplicated, []);
  assertEquals(report.resurrected, []);
  assertEquals(report.stuckExecutions, []);
  assertEquals(report.integrity, "ok");
  assertEquals(report.strayProcesses, []);
  assert(report.acknowledged > 0, "no operation was acknowledged");
  assert(report.kills > 0, "the daemon was never killed");
});

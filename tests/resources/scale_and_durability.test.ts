// 1,000 resources through the CLI (apply, list, paging), and acknowledged
// writes surviving a SIGKILL of the daemon. Wall times are printed, not asserted.
import { assert, assertEquals, assertNotEquals } from "../helpers/assert.ts";
import {
  agentYaml,
  applyTable,
  listJson,
  projectYaml,
  type ResourceHome,
  tableRows,
  withResourceHome,
} from "./helpers.ts";
import { readDaemonInfo } from "../../src/rpc/daemon_info.ts";

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  console.log(`${label}: ${Math.round(performance.now() - start)} ms`);
  return result;
}

Deno.test(
  "1,000 agents: one apply, listed in full, paged past one page",
  withResourceHome(async (home) => {
    const count = 1000;
    const names = Array.from({ length: count }, (_, i) => `bulk-${String(i).padStart(4, "0")}`);
    const cwd = await home.write("bulk", {
      "Stigmer.yaml": projectYaml("bulk"),
      "stigmer/agents.yaml": names.map((name) => agentYaml(name, { labels: { app: "bulk" } }))
        .join("---\n"),
    });
    // Start the daemon first so the apply time is the warm one.
    await timed("daemon start (get skills)", () => home.expect(0, ["get", "skills"], { cwd }));

    const applied = await timed(
      `apply of ${count} agents`,
      () => home.expect(0, ["apply"], { cwd }),
    );
    const rows = applyTable(applied.stdout);
    assertEquals(rows.length, count);
    assert(rows.every((r) => r.action === "CREATED" && r.version === "1"));
    assertEquals(new Set(rows.map((r) => r.id)).size, count, "ids are not unique");

    const again = await timed(
      `re-apply of ${count} agents (unchanged)`,
      () => home.expect(0, ["apply"], { cwd }),
    );
    assert(applyTable(again.stdout).every((r) => r.action === "UNCHANGED"));

    const table = await timed(
      `get agents (table, ${count})`,
      () => home.expect(0, ["get", "agents"], { cwd }),
    );
    assertEquals(tableRows(table.stdout).map((r) => r[0]), names);

    // One more file makes the list longer than the CLI's page (1,000): it must page.
    const extra = ["extra-1", "extra-2", "extra-3"];
    await home.write("more", {
      "more.yaml": extra.map((name) => agentYaml(name)).join("---\n"),
    });
    await home.expect(0, ["apply", "-f", "more/more.yaml"], { cwd: home.home });
    const all = await timed(
      `get agents -o json (${count + extra.length}, two pages)`,
      () => listJson(home, "agents"),
    );
    assertEquals(all.length, count + extra.length);
    assertEquals(new Set(all.map((r) => r.metadata.id)).size, count + extra.length);
    assertEquals(all.map((r) => r.metadata.name).sort(), [...names, ...extra].sort());

    // A selector filters across pages too.
    const selected = await timed(
      `get agents -l app=bulk -o json`,
      () => home.expect(0, ["get", "agents", "-l", "app=bulk", "-o", "json"], { cwd }),
    );
    assertEquals(JSON.parse(selected.stdout).length, count);
  }),
);

function daemonPid(home: ResourceHome): number {
  const info = readDaemonInfo(`${home.dataDir}/daemon.json`);
  assert(info, "no daemon.json");
  return info.pid;
}

async function killAndWait(home: ResourceHome, pid: number): Promise<void> {
  Deno.kill(pid, "SIGKILL");
  const deadline = Date.now() + 5000;
  while (home.daemonPids().includes(pid)) {
    assert(Date.now() < deadline, `daemon ${pid} survived SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test(
  "acknowledged applies survive a SIGKILL of the daemon right after them",
  withResourceHome(async (home) => {
    const files: Record<string, string> = { "Stigmer.yaml": projectYaml("durable") };
    for (let i = 0; i < 20; i++) files[`stigmer/a${i}.yaml`] = agentYaml(`durable-${i}`);
    const cwd = await home.write("durable", files);

    let expected: string[] = [];
    for (let round = 1; round <= 3; round++) {
      // Each round changes every agent (version = round), then kills the daemon at once.
      for (let i = 0; i < 20; i++) {
        await Deno.writeTextFile(
          `${cwd}/stigmer/a${i}.yaml`,
          agentYaml(`durable-${i}`, { instructions: `Round ${round}.` }),
        );
      }
      const applied = applyTable((await home.expect(0, ["apply"], { cwd })).stdout);
      assert(applied.every((r) => r.action === (round === 1 ? "CREATED" : "UPDATED")));
      expected = applied.map((r) => `${r.name}@${r.version}#${r.id}`).sort();
      const pid = daemonPid(home);
      await killAndWait(home, pid);

      // The next command starts a new daemon, which has every acknowledged write.
      const after = await timed(
        `round ${round}: get agents after SIGKILL (restarts the daemon)`,
        () => listJson(home, "agents"),
      );
      assertNotEquals(daemonPid(home), pid, "the daemon was not restarted");
      assertEquals(
        after.map((r) => `${r.metadata.name}@${r.metadata.version}#${r.metadata.id}`).sort(),
        expected,
      );
      assert(after.every((r) => r.spec.instructions === `Round ${round}.`));
    }

    // And the store is consistent: the same files are all UNCHANGED.
    const last = applyTable((await home.expect(0, ["apply"], { cwd })).stdout);
    assertEquals(last.map((r) => `${r.name}@${r.version}#${r.id}`).sort(), expected);
    assert(last.every((r) => r.action === "UNCHANGED"));
  }),
);

// File modes (SPEC §2): every file of STIGMER_HOME is 0600 and every directory
// 0700, whatever the umask made of them; what another user could read is
// tightened with one warning, and a secret file others can read is repaired.
import { withHome } from "../helpers/cli.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, AUTO_START } from "./helpers.ts";

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

/** Every entry below `dir` that group or others may use, as "path mode". */
function openEntries(dir: string): string[] {
  const open: string[] = [];
  const walk = (path: string) => {
    if ((mode(path) & 0o077) !== 0) open.push(`${path} ${mode(path).toString(8)}`);
    if (Deno.statSync(path).isDirectory) {
      for (const entry of Deno.readDirSync(path)) walk(`${path}/${entry.name}`);
    }
  };
  walk(dir);
  return open;
}

function warnings(stderr: string): string[] {
  return stderr.split("\n").filter((line) => /warning:/.test(line));
}

Deno.test(
  "file modes: an open home and data dir are tightened with one warning; the store, its WAL and every file are 0600",
  withHome(async (home) => {
    // As an older version, or a umask of 022, left them.
    Deno.chmodSync(home.home, 0o755);
    // A hand-written config.yaml holds no secret: it is left as it is.
    Deno.chmodSync(`${home.home}/config.yaml`, 0o644);
    Deno.mkdirSync(`${home.dataDir}/logs`, { recursive: true });
    Deno.chmodSync(home.dataDir, 0o755);
    Deno.chmodSync(`${home.dataDir}/logs`, 0o755);
    Deno.writeTextFileSync(`${home.dataDir}/logs/daemon.log`, "old log\n", { mode: 0o644 });
    Deno.chmodSync(`${home.dataDir}/logs/daemon.log`, 0o644);

    const first = await home.run(AUTO_START);
    assertExit(first, 0, "the first command");
    const warned = warnings(first.stderr);
    assertEquals(warned.length, 1, first.stderr);
    assertMatch(warned[0], /other users could read/);
    for (const path of [home.home, home.dataDir, "daemon.log"]) {
      assert(warned[0].includes(path), `${path} is not named in: ${warned[0]}`);
    }
    assert(!warned[0].includes("config.yaml"), warned[0]);

    // The daemon wrote to the store: its WAL and shared-memory files exist now.
    const project = await Deno.makeTempDir({ prefix: "stigmer-modes-" });
    try {
      Deno.writeTextFileSync(`${project}/Stigmer.yaml`, "name: modes\n");
      Deno.mkdirSync(`${project}/stigmer`);
      Deno.writeTextFileSync(
        `${project}/stigmer/a.yaml`,
        "apiVersion: agentic.stigmer.ai/v1\nkind: Agent\nmetadata:\n  name: a\nspec:\n  instructions: x\n",
      );
      const applied = await home.run(["apply"], { cwd: project });
      assertExit(applied, 0, "apply");
      assertEquals(warnings(applied.stderr), [], "a second warning");
    } finally {
      await Deno.remove(project, { recursive: true });
    }
    for (const file of ["stigmer.db", "stigmer.db-wal", "stigmer.db-shm"]) {
      assertEquals(mode(`${home.dataDir}/${file}`), 0o600, file);
    }
    assertEquals(openEntries(home.home), [`${home.home}/config.yaml 644`]);
  }),
);

Deno.test(
  "file modes: a daemon.token others can read is repaired to 0600 with a warning, once",
  withHome(async (home) => {
    assertExit(await home.run(AUTO_START), 0, "the first command");
    const token = `${home.dataDir}/daemon.token`;
    Deno.chmodSync(token, 0o644);
    const next = await home.run(AUTO_START);
    assertExit(next, 0, "the next command");
    assertEquals(warnings(next.stderr).length, 1, next.stderr);
    assertMatch(warnings(next.stderr)[0], /daemon\.token \(644 → 600\)/);
    assertEquals(mode(token), 0o600);
    const again = await home.run(AUTO_START);
    assertEquals(warnings(again.stderr), []);
  }),
);

Deno.test(
  "file modes: a store opened by `server run --data-dir` is created 0600 with its WAL",
  async () => {
    const { SqliteStore } = await import("../../src/store/sqlite_store.ts");
    const dir = await Deno.makeTempDir({ prefix: "stigmer-store-modes-" });
    try {
      const store = SqliteStore.open(`${dir}/stigmer.db`);
      await store.applyBatch("local", [{
        kind: "Agent",
        name: "a",
        labels: {},
        annotations: {},
        project: "",
        spec: {},
      }]);
      for (const file of ["stigmer.db", "stigmer.db-wal", "stigmer.db-shm"]) {
        assertEquals(mode(`${dir}/${file}`), 0o600, file);
      }
      await store.close();
      // An existing store left 0644 is tightened when opened.
      for (const file of ["stigmer.db", "stigmer.db-wal", "stigmer.db-shm"]) {
        try {
          Deno.chmodSync(`${dir}/${file}`, 0o644);
        } catch { /* removed at close */ }
      }
      const reopened = SqliteStore.open(`${dir}/stigmer.db`);
      await reopened.list("local");
      assertEquals(openEntries(dir).filter((e) => !e.startsWith(`${dir} `)), []);
      await reopened.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

// The PostgreSQL store and the shared server on it, against a real PostgreSQL
// started for this file (pg_cluster.ts). Without PostgreSQL these tests fail
// with a message saying how to install it; they are never skipped.
import { PostgresStore } from "../../src/store/postgres_store.ts";
import { StoreUnavailableError } from "../../src/store/postgres_errors.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { GrpcError, Status } from "../../src/rpc/status.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { startPgCluster } from "./pg_cluster.ts";
import { res, runContract } from "./store_contract.ts";
import { makeTestCerts } from "./tls_certs.ts";
import { createToken, startServer } from "./server_process.ts";

const SPEC = {
  document: { dsl: "1.0.0", namespace: "t", name: "w", version: "0.1.0" },
  do: [{ a: { set: { x: 1 } } }],
};

Deno.test("PostgreSQL store", async (t) => {
  const cluster = await startPgCluster();
  const tmp = await Deno.makeTempDir({ prefix: "stigmer-pg-test-" });
  try {
    await t.step("answers every call of the contract exactly as the SQLite store", async () => {
      const sqlite = SqliteStore.open(`${tmp}/contract.db`);
      const pg = await PostgresStore.open(await cluster.createDatabase("contract"));
      try {
        const expected = await runContract(sqlite);
        const actual = await runContract(pg);
        for (let i = 0; i < expected.length; i++) {
          assertEquals(actual[i], expected[i], `step ${i} differs`);
        }
        assertEquals(actual.length, expected.length);
      } finally {
        await sqlite.close();
        await pg.close();
      }
    });

    await t.step("several processes may migrate one database at once", async () => {
      const url = await cluster.createDatabase("migrate_race");
      const stores = await Promise.all([1, 2, 3, 4].map(() => PostgresStore.open(url)));
      try {
        assertEquals(await Promise.all(stores.map((s) => s.integrityCheck())), [
          "ok",
          "ok",
          "ok",
          "ok",
        ]);
        // Concurrent applies of the same names through different pools: no conflict errors.
        await Promise.all(
          stores.map((s, i) => s.applyBatch("acme", [res("Workflow", "same", { spec: { i } })])),
        );
        const [item] = (await stores[0].list("acme")).items;
        assertEquals(item.metadata.version, 4);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    await t.step(
      "a database that goes away mid-apply: clear error, nothing half-written",
      async () => {
        const url = await cluster.createDatabase("goes_away");
        const store = await PostgresStore.open(url, { max: 2, connectTimeoutSeconds: 2 });
        try {
          const batch = Array.from(
            { length: 3000 },
            (_, i) => res("Workflow", `wf-${i}`, { spec: { i } }),
          );
          // Settled at once, so its rejection is never unhandled while the test waits.
          const applying = store.applyBatch("acme", batch).then(() => undefined, (err) => err);
          await new Promise((r) => setTimeout(r, 300));
          await cluster.stop();
          const error = await applying;
          assert(error instanceof StoreUnavailableError, `expected unavailable, got ${error}`);
          assertMatch((error as Error).message, /database is unavailable.*nothing was written/);
          // While it is down, calls fail the same clear way.
          let down: unknown;
          await store.get("acme", "Workflow", "wf-1").catch((err) => (down = err));
          assert(down instanceof StoreUnavailableError, `expected unavailable, got ${down}`);

          await cluster.start();
          assertEquals((await store.list("acme")).items, [], "a partial batch was committed");
          const done = await store.applyBatch("acme", batch.slice(0, 10));
          assertEquals(done.outcomes.map((o) => o.action), Array(10).fill("CREATED"));
        } finally {
          await store.close();
        }
      },
    );

    await t.step("two servers share one database; an outage is UNAVAILABLE", async () => {
      const url = await cluster.createDatabase("shared");
      const certs = await makeTestCerts();
      const tokensFile = `${tmp}/tokens.yaml`;
      const token = await createToken(tmp, tokensFile, "ci", ["acme"]);
      const setup = { home: tmp, tokensFile, certFile: certs.certFile, keyFile: certs.keyFile };
      const [one, two] = await Promise.all([
        startServer({ ...setup, database: url }),
        startServer({ ...setup, database: url }),
      ]);
      const caCerts = [await Deno.readTextFile(certs.caFile)];
      const c1 = new Channel({ endpoint: one.url, token, caCerts });
      const c2 = new Channel({ endpoint: two.url, token, caCerts });
      try {
        const r1 = makeClient(c1, ResourceServiceDefinition);
        const r2 = makeClient(c2, ResourceServiceDefinition);
        await r1.apply({
          org: "acme",
          resources: [{ kind: "Workflow", name: "shared-flow", specJson: JSON.stringify(SPEC) }],
        });
        assertEquals(
          (await r2.get({ org: "acme", kind: "Workflow", ref: "shared-flow" })).metadata?.org,
          "acme",
        );
        await cluster.stop();
        let error: unknown;
        await r1.apply({
          org: "acme",
          resources: [{ kind: "Workflow", name: "lost", specJson: JSON.stringify(SPEC) }],
        }).catch((err) => (error = err));
        assert(error instanceof GrpcError, `expected a gRPC error, got ${error}`);
        assertEquals(error.code, Status.UNAVAILABLE);
        assertMatch(error.details, /database is unavailable/);
        await cluster.start();
        const names = (await r2.list({ org: "acme" })).items.map((r) => r.metadata?.name);
        assertEquals(names, ["shared-flow"]);
      } finally {
        c1.close();
        c2.close();
        await one.stop();
        await two.stop();
        await Deno.remove(certs.dir, { recursive: true });
      }
    });
  } finally {
    await cluster.destroy();
    await Deno.remove(tmp, { recursive: true });
  }
});

// Checkpoints of a run that sees secrets are stored encrypted under the vault's key
// (SPEC §11) and open again on resume; without the key they refuse to open.
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { sealerFor, StoreJournal } from "../../src/executions/checkpoints.ts";
import { SecretVault } from "../../src/secrets/vault.ts";
import { withStore } from "./helpers.ts";

const VALUE = `sk-${crypto.randomUUID()}`;

Deno.test("a run with secrets: checkpoints sealed in the store, opened on resume", async () => {
  await withStore(async (store, dir) => {
    const vault = new SecretVault(dir);
    const run = await store.createExecution({
      kind: "WorkflowExecution",
      org: "acme",
      targetId: "wfl-01",
      targetName: "hello",
      input: {},
    });
    let active = true;
    const fresh = StoreJournal.fresh(store, run.id, sealerFor(vault, run.id, () => active));
    await fresh.record("/do/0/a@0", { output: { said: VALUE } });
    active = false; // a run without secret values keeps its checkpoints readable
    await fresh.record("/do/1/b@0", { output: { n: 1 } });

    const stored = await store.listCheckpoints(run.id);
    assert(!JSON.stringify(stored).includes(VALUE), JSON.stringify(stored));
    assertEquals(stored.find((c) => c.key === "/do/1/b@0")?.entry, { output: { n: 1 } });
    assertEquals((await Deno.stat(`${dir}/secrets.key`)).mode! & 0o777, 0o600);

    let resumedAt = "";
    const resumed = await StoreJournal.resume(store, run.id, (task) => {
      resumedAt = task;
      return Promise.resolve();
    }, sealerFor(vault, run.id, () => true));
    assertEquals(await resumed.replay("/do/0/a@0", "a"), { output: { said: VALUE } });
    assertEquals(await resumed.replay("/do/1/b@0", "b"), { output: { n: 1 } });
    assertEquals(await resumed.replay("/do/2/c@0", "c"), undefined);
    assertEquals(resumedAt, "c");

    // Another execution's context, or no key at all: the checkpoint does not open.
    await assertRejects(() =>
      StoreJournal.resume(
        store,
        run.id,
        () => Promise.resolve(),
        sealerFor(vault, "wex-other", () => true),
      )
    );
    await assertRejects(() => StoreJournal.resume(store, run.id, () => Promise.resolve()));
  });
});

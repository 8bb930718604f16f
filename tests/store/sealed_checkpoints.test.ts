// A run's checkpoints hold task outputs, which may carry secret values: while the run has
// secrets they are sealed with the vault's key, and a resumed run reads them back.
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { StoreJournal } from "../../src/executions/checkpoints.ts";
import { SecretVault } from "../../src/secrets/vault.ts";
import { withStore } from "./helpers.ts";

const SECRET = "s3cr3t-value-9f1c";

Deno.test("checkpoints of a run with secrets are sealed at rest and read back on resume", async () => {
  await withStore(async (store, dir) => {
    const vault = new SecretVault(dir);
    let withSecrets = false;
    const sealer = {
      seal: vault.seal.bind(vault),
      unseal: vault.unseal.bind(vault),
      active: () => withSecrets,
    };
    const run = await store.createExecution({
      kind: "WorkflowExecution",
      org: "local",
      targetId: "wfl-01",
      targetName: "hello",
      input: {},
    });
    const journal = StoreJournal.fresh(store, run.id, sealer);
    await journal.record("/do/0/plain@0", { output: { public: true } });
    withSecrets = true;
    await journal.record("/do/1/call@0", { output: { token: SECRET } });

    // Nothing of the secret in the store's files (the WAL included).
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile) continue;
      const bytes = await Deno.readFile(`${dir}/${entry.name}`);
      assert(
        !new TextDecoder("latin1").decode(bytes).includes(SECRET),
        `${entry.name} holds the secret in clear`,
      );
    }

    const resumed = await StoreJournal.resume(store, run.id, () => Promise.resolve(), sealer);
    assertEquals(await resumed.replay("/do/0/plain@0", "plain"), { output: { public: true } });
    assertEquals(await resumed.replay("/do/1/call@0", "call"), { output: { token: SECRET } });

    // Without the key, a sealed checkpoint is an error, never a silently different run.
    await assertRejects(
      () => StoreJournal.resume(store, run.id, () => Promise.resolve()),
      Error,
      "encrypted",
    );
  });
});

// `stigmer secret set|list|delete` (SPEC §11): secrets of the local backend,
// encrypted in its data dir. A value is read from a hidden prompt or stdin,
// never from the command line, and never printed.
import { resolveSelection } from "../backend.ts";
import { StigmerError, UsageError } from "../../errors.ts";
import { ensurePrivateDir } from "../../secure_fs.ts";
import { checkSecretName, SecretVault } from "../../secrets/vault.ts";
import { age } from "../resource_table.ts";
import { formatTable, printJson, success, writeOut } from "../output.ts";

async function localVault(): Promise<{ vault: SecretVault; org: string }> {
  const { config, selection } = await resolveSelection({});
  if (selection.type !== "local") {
    throw new StigmerError("secrets are kept by the local backend only in this version", {
      hint: "switch to it with: stigmer backend use local",
    });
  }
  ensurePrivateDir(config.local.dataDir);
  return { vault: new SecretVault(config.local.dataDir), org: selection.org };
}

async function readStdin(): Promise<string> {
  const text = await new Response(Deno.stdin.readable).text();
  return text.replace(/\r?\n$/, "");
}

export async function secretSet(opts: { name: string; fromStdin?: boolean }): Promise<void> {
  checkSecretName(opts.name);
  let value: string;
  if (opts.fromStdin) {
    value = await readStdin();
  } else if (Deno.stdin.isTerminal()) {
    const { promptSecret } = await import("../secret_prompt.ts");
    value = await promptSecret(`Value of secret ${opts.name} (hidden): `);
  } else {
    throw new UsageError("no terminal to ask for the value", {
      hint: `pipe it in: printf %s "$VALUE" | stigmer secret set ${opts.name} --from-stdin`,
    });
  }
  if (value === "") throw new UsageError(`the value of secret ${opts.name} is empty`);
  const { vault, org } = await localVault();
  const outcome = await vault.set(org, opts.name, value);
  success(`secret ${opts.name} ${outcome}`);
}

export async function secretList(opts: { json?: boolean } = {}): Promise<void> {
  const { vault, org } = await localVault();
  const secrets = vault.list(org);
  if (opts.json) return printJson(secrets);
  if (secrets.length === 0) {
    writeOut("No secrets. Set one with: stigmer secret set NAME");
    return;
  }
  writeOut(
    await formatTable(
      ["NAME", "CREATED", "UPDATED"],
      secrets.map((s) => [s.name, age(s.createdAt), age(s.updatedAt)]),
    ),
  );
}

export async function secretDelete(opts: { name: string }): Promise<void> {
  checkSecretName(opts.name);
  const { vault, org } = await localVault();
  if (!vault.delete(org, opts.name)) {
    throw new StigmerError(`secret ${opts.name} not found`, {
      hint: "see the names with: stigmer secret list",
    });
  }
  success(`secret ${opts.name} deleted`);
}

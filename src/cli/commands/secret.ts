// `stigmer secret set|list|delete` (SPEC §11): in local mode the secrets of the
// local backend, encrypted in its data dir; in cloud mode the shared server's,
// through SecretService. A value is read from a hidden prompt or stdin, never
// from the command line, and never printed.
import { lazyImport } from "../../lazy_import.ts";
import { connectBackend, resolveSelection } from "../backend.ts";
import { withBackend } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { SecretServiceDefinition } from "../../rpc/gen/stigmer/v1/secret.ts";
import { RemoteError, StigmerError, UsageError } from "../../errors.ts";
import { Status } from "../../rpc/status.ts";
import { ensurePrivateDir } from "../../secure_fs.ts";
import { checkSecretName, SecretVault } from "../../secrets/vault.ts";
import { age } from "../resource_table.ts";
import { formatTable, printJson, success, writeOut } from "../output.ts";

type SecretInfo = { name: string; createdAt: string; updatedAt: string };

/** The secrets of the selected backend: the local vault, or the cloud's SecretService. */
interface Secrets {
  set(name: string, value: string): Promise<string>;
  list(): Promise<SecretInfo[]>;
  delete(name: string): Promise<boolean>;
  close(): void;
}

async function openSecrets(): Promise<Secrets> {
  const { config, selection } = await resolveSelection({});
  if (selection.type === "local") {
    ensurePrivateDir(config.local.dataDir);
    const vault = new SecretVault(config.local.dataDir);
    const org = selection.org;
    return {
      set: (name, value) => vault.set(org, name, value),
      list: () => Promise.resolve(vault.list(org)),
      delete: (name) => Promise.resolve(vault.delete(org, name)),
      close: () => {},
    };
  }
  const backend = await connectBackend({ quiet: true });
  const org = backend.selection.org;
  const client = makeClient(backend.channel, SecretServiceDefinition);
  const call = <T>(f: () => Promise<T>) => withBackend(backend.selection, f);
  return {
    set: async (name, value) => (await call(() => client.setSecret({ org, name, value }))).outcome,
    list: async () => (await call(() => client.listSecrets({ org }))).secrets,
    delete: async (name) => {
      try {
        await call(() => client.deleteSecret({ org, name }));
        return true;
      } catch (err) {
        if (err instanceof RemoteError && err.code === Status.NOT_FOUND) return false;
        throw err;
      }
    },
    close: () => backend.channel.close(),
  };
}

async function withSecrets<T>(f: (secrets: Secrets) => Promise<T>): Promise<T> {
  const secrets = await openSecrets();
  try {
    return await f(secrets);
  } finally {
    secrets.close();
  }
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
    const { promptSecret } = await lazyImport<typeof import("../secret_prompt.ts")>(
      "../secret_prompt.ts",
      import.meta.url,
    );
    value = await promptSecret(`Value of secret ${opts.name} (hidden): `);
  } else {
    throw new UsageError("no terminal to ask for the value", {
      hint: `pipe it in: printf %s "$VALUE" | stigmer secret set ${opts.name} --from-stdin`,
    });
  }
  if (value === "") throw new UsageError(`the value of secret ${opts.name} is empty`);
  const outcome = await withSecrets((s) => s.set(opts.name, value));
  success(`secret ${opts.name} ${outcome}`);
}

export async function secretList(opts: { json?: boolean } = {}): Promise<void> {
  const secrets = await withSecrets((s) => s.list());
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
  if (!await withSecrets((s) => s.delete(opts.name))) {
    throw new StigmerError(`secret ${opts.name} not found`, {
      hint: "see the names with: stigmer secret list",
    });
  }
  success(`secret ${opts.name} deleted`);
}

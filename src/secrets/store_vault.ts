// Secrets of a shared server (SPEC §11): kept in its store (SQLite or PostgreSQL),
// per organization, each value encrypted with AES-GCM under the server's key file
// (secrets.key in its data dir, 0600). The store never sees a value in clear, and
// the organization and name are bound to each value, so a row copied to another
// name or organization fails to open. Servers sharing one database need the same key file.
import { StigmerError } from "../errors.ts";
import type { ResourceStore, SecretEntry } from "../store/store.ts";
import { checkSecretName, SecretNotFoundError, SecretVault } from "./vault.ts";

export class StoreSecretVault {
  readonly #keys: SecretVault;

  constructor(private readonly store: ResourceStore, dataDir: string) {
    // Only the key file of this vault is used: its seal/open, never its secrets file.
    this.#keys = new SecretVault(dataDir);
  }

  get keyFile(): string {
    return this.#keys.keyFile;
  }

  async set(org: string, name: string, value: string): Promise<"created" | "updated"> {
    checkSecretName(name);
    return await this.store.putSecret(org, name, await this.#keys.seal(`${org}/${name}`, value));
  }

  list(org: string): Promise<SecretEntry[]> {
    return this.store.listSecrets(org);
  }

  delete(org: string, name: string): Promise<boolean> {
    return this.store.deleteSecret(org, name);
  }

  /** The clear value, for use at run time only. */
  async get(org: string, name: string): Promise<string> {
    const sealed = await this.store.getSecret(org, name);
    if (!sealed) {
      throw new SecretNotFoundError(
        `secret "${name}" is not set in organization ${org}; set it with: stigmer secret set ${name}`,
      );
    }
    try {
      return await this.#keys.open(`${org}/${name}`, sealed);
    } catch {
      throw new StigmerError(
        `secret "${name}" cannot be decrypted (is ${this.keyFile} the key it was set with?); set it again: stigmer secret set ${name}`,
      );
    }
  }

  /** Every secret of the organization, decrypted (for `$secrets` in workflows). */
  async all(org: string): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const { name } of await this.list(org)) values[name] = await this.get(org, name);
    return values;
  }

  seal(context: string, text: string) {
    return this.#keys.seal(context, text);
  }

  open(context: string, sealed: { iv: string; data: string }) {
    return this.#keys.open(context, sealed);
  }
}

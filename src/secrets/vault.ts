// Secrets of the local backend (SPEC §11): STIGMER_HOME/data/secrets, per
// organization, each value encrypted with AES-GCM (WebCrypto) under a key kept
// in data/secrets.key; both files 0600. The organization and name are bound to
// each value as additional data, so a value moved to another name fails to open.
import { readTextIfExists, writeFileAtomic } from "../secure_fs.ts";
import { StigmerError, UsageError } from "../errors.ts";

export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

interface Sealed {
  iv: string; // base64
  data: string; // base64 ciphertext + tag
  createdAt: string;
  updatedAt: string;
}

interface VaultFile {
  version: 1;
  orgs: Record<string, Record<string, Sealed>>;
}

export interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
}

export class SecretNotFoundError extends StigmerError {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new UsageError(
      `invalid secret name "${name}": use letters, digits, -, _ and . (at most 100), starting with a letter or digit`,
    );
  }
}

export class SecretVault {
  readonly file: string;
  readonly keyFile: string;
  #key?: CryptoKey;

  constructor(dataDir: string) {
    this.file = `${dataDir}/secrets`;
    this.keyFile = `${dataDir}/secrets.key`;
  }

  #read(): VaultFile {
    const text = readTextIfExists(this.file);
    if (!text) return { version: 1, orgs: {} };
    const parsed = JSON.parse(text) as VaultFile;
    return { version: 1, orgs: parsed.orgs ?? {} };
  }

  async #cryptoKey(create: boolean): Promise<CryptoKey | undefined> {
    if (this.#key) return this.#key;
    let raw = readTextIfExists(this.keyFile)?.trim();
    if (!raw) {
      if (!create) return undefined;
      raw = this.#createKey();
    }
    this.#key = await crypto.subtle.importKey("raw", fromBase64(raw), "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
    return this.#key;
  }

  /**
   * Writes a new key unless one exists; returns the key on disk. Shared servers on
   * one data dir start together: a hard link never replaces a key another wrote.
   */
  #createKey(): string {
    const raw = toBase64(crypto.getRandomValues(new Uint8Array(32)));
    const temp = `${this.keyFile}.${Deno.pid}.${Date.now()}.tmp`;
    writeFileAtomic(temp, `${raw}\n`);
    try {
      Deno.linkSync(temp, this.keyFile);
      return raw;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      return readTextIfExists(this.keyFile)!.trim();
    } finally {
      Deno.removeSync(temp);
    }
  }

  /** Encrypts a text that holds secret values (e.g. a run's checkpoint), bound to `context`. */
  async seal(context: string, text: string): Promise<{ iv: string; data: string }> {
    const key = (await this.#cryptoKey(true))!;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
      key,
      encoder.encode(text),
    );
    return { iv: toBase64(iv), data: toBase64(new Uint8Array(data)) };
  }

  /** The text `seal` encrypted under the same context. */
  async open(context: string, sealed: { iv: string; data: string }): Promise<string> {
    const key = await this.#cryptoKey(false);
    if (!key) throw new StigmerError(`cannot open sealed data: ${this.keyFile} is missing`);
    try {
      const clear = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: encoder.encode(context) },
        key,
        fromBase64(sealed.data),
      );
      return decoder.decode(clear);
    } catch {
      throw new StigmerError(`cannot open sealed data (was ${this.keyFile} replaced?)`);
    }
  }

  async set(org: string, name: string, value: string): Promise<"created" | "updated"> {
    checkSecretName(name);
    const key = (await this.#cryptoKey(true))!;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(`${org}/${name}`) },
        key,
        encoder.encode(value),
      ),
    );
    const vault = this.#read();
    const now = new Date().toISOString();
    const previous = vault.orgs[org]?.[name];
    vault.orgs[org] = {
      ...vault.orgs[org],
      [name]: {
        iv: toBase64(iv),
        data: toBase64(data),
        createdAt: previous?.createdAt ?? now,
        updatedAt: now,
      },
    };
    writeFileAtomic(this.file, JSON.stringify(vault, null, 2));
    return previous ? "updated" : "created";
  }

  list(org: string): SecretInfo[] {
    const secrets = this.#read().orgs[org] ?? {};
    return Object.entries(secrets).map(([name, s]) => ({
      name,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    })).sort((a, b) => a.name.localeCompare(b.name));
  }

  delete(org: string, name: string): boolean {
    const vault = this.#read();
    if (!vault.orgs[org]?.[name]) return false;
    delete vault.orgs[org][name];
    writeFileAtomic(this.file, JSON.stringify(vault, null, 2));
    return true;
  }

  /** The clear value, for use at run time only. */
  async get(org: string, name: string): Promise<string> {
    const sealed = this.#read().orgs[org]?.[name];
    const key = sealed && await this.#cryptoKey(false);
    if (!sealed || !key) {
      throw new SecretNotFoundError(
        `secret "${name}" is not set in organization ${org}; set it with: stigmer secret set ${name}`,
      );
    }
    try {
      const clear = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: fromBase64(sealed.iv),
          additionalData: encoder.encode(`${org}/${name}`),
        },
        key,
        fromBase64(sealed.data),
      );
      return decoder.decode(clear);
    } catch {
      throw new StigmerError(
        `secret "${name}" cannot be decrypted (was ${this.keyFile} replaced?); set it again: stigmer secret set ${name}`,
      );
    }
  }

  /** Every secret of the organization, decrypted (for `$secrets` in workflows). */
  async all(org: string): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const { name } of this.list(org)) values[name] = await this.get(org, name);
    return values;
  }
}

/** `${secrets.NAME}` in a string: the names it uses. */
export const SECRET_REFERENCE = /\$\{\s*secrets\.([A-Za-z0-9][A-Za-z0-9_.-]*)\s*\}/g;

/** Replaces every `${secrets.NAME}` with its value; collects the values used. */
export async function substituteSecrets(
  text: string,
  lookup: (name: string) => Promise<string>,
  used: Set<string>,
): Promise<string> {
  let result = "";
  let last = 0;
  for (const match of text.matchAll(SECRET_REFERENCE)) {
    const value = await lookup(match[1]);
    if (value) used.add(value);
    result += text.slice(last, match.index) + value;
    last = match.index! + match[0].length;
  }
  return result + text.slice(last);
}

/** Hides secret values in anything that leaves the run: events, errors, outputs. */
export class Redactor {
  readonly #values: string[] = [];

  add(values: Iterable<string>): void {
    for (const v of values) {
      if (v.length >= 3 && !this.#values.includes(v)) this.#values.push(v);
    }
    this.#values.sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.#values.length > 0;
  }

  text(text: string): string {
    let out = text;
    for (const v of this.#values) out = out.split(v).join("***");
    return out;
  }

  value<T>(value: T): T {
    if (!this.active) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") return this.text(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k), walk(x)]));
      }
      return v;
    };
    return walk(value) as T;
  }
}

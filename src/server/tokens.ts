// The shared server's tokens file (SPEC §10): YAML holding only SHA-256
// hashes of tokens and the organizations each may use. The authenticator
// stats the file on every call and re-reads it when it changed, so a token
// removed from the file stops working at once, without a restart.
import { createHash } from "node:crypto";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { GrpcError, Status } from "../rpc/status.ts";
import { readTextIfExists, writeFileAtomic } from "../secure_fs.ts";
import { StigmerError, UsageError } from "../errors.ts";
import { bearerToken, constantTimeEqual } from "./auth.ts";
import type { Principal } from "./grpc_adapter.ts";

export interface TokenEntry {
  name: string;
  sha256: string;
  orgs: string[];
  /** `admin: true`: may see the server itself in Hello and Status (pid, memory, every org's count). */
  admin?: boolean;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A new random token: 32 bytes, base64url, with a prefix that says what it is. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `stg_${base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

const tokenEntrySchema = z.object({
  name: z.string({ error: "name must be a text" }).trim().min(1, "name must not be empty"),
  sha256: z.string({ error: "sha256 must be 64 hex digits (the SHA-256 of the token)" })
    .toLowerCase()
    .regex(HEX_SHA256, "sha256 must be 64 hex digits (the SHA-256 of the token)"),
  orgs: z.array(z.string().trim().min(1, "orgs must not hold an empty name"), {
    error: "orgs must be a list of organizations",
  }).min(1, "orgs must list at least one organization"),
  admin: z.boolean({ error: "admin must be true or false" }).optional(),
}, { error: "must be a mapping {name, sha256, orgs}" });

const tokensFileSchema = z.object({
  tokens: z.array(z.unknown(), { error: "tokens must be a list of {name, sha256, orgs}" })
    .nullish(),
}, { error: 'the file must hold "tokens:", a list of {name, sha256, orgs}' });

/** Parses and checks the file's text; throws a StigmerError naming every problem. */
export function parseTokens(text: string, path: string): TokenEntry[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new StigmerError(`${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (data === null || data === undefined) return [];
  const file = tokensFileSchema.safeParse(data);
  if (!file.success) throw new StigmerError(`${path}: ${file.error.issues[0].message}`);
  const problems: string[] = [];
  const entries = (file.data.tokens ?? []).map((raw, i) => {
    const entry = tokenEntrySchema.safeParse(raw);
    if (entry.success) return entry.data;
    const name = (raw as { name?: unknown } | null)?.name;
    const which = `token ${i + 1}${typeof name === "string" && name ? ` ("${name}")` : ""}`;
    for (const issue of entry.error.issues) problems.push(`${path}: ${which}: ${issue.message}`);
    return undefined;
  });
  if (problems.length > 0) {
    throw new StigmerError(problems.join("\n"), {
      hint: "each token needs a name, the sha256 of the token and at least one org; " +
        "`stigmer server token create` writes a valid entry",
    });
  }
  return entries as TokenEntry[];
}

export function readTokensFile(path: string): TokenEntry[] {
  const text = readTextIfExists(path);
  if (text === undefined) throw new StigmerError(`tokens file ${path} does not exist`);
  return parseTokens(text, path);
}

/** What identifies a version of the file: an atomic rewrite changes the inode too. */
function fingerprint(path: string): string {
  const stat = Deno.statSync(path);
  return `${stat.ino}:${stat.size}:${stat.mtime?.getTime()}:${stat.ctime?.getTime()}`;
}

export interface TokenAuthenticatorOptions {
  /** Told when a changed file cannot be used (every call is then refused). */
  onReloadError?(message: string): void;
  onReload?(count: number): void;
}

/** Checks the file now (so a bad file stops the server from starting) and on every call. */
export function tokenAuthenticator(
  path: string,
  options: TokenAuthenticatorOptions = {},
): (authorization: string | undefined) => Principal {
  let seen = fingerprint(path);
  let entries: TokenEntry[] | undefined = readTokensFile(path);
  let reloadError = "";
  const current = (): TokenEntry[] => {
    let now: string;
    try {
      now = fingerprint(path);
    } catch (err) {
      now = `missing: ${(err as Error).message}`;
    }
    if (now !== seen) {
      seen = now;
      try {
        entries = readTokensFile(path);
        reloadError = "";
        options.onReload?.(entries.length);
      } catch (err) {
        // Fail closed: a broken file must not keep old (maybe revoked) tokens alive.
        entries = undefined;
        reloadError = (err as Error).message;
        options.onReloadError?.(reloadError);
      }
    }
    if (!entries) {
      throw new GrpcError(Status.UNAVAILABLE, "the server cannot read its tokens file");
    }
    return entries;
  };
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) {
      throw new GrpcError(
        Status.UNAUTHENTICATED,
        "missing token: this server needs a bearer token",
      );
    }
    const hash = hashToken(token);
    let found: TokenEntry | undefined;
    // Compare against every entry, so timing does not tell which one nearly matched.
    for (const entry of current()) if (constantTimeEqual(entry.sha256, hash)) found = entry;
    if (!found) {
      throw new GrpcError(Status.UNAUTHENTICATED, "invalid or revoked token");
    }
    return { name: found.name, orgs: found.orgs, admin: found.admin === true };
  };
}

/** Adds a token for the orgs and returns it; the file (0600) gets only its hash. */
export function addToken(path: string, name: string, orgs: string[]): string {
  if (!name.trim()) throw new UsageError("--name must not be empty");
  if (orgs.length === 0 || orgs.some((o) => !o.trim())) {
    throw new UsageError("--org must name an organization");
  }
  const text = readTextIfExists(path);
  const entries = text === undefined ? [] : parseTokens(text, path);
  if (entries.some((e) => e.name === name)) {
    throw new UsageError(`a token named "${name}" already exists in ${path}`, {
      hint: "choose another --name, or remove the old entry from the file first",
    });
  }
  const token = newToken();
  entries.push({ name, sha256: hashToken(token), orgs });
  writeFileAtomic(path, stringify({ tokens: entries }));
  return token;
}

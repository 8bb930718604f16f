// credentials.yaml (0600): the cloud endpoint and token from `stigmer login`.
// The token is never printed; STIGMER_TOKEN overrides it for CI.
import { homePaths } from "./paths.ts";
import {
  ensurePrivateDir,
  readTextIfExists,
  repairSecretFileMode,
  writeFileAtomic,
} from "../secure_fs.ts";
import type { Environment } from "./environment.ts";
import { StigmerError } from "../errors.ts";

export interface Credentials {
  endpoint: string;
  token: string;
  insecure?: boolean;
  caFile?: string;
}

export interface CredentialsState {
  credentials?: Credentials;
  warnings: string[];
  /** "STIGMER_TOKEN" or the file path. */
  source?: string;
}

export async function readCredentials(env: Environment): Promise<CredentialsState> {
  const path = homePaths(env.home).credentials;
  const warnings: string[] = [];
  const repaired = repairSecretFileMode(path);
  if (repaired) warnings.push(repaired);
  const text = readTextIfExists(path);
  let stored: Credentials | undefined;
  if (text !== undefined && text.trim() !== "") {
    const { parse } = await import("yaml");
    let data: Partial<Credentials> | null;
    try {
      data = parse(text);
    } catch (err) {
      throw new StigmerError(`${path} is not valid YAML`, {
        hint: "run: stigmer login   (it rewrites the file)",
        cause: err,
      });
    }
    if (data && typeof data.token === "string" && data.token !== "") {
      stored = {
        endpoint: String(data.endpoint ?? ""),
        token: data.token,
        insecure: data.insecure === true,
        caFile: typeof data.caFile === "string" ? data.caFile : undefined,
      };
    }
  }
  if (env.token) {
    return {
      credentials: { ...stored, endpoint: stored?.endpoint ?? "", token: env.token },
      warnings,
      source: "STIGMER_TOKEN",
    };
  }
  return { credentials: stored, warnings, source: stored ? path : undefined };
}

export async function writeCredentials(home: string, credentials: Credentials): Promise<void> {
  const { stringify } = await import("yaml");
  ensurePrivateDir(home);
  writeFileAtomic(homePaths(home).credentials, stringify(credentials));
}

/** Returns false when there was nothing to remove. */
export function removeCredentials(home: string): boolean {
  try {
    Deno.removeSync(homePaths(home).credentials);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw new StigmerError(
      `cannot remove ${homePaths(home).credentials}: ${(err as Error).message}`,
    );
  }
}

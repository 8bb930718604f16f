// A connection to a shared backend after `stigmer login`: TLS unless the
// endpoint is loopback or --insecure was chosen, the token as a bearer token.
import type { StigmerConfig } from "../config/config.ts";
import type { Environment } from "../config/environment.ts";
import { readCredentials } from "../config/credentials.ts";
import type { BackendSelection } from "../config/backend_mode.ts";
import { StigmerError, UsageError } from "../errors.ts";
import { Channel } from "./grpc_fetch.ts";

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Normalises an endpoint to a URL and refuses plaintext off loopback. */
export function cloudUrl(endpoint: string, insecure: boolean): string {
  const withScheme = /^[a-z]+:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`invalid endpoint "${endpoint}"`, { hint: "use https://HOST:PORT" });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`invalid endpoint "${endpoint}": expected https:// or http://`);
  }
  if (url.protocol === "http:" && !insecure && !isLoopbackHost(url.hostname)) {
    throw new UsageError(`refusing plaintext to ${url.host}: tokens would travel unencrypted`, {
      hint: "use https://, or pass --insecure if you really mean it",
    });
  }
  return `${url.protocol}//${url.host}`;
}

export async function connectCloud(
  config: StigmerConfig,
  env: Environment,
  _selection: BackendSelection,
): Promise<Channel> {
  const state = await readCredentials(env);
  const creds = state.credentials;
  if (!creds) {
    throw new StigmerError("not logged in to a cloud backend", {
      hint:
        "run: stigmer login   (or set STIGMER_TOKEN; or go back to local: stigmer backend use local)",
    });
  }
  const insecure = creds.insecure || config.cloud.insecure;
  const caFile = creds.caFile || config.cloud.caFile;
  let caCerts: string[] | undefined;
  if (caFile) {
    try {
      caCerts = [Deno.readTextFileSync(caFile)];
    } catch (err) {
      throw new StigmerError(`cannot read the CA file ${caFile}: ${(err as Error).message}`);
    }
  }
  return new Channel({
    endpoint: cloudUrl(creds.endpoint || config.cloud.endpoint, insecure),
    token: creds.token,
    caCerts,
  });
}

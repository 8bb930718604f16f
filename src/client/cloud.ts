// A connection to a shared backend after `stigmer login`: TLS unless the
// endpoint is loopback or --insecure was chosen, the token as a bearer token.
import type { StigmerConfig } from "../config/config.ts";
import type { Environment } from "../config/environment.ts";
import { readCredentials } from "../config/credentials.ts";
import type { BackendSelection } from "../config/backend_mode.ts";
import { StigmerError, UsageError } from "../errors.ts";
import {
  type CallOptions,
  Channel,
  type MethodDefinition,
  type ServiceDefinition,
} from "./grpc_fetch.ts";
import { GrpcError } from "../rpc/status.ts";

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

const CERTIFICATE_PROBLEM = /invalid peer certificate|certificate|UnknownIssuer|NotValidForName/i;

/** A refused certificate is not a network outage: say so, and what to do. */
function explainTls(err: unknown, endpoint: string, caFile?: string): unknown {
  if (!(err instanceof GrpcError) || !CERTIFICATE_PROBLEM.test(err.details)) return err;
  const reason = /NotValidForName|not valid for name/.test(err.details)
    ? `it is not valid for this host name (${
      err.details.replace(/^.*certificate not valid/, "not valid")
    })`
    : /UnknownIssuer/.test(err.details)
    ? "it is not signed by a trusted authority"
    : err.details.replace(/^.*invalid peer certificate: /, "");
  return new StigmerError(`the TLS certificate of ${endpoint} was refused: ${reason}`, {
    hint: caFile
      ? `check that ${caFile} is the CA that signed the server's certificate, and the host name`
      : "if the server uses a private CA: stigmer login --ca-file <ca.pem>",
    cause: err,
  });
}

class CloudChannel extends Channel {
  constructor(
    endpoint: string,
    token: string,
    caCerts: string[] | undefined,
    readonly caFile?: string,
  ) {
    super({ endpoint, token, caCerts });
  }

  override async unary<Res>(
    service: ServiceDefinition,
    method: MethodDefinition,
    request: unknown,
    options?: CallOptions,
  ): Promise<Res> {
    try {
      return await super.unary<Res>(service, method, request, options);
    } catch (err) {
      throw explainTls(err, this.baseUrl, this.caFile);
    }
  }

  override async *serverStream<Res>(
    service: ServiceDefinition,
    method: MethodDefinition,
    request: unknown,
    options?: CallOptions,
  ): AsyncGenerator<Res> {
    try {
      yield* super.serverStream<Res>(service, method, request, options);
    } catch (err) {
      throw explainTls(err, this.baseUrl, this.caFile);
    }
  }
}

export interface CloudTarget {
  endpoint: string;
  token: string;
  insecure?: boolean;
  caFile?: string;
}

/** A channel to a cloud endpoint, checked for plaintext and with its CA file loaded. */
export function openCloudChannel(target: CloudTarget): Channel {
  const endpoint = cloudUrl(target.endpoint, target.insecure === true);
  let caCerts: string[] | undefined;
  if (target.caFile) {
    try {
      caCerts = [Deno.readTextFileSync(target.caFile)];
    } catch (err) {
      throw new StigmerError(`cannot read the CA file ${target.caFile}: ${(err as Error).message}`);
    }
  }
  return new CloudChannel(endpoint, target.token, caCerts, target.caFile);
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
  return openCloudChannel({
    endpoint: creds.endpoint || config.cloud.endpoint,
    token: creds.token,
    insecure: creds.insecure || config.cloud.insecure,
    caFile: creds.caFile || config.cloud.caFile,
  });
}

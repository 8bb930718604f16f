// `stigmer login`: checks an endpoint and token with Hello, then stores them
// (credentials.yaml, 0600) and switches to the cloud backend. Nothing is saved
// unless the server accepted the token.
import { lazyImport } from "../../lazy_import.ts";
import { resolve } from "node:path";
import { loadConfig } from "../../config/config.ts";
import { readEnvironment } from "../../config/environment.ts";
import { readCredentials, writeCredentials } from "../../config/credentials.ts";
import { homePaths } from "../../config/paths.ts";
import { ensurePrivateDir } from "../../secure_fs.ts";
import { setConfigValue } from "../../config/edit.ts";
import { StigmerError, UsageError } from "../../errors.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import { info, success, warn } from "../output.ts";

export interface LoginOptions {
  endpoint?: string;
  tokenStdin?: boolean;
  insecure?: boolean;
  caFile?: string;
}

async function readToken(opts: LoginOptions, envToken: string | undefined): Promise<string> {
  if (opts.tokenStdin) {
    const text = await new Response(Deno.stdin.readable).text();
    const token = text.trim();
    if (!token) throw new UsageError("--token-stdin: nothing was read from standard input");
    return token;
  }
  if (Deno.stdin.isTerminal()) {
    const { promptSecret } = await lazyImport<typeof import("../secret_prompt.ts")>(
      "../secret_prompt.ts",
      import.meta.url,
    );
    const token = await promptSecret("Token: ");
    if (!token) throw new UsageError("no token entered");
    return token;
  }
  if (envToken) return envToken;
  throw new UsageError("no token given", {
    hint: "pipe it to: stigmer login --token-stdin, or set STIGMER_TOKEN",
  });
}

export async function login(opts: LoginOptions): Promise<void> {
  const env = readEnvironment();
  const config = await loadConfig(env);
  const previous = (await readCredentials(env)).credentials;
  const insecure = opts.insecure === true;
  const caFile = opts.caFile ? resolve(opts.caFile) : undefined;
  const endpoint = opts.endpoint || previous?.endpoint || config.cloud.endpoint;

  const { cloudUrl, openCloudChannel } = await lazyImport<typeof import("../../client/cloud.ts")>(
    "../../client/cloud.ts",
    import.meta.url,
  );
  const url = cloudUrl(endpoint, insecure); // refuses plaintext off loopback before asking
  const token = await readToken(opts, env.token);

  const { makeClient } = await lazyImport<typeof import("../../client/grpc_fetch.ts")>(
    "../../client/grpc_fetch.ts",
    import.meta.url,
  );
  const { DaemonServiceDefinition } = await lazyImport<
    typeof import("../../rpc/gen/stigmer/v1/daemon.ts")
  >("../../rpc/gen/stigmer/v1/daemon.ts", import.meta.url);
  const channel = openCloudChannel({ endpoint: url, token, insecure, caFile });
  let orgs: string[];
  try {
    const hello = await makeClient(channel, DaemonServiceDefinition).hello({}, {
      timeoutMs: 15_000,
    });
    orgs = hello.orgs;
  } catch (err) {
    if (err instanceof GrpcError && err.code === Status.UNAUTHENTICATED) {
      throw new StigmerError(`${url} refused the token: ${err.details}`, {
        hint: "check the token (nothing was saved); a server admin makes one with: " +
          "stigmer server token create",
      });
    }
    const { explain } = await lazyImport<typeof import("../rpc_errors.ts")>(
      "../rpc_errors.ts",
      import.meta.url,
    );
    throw explain(err, { type: "cloud", endpoint: url, org: "", orgSource: "" });
  } finally {
    channel.close();
  }

  const paths = homePaths(env.home);
  ensurePrivateDir(paths.home);
  await writeCredentials(env.home, {
    endpoint: url,
    token,
    ...(insecure ? { insecure } : {}),
    ...(caFile ? { caFile } : {}),
  });
  setConfigValue(paths.config, "backend.cloud.endpoint", url);
  setConfigValue(paths.config, "backend.type", "cloud");
  success(`Logged in to ${url} (organizations: ${orgs.join(", ") || "none"})`);
  const saved = config.contextOrganization || config.cloud.orgId;
  if (orgs.length === 1 && saved !== orgs[0]) {
    // The token may use one organization only: that is the choice, and the next apply works.
    setConfigValue(paths.config, "context.organization", orgs[0]);
    info(`Organization: ${orgs[0]} (the only one this token may use)`);
  } else if (!(env.org || saved)) {
    info(`Choose an organization: stigmer context set --org ${orgs[0] ?? "<org>"}`);
  }
  if (env.backend && env.backend !== "cloud") {
    warn(`STIGMER_BACKEND=${env.backend} is set and overrides backend.type`);
  }
}

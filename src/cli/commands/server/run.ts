// `stigmer server run`: the shared backend (SPEC §10), in the foreground.
import { lazyImport } from "../../../lazy_import.ts";
import { resolve } from "node:path";
import { loadConfig } from "../../../config/config.ts";
import { readEnvironment, readNamedVariable } from "../../../config/environment.ts";
import { UsageError } from "../../../errors.ts";

export interface ServerRunOptions {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  tokens: string;
  database?: string;
  dataDir?: string;
  insecure?: boolean;
  logLevel?: string;
  allowLocalProcesses?: boolean;
}

export async function run(opts: ServerRunOptions): Promise<void> {
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  if (!opts.tlsCert && !opts.insecure) {
    throw new UsageError("a shared server needs TLS: pass --tls-cert and --tls-key", {
      hint: "or --insecure, when a proxy in front of it does TLS",
    });
  }
  if (opts.database && !/^postgres(ql)?:\/\//.test(opts.database)) {
    throw new UsageError(`--database must be a postgres:// URL`);
  }
  const env = readEnvironment();
  const config = await loadConfig(env);
  const { Log } = await lazyImport<typeof import("../../../server/log.ts")>(
    "../../../server/log.ts",
    import.meta.url,
  );
  const { runSharedServer } = await lazyImport<typeof import("../../../server/shared/server.ts")>(
    "../../../server/shared/server.ts",
    import.meta.url,
  );
  const level = (opts.logLevel ?? env.logLevel ?? "info") as "info";
  await runSharedServer({
    listen: opts.listen,
    tlsCert: opts.tlsCert,
    tlsKey: opts.tlsKey,
    insecure: opts.insecure === true,
    tokensFile: resolve(opts.tokens),
    database: opts.database,
    dataDir: resolve(opts.dataDir ?? `${env.home}/server`),
    llm: { ...config.local.llm, apiKey: readNamedVariable(config.local.llm.apiKeyEnv) },
    allowLocalProcesses: opts.allowLocalProcesses === true,
  }, Log.toStderr(level));
}

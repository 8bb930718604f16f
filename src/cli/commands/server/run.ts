// `stigmer server run`: the shared backend (SPEC §10), in the foreground.
import { resolve } from "node:path";
import { loadConfig } from "../../../config/config.ts";
import { readEnvironment } from "../../../config/environment.ts";
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
  const { Log } = await import("../../../server/log.ts");
  const { runSharedServer } = await import("../../../server/shared/server.ts");
  const level = (opts.logLevel ?? env.logLevel ?? "info") as "info";
  await runSharedServer({
    listen: opts.listen,
    tlsCert: opts.tlsCert,
    tlsKey: opts.tlsKey,
    insecure: opts.insecure === true,
    tokensFile: resolve(opts.tokens),
    database: opts.database,
    dataDir: resolve(opts.dataDir ?? `${env.home}/server`),
    llm: config.local.llm,
    allowLocalProcesses: opts.allowLocalProcesses === true,
  }, Log.toStderr(level));
}

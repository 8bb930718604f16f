// `stigmer server run`: the shared backend in the foreground. The same
// services as the local daemon, behind TLS and the tokens file, on SQLite in a
// data directory or on PostgreSQL shared by several server processes.
import { lazyImport } from "../../lazy_import.ts";
import * as grpc from "@grpc/grpc-js";
import { newId } from "../../model/ids.ts";
import { VERSION } from "../../version.ts";
import { StigmerError } from "../../errors.ts";
import { ActivityTracker, type Runtime } from "../runtime.ts";
import { AddressInUseError, bind, SERVER_OPTIONS, stopServer } from "../listen.ts";
import { registerServices } from "../register.ts";
import { StoreSecretVault } from "../../secrets/store_vault.ts";
import { StoreSessions } from "../../agents/store_sessions.ts";
import { ensurePrivateDir } from "../../secure_fs.ts";
import { tokenAuthenticator } from "../tokens.ts";
import type { LlmSettings } from "../../model/llm.ts";
import type { Log } from "../log.ts";
import { openSharedStore } from "./open_store.ts";
import { startTlsProxy, type TlsProxy } from "./tls_proxy.ts";
import { mapUnavailable } from "./unavailable_store.ts";
import { findNotCapable, permissionError } from "../../permission_error.ts";

export interface SharedServerOptions {
  /** HOST:PORT; port 0 picks a free one. */
  listen: string;
  /** PEM files; both or neither (then plaintext, only with insecure). */
  tlsCert?: string;
  tlsKey?: string;
  insecure: boolean;
  tokensFile: string;
  database?: string;
  dataDir: string;
  llm: LlmSettings;
  /** Let agents and workflows start stdio MCP servers on this machine (SPEC §13). */
  allowLocalProcesses?: boolean;
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(":");
  const port = Number(listen.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StigmerError(`--listen must be HOST:PORT, not "${listen}"`);
  }
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ""), port };
}

function readPem(path: string, what: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    throw new StigmerError(`cannot read the TLS ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Serves until SIGINT or SIGTERM; resolves once everything is closed. */
export async function runSharedServer(options: SharedServerOptions, log: Log): Promise<void> {
  const { host, port } = splitHostPort(options.listen);
  const tls = options.tlsCert && options.tlsKey
    ? { cert: readPem(options.tlsCert, "certificate"), key: readPem(options.tlsKey, "key") }
    : undefined;
  const authenticate = tokenAuthenticator(options.tokensFile, {
    onReload: (n) => log.info(`tokens file changed: ${n} token(s)`),
    onReloadError: (m) => log.error(`tokens file unusable, refusing every call: ${m}`),
  });

  // The postgres driver can throw from a timer when the database drops a
  // connection at a bad moment; that request fails, the server must not.
  globalThis.addEventListener("error", (event) => {
    log.error(`uncaught: ${event.error?.stack ?? event.message}`);
    event.preventDefault();
  });
  // So can the queue's driver (pg-boss on pg) while the database is away: one lost
  // promise must not take the server down with every run on it.
  globalThis.addEventListener("unhandledrejection", (event) => {
    log.error(`unhandled rejection (ignored): ${event.reason?.stack ?? event.reason}`);
    event.preventDefault();
  });

  const opened = await openSharedStore(options);
  const store = mapUnavailable(opened.store);
  log.info(`store: ${opened.description}`);

  const server = new grpc.Server(SERVER_OPTIONS);
  const runtime: Runtime = {
    mode: "server",
    version: VERSION,
    instanceId: newId("srv"),
    pid: Deno.pid,
    dataDir: options.database ? "" : options.dataDir,
    startedAt: new Date(),
    endpoint: options.listen,
    logPath: "(stderr)",
    idleTimeoutMs: 0,
    activity: new ActivityTracker(),
    runningExecutions: (orgs) => executions.running(orgs),
    backendRunningExecutions: async (orgs) =>
      (await store.listUnfinishedExecutions()).filter((e) => !orgs || orgs.includes(e.org)).length,
    requestShutdown: () => {}, // a shared server is stopped by its supervisor, not over the API
  };
  const health = { serving: false };
  // Secrets per organization in the store, encrypted under a key file (0600) in the data dir (SPEC §11).
  ensurePrivateDir(options.dataDir);
  const secretVault = new StoreSecretVault(store, options.dataDir);
  const { executions } = registerServices(server, {
    runtime,
    store,
    health,
    log,
    llm: options.llm,
    agents: {
      allowLocalProcesses: options.allowLocalProcesses === true,
      secrets: secretVault,
      sessions: new StoreSessions(store),
    },
    secretVault,
    authenticate,
    localProcesses: options.allowLocalProcesses ? { allowed: true } : {
      allowed: false,
      refusal: "this shared server does not start local programs (run: shell, script, " +
        "container): its operator can allow them with `stigmer server run --allow-local-processes`",
    },
  });

  let distribution: import("../../executions/distribution.ts").Distribution | undefined;
  if (options.database) {
    // Several servers share the database: runs go through the queue, and move when one dies.
    // Before the server listens: a Start taken earlier would run here alone, outside the queue.
    const { Distribution } = await lazyImport<typeof import("../../executions/distribution.ts")>(
      "../../executions/distribution.ts",
      import.meta.url,
    );
    distribution = await Distribution.start(options.database, runtime.instanceId, {
      run: (job, relayAfterMs) => executions.runHere(job, relayAfterMs),
      cancel: (job) => executions.cancelHere(job),
    }, { concurrency: 50, log });
    executions.distributeThrough(distribution);
  }

  let proxy: TlsProxy | undefined;
  try {
    if (tls) {
      // grpc-js listens on loopback only; the TLS listener is the public face.
      const innerPort = await bind(server, "127.0.0.1:0");
      proxy = startTlsProxy({
        hostname: host,
        port,
        ...tls,
        innerPort,
        onError: (m) => log.debug(`tls: ${m}`),
      });
      runtime.endpoint = `${host}:${proxy.port}`;
    } else {
      runtime.endpoint = `${host}:${await bind(server, `${host}:${port}`)}`;
    }
  } catch (err) {
    server.forceShutdown();
    await distribution?.stop();
    await opened.store.close();
    opened.release();
    const inUse = err instanceof AddressInUseError || err instanceof Deno.errors.AddrInUse;
    const notCapable = findNotCapable(err);
    if (notCapable) throw permissionError(notCapable);
    throw new StigmerError(
      inUse ? `${options.listen} is already in use` : `cannot listen on ${options.listen}: ${err}`,
    );
  }
  health.serving = true;
  // Tests and supervisors read this line to learn the port.
  log.info(`listening on ${tls ? "https" : "http"}://${runtime.endpoint}`);
  if (opened.exclusive) {
    // This process alone uses the store: whatever is unfinished was left by a dead one.
    const resumed = await executions.resumeUnfinished();
    if (resumed > 0) log.info(`${resumed} unfinished execution(s) resumed`);
  }

  const stopped = Promise.withResolvers<void>();
  const signals = ["SIGINT", "SIGTERM"] as const;
  const onSignal = () => stopped.resolve();
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  await stopped.promise;
  for (const s of signals) Deno.removeSignalListener(s, onSignal);

  log.info("shutting down");
  health.serving = false;
  proxy?.close();
  // With other servers on the database, this one's runs go on there (a rolling restart).
  await executions.stopAll("the server stopped", { handOver: distribution !== undefined });
  await distribution?.stop();
  await stopServer(server);
  await opened.store.close();
  opened.release();
  log.info("stopped");
}

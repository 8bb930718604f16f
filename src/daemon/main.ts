// The local daemon's life: take the lock, open the store, serve gRPC on
// loopback, announce itself in daemon.json, and leave cleanly on a signal, a
// Shutdown call or after the idle timeout.
import { lazyImport } from "../lazy_import.ts";
import * as grpc from "@grpc/grpc-js";
import { dataPaths } from "../config/paths.ts";
import { LOCAL_ORG } from "../config/backend_mode.ts";
import { ensurePrivateDir, writeFileAtomic } from "../secure_fs.ts";
import { acquireLock, removeDaemonInfo } from "../rpc/daemon_info.ts";
import { writeDaemonInfo } from "./write_daemon_info.ts";
import { newId } from "../model/ids.ts";
import { VERSION } from "../version.ts";
import { type DaemonArgs, DaemonArgsError, parseDaemonArgs } from "../rpc/daemon_args.ts";
import { DaemonExit } from "../rpc/daemon_exit.ts";
import { DaemonLog, type Level } from "./log.ts";
import { ActivityTracker, type Runtime } from "../server/runtime.ts";
import { localAuthenticator, newSecret } from "../server/auth.ts";
import { AddressInUseError, bind, SERVER_OPTIONS, stopServer } from "../server/listen.ts";
import { registerServices } from "../server/register.ts";
import { SqliteStore } from "../store/sqlite_store.ts";
import { describeLlm } from "../server/llm/describe.ts";
import type { LlmSettings } from "../model/llm.ts";
import { readDaemonEnvironment, readNamedVariable } from "../config/environment.ts";
import { parseDuration } from "../config/duration.ts";
import { McpProcessRecord } from "../mcp/process_record.ts";
import { SecretVault } from "../secrets/vault.ts";
import { SessionStore } from "../agents/sessions.ts";
import type { DaemonInfo } from "../rpc/daemon_info.ts";
import type { Viewer } from "../viewer/server.ts";

function splitHostPort(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(":");
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(listen.slice(at + 1)) };
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.stack ?? err.message : String(err);
}

/**
 * The LLM settings when a run starts: config.yaml as it is now (so
 * `stigmer config set backend.local.llm.*` needs no restart), else what the
 * daemon was started with. The network permission still covers only the hosts
 * allowed at start: another remote host needs \`stigmer server restart\`.
 */
/** STIGMER_AGENT_TOOL_TIMEOUT (e.g. "30s"): one tool call's limit; the default when unset or bad. */
function toolTimeout(log: { warn(message: string): void }): number | undefined {
  const text = readDaemonEnvironment().agentToolTimeout;
  if (text === undefined) return undefined;
  const ms = parseDuration(/^\d+$/.test(text) ? Number(text) : text);
  if (ms === undefined || ms <= 0) {
    log.warn(`STIGMER_AGENT_TOOL_TIMEOUT="${text}" is not a duration (like 30s or 2m): ignored`);
    return undefined;
  }
  return ms;
}

async function currentLlm(
  args: DaemonArgs,
  log: { warn(message: string): void },
): Promise<LlmSettings> {
  const started = {
    provider: args.llmProvider,
    model: args.llmModel,
    baseUrl: args.llmBaseUrl,
    apiKeyEnv: args.llmApiKeyEnv,
    apiKey: readNamedVariable(args.llmApiKeyEnv),
  };
  try {
    const { loadConfig } = await lazyImport<typeof import("../config/config.ts")>(
      "../config/config.ts",
      import.meta.url,
    );
    const { llm } = (await loadConfig(readDaemonEnvironment())).local;
    return {
      provider: llm.provider,
      model: llm.model,
      baseUrl: llm.baseUrl,
      apiKeyEnv: llm.apiKeyEnv,
      apiKeySecret: llm.apiKeySecret,
      apiKey: readNamedVariable(llm.apiKeyEnv),
    };
  } catch (err) {
    log.warn(
      `cannot read the LLM settings from config.yaml, using the daemon's: ${
        (err as Error).message
      }`,
    );
    return started;
  }
}

export async function runDaemon(argv: string[]): Promise<number> {
  let args: DaemonArgs;
  try {
    args = parseDaemonArgs(argv);
  } catch (err) {
    console.error(`stigmer daemon: ${(err as Error).message}`);
    return err instanceof DaemonArgsError ? err.exitCode : DaemonExit.USAGE;
  }
  const paths = dataPaths(args.dataDir);
  try {
    ensurePrivateDir(paths.dataDir);
    ensurePrivateDir(paths.logsDir);
  } catch {
    return DaemonExit.DATA_DIR;
  }
  // The lock first: it decides whether this process may touch anything else.
  let lock: Deno.FsFile | undefined;
  try {
    lock = await acquireLock(paths.daemonLock);
  } catch {
    return DaemonExit.DATA_DIR;
  }
  if (!lock) return DaemonExit.ALREADY_RUNNING;

  const log = DaemonLog.open(paths.daemonLog, (args.logLevel as Level) ?? "info");
  /** The log's last line, whatever the way out: people ask "why did it stop?". */
  const exited = (reason: string, code: number): number => {
    log.info(`daemon exited: ${reason} (exit code ${code})`);
    return code;
  };
  // Libraries that print go to the log, not to a closed terminal.
  console.log = console.info = (...a: unknown[]) => log.info(a.map(String).join(" "));
  console.warn = (...a: unknown[]) => log.warn(a.map(String).join(" "));
  console.error = (...a: unknown[]) => log.error(a.map(String).join(" "));
  // stderr is /dev/null: without these, a crash would leave no trace at all.
  globalThis.addEventListener("error", (event) => {
    log.error(`uncaught error, exiting: ${describeError(event.error)}`);
    // Deno exits with 1 after an uncaught error.
    exited("fatal error", DaemonExit.FAILED);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    // One stray promise must not take down every user's backend.
    event.preventDefault();
    log.error(`unhandled rejection (ignored): ${describeError(event.reason)}`);
  });

  const version = args.reportVersion ?? VERSION;
  const instanceId = newId("dmn");
  const startedAt = new Date();
  log.info(`stigmer daemon ${version} starting (pid ${Deno.pid}, instance ${instanceId})`);

  let store: SqliteStore;
  try {
    const secret = newSecret();
    writeFileAtomic(paths.daemonToken, secret);
    store = SqliteStore.open(paths.database);
    log.phase(`Store opened (${paths.database})`);
    log.phase(describeLlm(args));
    // Stdio MCP servers a SIGKILLed daemon left running (SPEC §10: no orphans).
    const mcpRecord = new McpProcessRecord(`${paths.dataDir}/mcp-processes.json`);
    const leftovers = await mcpRecord.stopLeftovers();
    if (leftovers > 0) log.warn(`stopped ${leftovers} MCP server(s) left by a previous daemon`);

    const activity = new ActivityTracker();
    const server = new grpc.Server(SERVER_OPTIONS);
    const health = { serving: false };
    let shuttingDown = false;
    const done = Promise.withResolvers<number>();
    const runtime: Runtime = {
      mode: "local",
      version,
      instanceId,
      pid: Deno.pid,
      dataDir: paths.dataDir,
      startedAt,
      endpoint: args.listen,
      logPath: paths.daemonLog,
      idleTimeoutMs: args.idleTimeoutMs,
      activity,
      runningExecutions: (orgs) => executions.running(orgs),
      backendRunningExecutions: async (orgs) =>
        (await store.listUnfinishedExecutions()).filter((e) => !orgs || orgs.includes(e.org))
          .length,
      requestShutdown: (reason) => void shutdown(reason),
    };
    const { executions, scheduler } = registerServices(server, {
      runtime,
      store,
      health,
      log,
      schedules: true,
      llm: () => currentLlm(args, log),
      authenticate: localAuthenticator(secret),
      agents: {
        mcpRecord,
        secrets: new SecretVault(paths.dataDir),
        sessions: new SessionStore(paths.dataDir),
        toolTimeoutMs: toolTimeout(log),
      },
    });

    // The run viewer (SPEC §12) loads only when `stigmer ui` first asks for it.
    let info: DaemonInfo | undefined;
    let viewer: Promise<Viewer> | undefined;
    runtime.openViewer = async () => {
      if (shuttingDown) throw new Error("the daemon is stopping");
      if (!viewer) {
        const starting = lazyImport<typeof import("../viewer/server.ts")>(
          "../viewer/server.ts",
          import.meta.url,
        ).then(async ({ startViewer }) => {
          const started = await startViewer({
            store,
            executions,
            org: LOCAL_ORG,
            activity,
            log,
          });
          log.info(`run viewer listening on 127.0.0.1:${started.port}`);
          if (info) writeDaemonInfo(paths.daemonInfo, info = { ...info, viewerPort: started.port });
          return started;
        });
        viewer = starting;
        starting.catch(() => viewer === starting && (viewer = undefined));
      }
      const started = await viewer;
      return { url: started.newLink(), port: started.port };
    };

    const shutdown = async (reason: string) => {
      if (shuttingDown) return;
      shuttingDown = true;
      health.serving = false;
      log.info(`shutting down: ${reason}`);
      clearInterval(idleTimer);
      scheduler?.stop();
      await viewer?.then((v) => v.close(), () => {});
      await executions.stopAll("the daemon stopped");
      await stopServer(server);
      removeDaemonInfo(paths.daemonInfo, instanceId);
      await store.close();
      exited(reason, DaemonExit.OK);
      log.close();
      lock!.unlockSync();
      lock!.close();
      done.resolve(DaemonExit.OK);
    };

    const { host } = splitHostPort(args.listen);
    let port: number;
    try {
      port = await bind(server, args.listen);
    } catch (err) {
      const why = err instanceof AddressInUseError
        ? err.message
        : `cannot listen on ${args.listen}: ${err}`;
      log.error(why);
      await store.close();
      return exited(
        `cannot listen: ${why}`,
        err instanceof AddressInUseError ? DaemonExit.ADDRESS_IN_USE : DaemonExit.FAILED,
      );
    }
    runtime.endpoint = `${host}:${port}`;
    // Before daemon.json appears: whoever reads it may signal at once (`server
    // stop` falls back to SIGTERM), and the daemon must still end cleanly. The
    // shutdown waits for the start-up below, so it never closes what is opening.
    const startedUp = Promise.withResolvers<void>();
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
      Deno.addSignalListener(signal, () => {
        void startedUp.promise.then(() => shutdown(`received ${signal}`));
      });
    }
    health.serving = true;
    writeDaemonInfo(
      paths.daemonInfo,
      info = {
        pid: Deno.pid,
        port,
        host,
        version,
        instanceId,
        startedAt: startedAt.toISOString(),
      },
    );
    log.info(`listening on ${host}:${port}`);
    await scheduler?.start([LOCAL_ORG]);
    // Runs a killed daemon left behind go on from their last checkpoint.
    const resumed = await executions.resumeUnfinished();
    if (resumed > 0) log.info(`${resumed} unfinished execution(s) resumed`);

    startedUp.resolve();
    // The idle check runs often enough to be on time, rarely enough to cost nothing.
    const idleCheckMs = Math.min(Math.max(args.idleTimeoutMs / 10, 200), 30_000);
    const idleTimer = setInterval(() => {
      if (args.idleTimeoutMs <= 0) return;
      if (
        executions.running() === 0 && activity.idleMs() >= args.idleTimeoutMs &&
        !scheduler?.dueWithin(args.idleTimeoutMs)
      ) {
        void shutdown(`idle for ${Math.round(activity.idleMs() / 1000)}s`);
      }
    }, idleCheckMs);
    return await done.promise;
  } catch (err) {
    // The message last: the CLI shows the log's last lines, the stack must not push it out.
    const frames = err instanceof Error ? err.stack?.split("\n").slice(1).join("\n") : undefined;
    if (frames) log.info(`the failure below happened at:\n${frames}`);
    log.error(`failed to start: ${err instanceof Error ? err.message : err}`);
    exited("failed to start", DaemonExit.FAILED);
    log.close();
    return DaemonExit.FAILED;
  }
}

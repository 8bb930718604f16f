// DaemonService: who is serving (Hello), how it is doing (Status), and a
// polite way to stop it (Shutdown).
import type { DaemonServiceDefinition } from "../../rpc/gen/stigmer/v1/daemon.ts";
import type { Handlers, Principal } from "../grpc_adapter.ts";
import type { Runtime } from "../runtime.ts";
import { GrpcError, Status } from "../../rpc/status.ts";

/**
 * What Hello and Status both tell of the serving process. A tenant sees no pid or data dir and
 * counts only its own organizations' executions; an admin sees all.
 */
function identity(runtime: Runtime, principal: Principal) {
  return {
    version: runtime.version,
    instanceId: runtime.instanceId,
    pid: principal.admin ? runtime.pid : 0,
    dataDir: principal.admin ? runtime.dataDir : "",
    startedAt: runtime.startedAt.toISOString(),
    runningExecutions: principal.admin
      ? runtime.runningExecutions()
      : runtime.runningExecutions(principal.orgs),
  };
}

export function daemonHandlers(runtime: Runtime): Handlers<typeof DaemonServiceDefinition> {
  return {
    hello: (_request, ctx) => ({
      ...identity(runtime, ctx.principal),
      mode: runtime.mode,
      orgs: [...ctx.principal.orgs],
    }),
    status: async (_request, ctx) => {
      const admin = ctx.principal.admin;
      return {
        ...identity(runtime, ctx.principal),
        uptimeSeconds: (Date.now() - runtime.startedAt.getTime()) / 1000,
        endpoint: runtime.endpoint,
        logPath: admin ? runtime.logPath : "",
        idleTimeoutSeconds: runtime.idleTimeoutMs / 1000,
        // Idle time and memory are the whole server's: they would tell of other tenants.
        idleSeconds: admin ? runtime.activity.idleMsBeforeThisCall() / 1000 : 0,
        rssBytes: admin ? Deno.memoryUsage().rss : 0,
        // In the whole backend: every tenant's for an admin (and the local daemon), else its own.
        backendRunningExecutions: await runtime.backendRunningExecutions(
          admin ? undefined : ctx.principal.orgs,
        ),
      };
    },
    shutdown: (request) => {
      if (runtime.mode !== "local") {
        throw new GrpcError(
          Status.PERMISSION_DENIED,
          "a shared server is not stopped over the API",
        );
      }
      // Answer first, then stop: the caller waits for the lock to be released.
      const reason = request.reason
        ? `shutdown requested: ${request.reason}`
        : "shutdown requested";
      setTimeout(() => runtime.requestShutdown(reason), 0);
      return {};
    },
    openViewer: async () => {
      if (!runtime.openViewer) {
        throw new GrpcError(
          Status.UNIMPLEMENTED,
          "the run viewer is served by the local daemon only",
        );
      }
      return await runtime.openViewer();
    },
  };
}

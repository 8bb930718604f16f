// DaemonService: who is serving (Hello), how it is doing (Status), and a
// polite way to stop it (Shutdown).
import type { DaemonServiceDefinition } from "../../rpc/gen/stigmer/v1/daemon.ts";
import type { Handlers } from "../grpc_adapter.ts";
import type { Runtime } from "../runtime.ts";
import { GrpcError, Status } from "../../rpc/status.ts";

export function daemonHandlers(runtime: Runtime): Handlers<typeof DaemonServiceDefinition> {
  return {
    hello: (_request, ctx) => ({
      version: runtime.version,
      instanceId: runtime.instanceId,
      pid: runtime.pid,
      dataDir: runtime.dataDir,
      startedAt: runtime.startedAt.toISOString(),
      mode: runtime.mode,
      runningExecutions: runtime.runningExecutions(),
      orgs: [...ctx.principal.orgs],
    }),
    status: async () => ({
      version: runtime.version,
      instanceId: runtime.instanceId,
      pid: runtime.pid,
      dataDir: runtime.dataDir,
      startedAt: runtime.startedAt.toISOString(),
      uptimeSeconds: (Date.now() - runtime.startedAt.getTime()) / 1000,
      endpoint: runtime.endpoint,
      runningExecutions: runtime.runningExecutions(),
      logPath: runtime.logPath,
      idleTimeoutSeconds: runtime.idleTimeoutMs / 1000,
      idleSeconds: runtime.activity.idleMsBeforeThisCall() / 1000,
      rssBytes: Deno.memoryUsage().rss,
      backendRunningExecutions: await runtime.backendRunningExecutions(),
    }),
    shutdown: (request) => {
      if (runtime.mode !== "local") {
        throw new GrpcError(
          Status.PERMISSION_DENIED,
          "a shared server is not stopped over the API",
        );
      }
      // Answer first, then stop: the caller waits for the lock to be released.
      setTimeout(() => runtime.requestShutdown(request.reason || "shutdown requested"), 0);
      return {};
    },
  };
}

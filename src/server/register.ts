// Every service is registered before the server listens (the original
// Stigmer daemon crashed on "RegisterService after Serve").
import type * as grpc from "@grpc/grpc-js";
import { HealthDefinition } from "../rpc/gen/grpc/health/v1/health.ts";
import { DaemonServiceDefinition } from "../rpc/gen/stigmer/v1/daemon.ts";
import { ResourceServiceDefinition } from "../rpc/gen/stigmer/v1/resource.ts";
import { ExecutionServiceDefinition } from "../rpc/gen/stigmer/v1/execution.ts";
import { addService, type Principal, type ServerHooks } from "./grpc_adapter.ts";
import { healthHandlers } from "./services/health.ts";
import { daemonHandlers } from "./services/daemon.ts";
import { resourceHandlers } from "./services/resource.ts";
import { executionHandlers } from "./services/execution.ts";
import { ExecutionManager } from "./executions/manager.ts";
import type { LlmSettings } from "./llm/chat.ts";
import type { Runtime } from "./runtime.ts";
import type { ResourceStore } from "../store/store.ts";
import type { Log } from "./log.ts";

export interface ServiceParts {
  runtime: Runtime;
  store: ResourceStore;
  health: { serving: boolean };
  log: Pick<Log, "error" | "debug">;
  llm: LlmSettings;
  authenticate(authorization: string | undefined, method: string): Principal;
}

export function registerServices(
  server: grpc.Server,
  parts: ServiceParts,
): { executions: ExecutionManager } {
  const hooks: ServerHooks = {
    authenticate: parts.authenticate,
    callStarted: (method) => {
      parts.runtime.activity.started();
      parts.log.debug(`call ${method}`);
    },
    callEnded: () => parts.runtime.activity.ended(),
    logError: (method, err) =>
      parts.log.error(`${method} failed: ${err instanceof Error ? err.stack ?? err.message : err}`),
  };
  addService(server, HealthDefinition, healthHandlers(parts.health), hooks);
  addService(server, DaemonServiceDefinition, daemonHandlers(parts.runtime), hooks);
  addService(server, ResourceServiceDefinition, resourceHandlers(parts.store), hooks);
  const executions = new ExecutionManager(
    parts.store,
    parts.llm,
    parts.log,
    parts.runtime.instanceId,
  );
  addService(server, ExecutionServiceDefinition, executionHandlers(parts.store, executions), hooks);
  return { executions };
}

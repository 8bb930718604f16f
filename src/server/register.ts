// Every service is registered before the server listens (the original
// Stigmer daemon crashed on "RegisterService after Serve").
import { lazyImport } from "../lazy_import.ts";
import type * as grpc from "@grpc/grpc-js";
import { HealthDefinition } from "../rpc/gen/grpc/health/v1/health.ts";
import { DaemonServiceDefinition } from "../rpc/gen/stigmer/v1/daemon.ts";
import { ResourceServiceDefinition } from "../rpc/gen/stigmer/v1/resource.ts";
import { ExecutionServiceDefinition } from "../rpc/gen/stigmer/v1/execution.ts";
import { EventServiceDefinition } from "../rpc/gen/stigmer/v1/event.ts";
import { SecretServiceDefinition } from "../rpc/gen/stigmer/v1/secret.ts";
import { secretHandlers, type SecretKeeper } from "./services/secret.ts";
import { SessionServiceDefinition } from "../rpc/gen/stigmer/v1/session.ts";
import { sessionHandlers } from "./services/session.ts";
import { addService, type Principal, type ServerHooks } from "./grpc_adapter.ts";
import { healthHandlers } from "./services/health.ts";
import { daemonHandlers } from "./services/daemon.ts";
import { lazyHandlers } from "./lazy_handlers.ts";
import { executionHandlers } from "./services/execution.ts";
import { type AgentParts, ExecutionManager } from "./executions/manager.ts";
import type { LlmSource } from "../model/llm.ts";
import { eventHandlers } from "./services/event.ts";
import { EventBus } from "./executions/event_bus.ts";
import { Scheduler } from "./executions/scheduler.ts";
import type { Runtime } from "./runtime.ts";
import type { ResourceStore } from "../store/store.ts";
import type { Log } from "./log.ts";

export interface ServiceParts {
  runtime: Runtime;
  store: ResourceStore;
  health: { serving: boolean };
  log: Pick<Log, "error" | "debug" | "info">;
  llm: LlmSource;
  /** MCP process record, secrets, sessions, whether stdio MCP servers may start. */
  agents?: AgentParts;
  /** The vault behind SecretService (SPEC §11); without it the service is not offered. */
  secretVault?: SecretKeeper;
  /** Start scheduled workflows (the local daemon; a shared server does not). */
  schedules?: boolean;
  authenticate(authorization: string | undefined, method: string): Principal;
  /** run: shell|script|container; default allowed (the local daemon). */
  localProcesses?: { allowed: boolean; refusal?: string };
}

export function registerServices(
  server: grpc.Server,
  parts: ServiceParts,
): { executions: ExecutionManager; bus: EventBus; scheduler?: Scheduler } {
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
  const bus = new EventBus(parts.log);
  const executions = new ExecutionManager({
    store: parts.store,
    llm: parts.llm,
    log: parts.log,
    agents: parts.agents,
    bus,
    localProcesses: parts.localProcesses,
    runner: parts.runtime.instanceId,
  });
  const scheduler = parts.schedules
    ? new Scheduler(parts.store, executions, bus, parts.log)
    : undefined;
  addService(
    server,
    ResourceServiceDefinition,
    lazyHandlers(
      ResourceServiceDefinition,
      async () =>
        (await lazyImport<typeof import("./services/resource.ts")>(
          "./services/resource.ts",
          import.meta.url,
        )).resourceHandlers(
          parts.store,
          scheduler
            ? {
              changed: (org) =>
                scheduler.reload(org).catch((err) =>
                  parts.log.error(`reloading the schedules of ${org} failed: ${err}`)
                ),
              status: (org, resource) => {
                if (resource.kind !== "Workflow") return undefined;
                const next = scheduler.nextStart(org, resource.metadata.id);
                return next ? { nextStart: next } : undefined;
              },
            }
            : {},
        ),
    ),
    hooks,
  );
  addService(server, ExecutionServiceDefinition, executionHandlers(parts.store, executions), hooks);
  addService(server, EventServiceDefinition, eventHandlers(bus), hooks);
  if (parts.secretVault) {
    addService(server, SecretServiceDefinition, secretHandlers(parts.secretVault), hooks);
  }
  if (parts.agents?.sessions) {
    addService(server, SessionServiceDefinition, sessionHandlers(parts.agents.sessions), hooks);
  }
  return { executions, bus, scheduler };
}

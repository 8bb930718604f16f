// ExecutionService: start, inspect, follow and cancel runs in the manager.
import type { ExecutionServiceDefinition } from "../../rpc/gen/stigmer/v1/execution.ts";
import type { Handlers } from "../grpc_adapter.ts";
import type { ResourceStore } from "../../store/store.ts";
import type { ExecutionManager } from "../executions/manager.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import { eventToWire, executionToWire } from "../convert.ts";
import { requireOrg } from "./org_access.ts";
import { formatBytes, MAX_EXECUTION_INPUT_BYTES, utf8Length } from "../../model/limits.ts";

function parseInput(json: string): Record<string, unknown> {
  if (!json) return {};
  const bytes = utf8Length(json);
  if (bytes > MAX_EXECUTION_INPUT_BYTES) {
    throw new GrpcError(
      Status.INVALID_ARGUMENT,
      `the input is ${formatBytes(bytes)}; an execution's input may be at most ${
        formatBytes(MAX_EXECUTION_INPUT_BYTES)
      }`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new GrpcError(Status.INVALID_ARGUMENT, "input is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GrpcError(Status.INVALID_ARGUMENT, "input must be a JSON object");
  }
  return value as Record<string, unknown>;
}

export function executionHandlers(
  store: ResourceStore,
  manager: ExecutionManager,
): Handlers<typeof ExecutionServiceDefinition> {
  return {
    start: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const kind = request.targetKind;
      if (kind !== "" && kind !== "Workflow" && kind !== "Agent") {
        throw new GrpcError(
          Status.INVALID_ARGUMENT,
          `target kind must be Workflow or Agent, not ${kind}`,
        );
      }
      const execution = await manager.start({
        org,
        target: request.target,
        targetKind: kind,
        input: parseInput(request.inputJson),
        message: request.message,
        session: request.session,
      });
      return executionToWire(execution);
    },
    get: async (request, ctx) =>
      executionToWire(await manager.get(requireOrg(ctx.principal, request.org), request.id)),
    list: async (request, ctx) => {
      const page = await store.listExecutions(requireOrg(ctx.principal, request.org), {
        pageSize: request.pageSize || undefined,
        pageToken: request.pageToken || undefined,
      });
      return { items: page.items.map(executionToWire), nextPageToken: page.nextPageToken };
    },
    watch: async (request, ctx, send) => {
      const org = requireOrg(ctx.principal, request.org);
      await manager.watch(
        org,
        request.id,
        request.afterSeq,
        (event) => send(eventToWire(event)),
        ctx.signal,
      );
    },
    cancel: async (request, ctx) =>
      executionToWire(await manager.cancel(requireOrg(ctx.principal, request.org), request.id)),
  };
}

// Between the model and the wire: free-form documents travel as JSON text.
import type { Resource as WireResource } from "../rpc/gen/stigmer/v1/resource.ts";
import type {
  Execution as WireExecution,
  ExecutionEvent as WireEvent,
} from "../rpc/gen/stigmer/v1/execution.ts";
import type { Resource } from "../model/resource.ts";
import type { Execution, ExecutionEvent } from "../model/execution.ts";

export function resourceToWire(resource: Resource): WireResource {
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: { ...resource.metadata },
    specJson: JSON.stringify(resource.spec),
    statusJson: JSON.stringify(resource.status ?? {}),
  };
}

export function executionToWire(execution: Execution): WireExecution {
  return {
    ...execution,
    inputJson: JSON.stringify(execution.input ?? {}),
    outputJson: execution.output === undefined ? "" : JSON.stringify(execution.output),
  };
}

export function eventToWire(event: ExecutionEvent): WireEvent {
  return {
    executionId: event.executionId,
    seq: event.seq,
    type: event.type,
    task: event.task,
    message: event.message,
    dataJson: event.data === undefined || event.data === null ? "" : JSON.stringify(event.data),
    time: event.time,
  };
}

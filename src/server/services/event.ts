// EventService: publishes a CloudEvent from outside a workflow (`stigmer events emit`) on
// the bus, to the listening runs and event-driven schedules of the caller's organization.
import type { EventServiceDefinition } from "../../rpc/gen/stigmer/v1/event.ts";
import type { CloudEvent } from "../../engine/mod.ts";
import type { Handlers } from "../grpc_adapter.ts";
import type { EventBus } from "../executions/event_bus.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import { requireOrg } from "./org_access.ts";

export function eventHandlers(bus: EventBus): Handlers<typeof EventServiceDefinition> {
  return {
    emit: (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      if (!request.type) throw new GrpcError(Status.INVALID_ARGUMENT, "the event needs a type");
      if (!request.source) {
        throw new GrpcError(Status.INVALID_ARGUMENT, "the event needs a source");
      }
      const event: CloudEvent = {
        specversion: "1.0",
        id: request.id || crypto.randomUUID(),
        source: request.source,
        type: request.type,
        time: new Date().toISOString(),
        datacontenttype: "application/json",
      };
      if (request.subject) event.subject = request.subject;
      if (request.dataJson) {
        try {
          event.data = JSON.parse(request.dataJson);
        } catch {
          throw new GrpcError(Status.INVALID_ARGUMENT, "the event's data is not valid JSON");
        }
      }
      const delivered = bus.publish(org, event);
      return { eventJson: JSON.stringify(event), delivered };
    },
  };
}

// grpc.health.v1.Health: SERVING once every service is registered and the
// store is open; NOT_SERVING while shutting down.
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthDefinition,
} from "../../rpc/gen/grpc/health/v1/health.ts";
import type { Handlers } from "../grpc_adapter.ts";
import { GrpcError, Status } from "../../rpc/status.ts";

export function healthHandlers(state: { serving: boolean }): Handlers<typeof HealthDefinition> {
  const status = () => ({
    status: state.serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING,
  });
  return {
    check: (request) => {
      if (request.service !== "" && !request.service.startsWith("stigmer.v1.")) {
        throw new GrpcError(Status.NOT_FOUND, `unknown service ${request.service}`);
      }
      return status();
    },
    watch: async (_request, ctx, send) => {
      // One answer, then hold the stream until the client leaves.
      await send(status());
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    },
  };
}

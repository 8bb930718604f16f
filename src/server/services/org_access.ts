// Every request names its organization; the caller's token decides if it may.
import { GrpcError, Status } from "../../rpc/status.ts";
import type { Principal } from "../grpc_adapter.ts";

export function requireOrg(principal: Principal, org: string): string {
  if (!org) throw new GrpcError(Status.INVALID_ARGUMENT, "organization is required");
  if (!principal.orgs.includes("*") && !principal.orgs.includes(org)) {
    throw new GrpcError(
      Status.PERMISSION_DENIED,
      `token "${principal.name}" may not use organization "${org}" (allowed: ${
        principal.orgs.join(", ")
      })`,
    );
  }
  return org;
}

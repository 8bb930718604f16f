// SecretService (SPEC §11): a value is received once and kept encrypted; it is
// never returned, logged or put in an error. Every call names its organization,
// and the caller's token decides if it may (requireOrg).
import type { SecretServiceDefinition } from "../../rpc/gen/stigmer/v1/secret.ts";
import type { Handlers } from "../grpc_adapter.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import { SECRET_NAME } from "../../secrets/vault.ts";
import { requireOrg } from "./org_access.ts";

function checkName(name: string): string {
  if (!SECRET_NAME.test(name)) {
    throw new GrpcError(
      Status.INVALID_ARGUMENT,
      `invalid secret name "${name}": use letters, digits, -, _ and . (at most 100), starting with a letter or digit`,
    );
  }
  return name;
}

/** Where SecretService keeps values: the shared server's store, encrypted (store_vault.ts). */
export interface SecretKeeper {
  set(org: string, name: string, value: string): Promise<"created" | "updated">;
  list(
    org: string,
  ):
    | Promise<{ name: string; createdAt: string; updatedAt: string }[]>
    | { name: string; createdAt: string; updatedAt: string }[];
  delete(org: string, name: string): Promise<boolean> | boolean;
}

export function secretHandlers(vault: SecretKeeper): Handlers<typeof SecretServiceDefinition> {
  return {
    setSecret: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const name = checkName(request.name);
      if (request.value === "") {
        throw new GrpcError(Status.INVALID_ARGUMENT, `the value of secret ${name} is empty`);
      }
      return { outcome: await vault.set(org, name, request.value) };
    },
    listSecrets: async (request, ctx) => ({
      secrets: await vault.list(requireOrg(ctx.principal, request.org)),
    }),
    deleteSecret: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const name = checkName(request.name);
      if (!await vault.delete(org, name)) {
        throw new GrpcError(
          Status.NOT_FOUND,
          `secret ${name} not found in organization ${org}; see the names with: stigmer secret list`,
        );
      }
      return {};
    },
  };
}

// SecretService (SPEC §11): a value is received once and kept encrypted; it is
// never returned, logged or put in an error. Every call names its organization,
// and the caller's token decides if it may (requireOrg).
import type { SecretServiceDefinition } from "../../rpc/gen/stigmer/v1/secret.ts";
import type { Handlers } from "../grpc_adapter.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import { SECRET_NAME, type SecretVault } from "../../secrets/vault.ts";
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

export function secretHandlers(vault: SecretVault): Handlers<typeof SecretServiceDefinition> {
  return {
    setSecret: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const name = checkName(request.name);
      if (request.value === "") {
        throw new GrpcError(Status.INVALID_ARGUMENT, `the value of secret ${name} is empty`);
      }
      return { outcome: await vault.set(org, name, request.value) };
    },
    listSecrets: (request, ctx) => ({
      secrets: vault.list(requireOrg(ctx.principal, request.org)),
    }),
    deleteSecret: (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const name = checkName(request.name);
      if (!vault.delete(org, name)) {
        throw new GrpcError(
          Status.NOT_FOUND,
          `secret ${name} not found in organization ${org}; see the names with: stigmer secret list`,
        );
      }
      return {};
    },
  };
}

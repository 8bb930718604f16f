// SessionService (SPEC §10): the agent sessions of an organization, kept by the
// backend that runs them. Every call names its organization (requireOrg).
import type { SessionServiceDefinition } from "../../rpc/gen/stigmer/v1/session.ts";
import type { Handlers } from "../grpc_adapter.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import { type SessionKeeper, sessionNameProblem } from "../../agents/sessions.ts";
import { requireOrg } from "./org_access.ts";

function checkName(name: string): string {
  const problem = sessionNameProblem(name);
  if (problem) throw new GrpcError(Status.INVALID_ARGUMENT, problem);
  return name;
}

const notFound = (name: string, org: string) =>
  new GrpcError(
    Status.NOT_FOUND,
    `session ${name} not found in organization ${org}; see the names with: stigmer sessions list`,
  );

export function sessionHandlers(
  sessions: SessionKeeper,
): Handlers<typeof SessionServiceDefinition> {
  return {
    listSessions: async (request, ctx) => ({
      sessions: await sessions.list(requireOrg(ctx.principal, request.org)),
    }),
    getSession: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const session = await sessions.get(org, checkName(request.name));
      if (!session) throw notFound(request.name, org);
      return { sessionJson: JSON.stringify(session) };
    },
    deleteSession: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      if (!await sessions.delete(org, checkName(request.name))) throw notFound(request.name, org);
      return {};
    },
  };
}

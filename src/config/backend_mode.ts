// Which backend a command talks to, and as which organization (SPEC §4).
// A pure function so every source and precedence can be tested as a table.
import { BACKEND_TYPES } from "./defaults.ts";
import { UsageError } from "../errors.ts";

export const LOCAL_ORG = "local";

export const ORG_NOT_SET_MESSAGE = "organization not set for cloud mode. Specify --org, " +
  "set organization in Stigmer.yaml, or run: stigmer context set --org <org>";

export interface BackendInputs {
  /** From STIGMER_BACKEND or config.yaml, unchecked. */
  backendType: string;
  /** Where backendType came from, for the error message. */
  backendTypeSource?: string;
  flagOrg?: string;
  envOrg?: string;
  projectOrg?: string;
  contextOrg?: string;
  cloudOrgId?: string;
  localEndpoint: string;
  cloudEndpoint: string;
}

export type BackendSelection =
  | { type: "local"; endpoint: string; org: typeof LOCAL_ORG; ignoredOrg?: string }
  | { type: "cloud"; endpoint: string; org: string; orgSource: string };

export function checkBackendType(type: string, source = "config"): "local" | "cloud" {
  if ((BACKEND_TYPES as readonly string[]).includes(type)) return type as "local" | "cloud";
  throw new UsageError(
    `unknown backend type "${type}" (from ${source}): expected one of ${BACKEND_TYPES.join(", ")}`,
    { hint: "run: stigmer backend use local   (or: stigmer login, for cloud)" },
  );
}

export function resolveBackend(inputs: BackendInputs): BackendSelection {
  const type = checkBackendType(inputs.backendType, inputs.backendTypeSource);
  if (type === "local") {
    // Local mode is one person's machine: the organization is always "local".
    const ignoredOrg = inputs.flagOrg || undefined;
    return { type, endpoint: inputs.localEndpoint, org: LOCAL_ORG, ignoredOrg };
  }
  const found = findCloudOrganization(inputs);
  if (!found) throw new UsageError(ORG_NOT_SET_MESSAGE);
  return { type, endpoint: inputs.cloudEndpoint, org: found.org, orgSource: found.source };
}

export type OrganizationSources = Pick<
  BackendInputs,
  "flagOrg" | "envOrg" | "projectOrg" | "contextOrg" | "cloudOrgId"
>;

/** The cloud organization by SPEC §4's precedence, and where it came from. */
export function findCloudOrganization(
  inputs: OrganizationSources,
): { org: string; source: string } | undefined {
  const sources: [string | undefined, string][] = [
    [inputs.flagOrg, "--org"],
    [inputs.envOrg, "STIGMER_ORG"],
    [inputs.projectOrg, "Stigmer.yaml"],
    [inputs.contextOrg, "context.organization"],
    [inputs.cloudOrgId, "backend.cloud.org_id"],
  ];
  const found = sources.find(([value]) => value !== undefined && value.trim() !== "");
  return found ? { org: found[0]!.trim(), source: found[1] } : undefined;
}

export function describeBackend(selection: BackendSelection): string {
  return selection.type === "local"
    ? `Using local backend (organization: ${selection.org})`
    : `Using cloud backend ${selection.endpoint} (organization: ${selection.org})`;
}

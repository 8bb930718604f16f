import { loadConfig } from "../../../config/config.ts";
import { readEnvironment } from "../../../config/environment.ts";
import { writeOut } from "../../output.ts";

export async function show(): Promise<void> {
  const env = readEnvironment();
  const config = await loadConfig(env);
  const cloud = env.org
    ? `${env.org} (STIGMER_ORG)`
    : config.contextOrganization
    ? `${config.contextOrganization} (context.organization)`
    : config.cloud.orgId
    ? `${config.cloud.orgId} (backend.cloud.org_id)`
    : "(not set)";
  writeOut(`Backend:              ${config.backendType}`);
  writeOut(`Local organization:   local (always)`);
  writeOut(`Cloud organization:   ${cloud}`);
}

import { loadConfig } from "../../../config/config.ts";
import { readEnvironment } from "../../../config/environment.ts";
import { checkBackendType, findCloudOrganization } from "../../../config/backend_mode.ts";
import { projectOrganization } from "../../backend.ts";
import { warn, writeOut } from "../../output.ts";

export async function show(): Promise<void> {
  const env = readEnvironment();
  const config = await loadConfig(env);
  for (const w of config.warnings) warn(w);
  // The same error as every other command for a bad STIGMER_BACKEND.
  const backend = checkBackendType(
    config.backendType,
    env.backend ? "STIGMER_BACKEND" : config.configPath,
  );
  const found = findCloudOrganization({
    envOrg: env.org,
    projectOrg: await projectOrganization(),
    contextOrg: config.contextOrganization,
    cloudOrgId: config.cloud.orgId,
  });
  const cloud = found ? `${found.org} (${found.source})` : "(not set)";
  writeOut(`Backend:              ${backend}`);
  writeOut(`Local organization:   local (always)`);
  writeOut(`Cloud organization:   ${cloud}`);
}

import { loadConfig } from "../../../config/config.ts";
import { readEnvironment } from "../../../config/environment.ts";
import { readCredentials } from "../../../config/credentials.ts";
import {
  checkBackendType,
  findCloudOrganization,
  LOCAL_ORG,
} from "../../../config/backend_mode.ts";
import { projectOrganization } from "../../backend.ts";
import { printJson, warn, writeOut } from "../../output.ts";

export async function status(opts: { json?: boolean }): Promise<void> {
  const env = readEnvironment();
  const config = await loadConfig(env);
  for (const w of config.warnings) warn(w);
  const mode = checkBackendType(
    config.backendType,
    env.backend ? "STIGMER_BACKEND" : config.configPath,
  );
  const creds = await readCredentials(env);
  for (const w of creds.warnings) warn(w);
  const cloudOrg = mode === "cloud"
    ? findCloudOrganization({
      envOrg: env.org,
      projectOrg: await projectOrganization(),
      contextOrg: config.contextOrganization,
      cloudOrgId: config.cloud.orgId,
    })?.org
    : undefined;
  const report = mode === "local"
    ? {
      mode,
      endpoint: config.local.endpoint,
      organization: LOCAL_ORG,
      dataDir: config.local.dataDir,
    }
    : {
      mode,
      endpoint: creds.credentials?.endpoint || config.cloud.endpoint,
      organization: cloudOrg || "",
      loggedIn: creds.credentials !== undefined,
      credentials: creds.source ?? "",
    };
  if (opts.json) return printJson(report);
  writeOut(`Mode:          ${report.mode}`);
  writeOut(`Endpoint:      ${report.endpoint}`);
  writeOut(
    `Organization:  ${
      report.organization || "(not set: use --org or stigmer context set --org <org>)"
    }`,
  );
  if ("dataDir" in report) writeOut(`Data dir:      ${report.dataDir}`);
  if ("loggedIn" in report) {
    writeOut(
      `Logged in:     ${
        report.loggedIn ? `yes (${report.credentials})` : "no (run: stigmer login)"
      }`,
    );
  }
}

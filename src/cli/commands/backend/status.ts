import { lazyImport } from "../../../lazy_import.ts";
import { loadConfig } from "../../../config/config.ts";
import { readEnvironment } from "../../../config/environment.ts";
import { readCredentials } from "../../../config/credentials.ts";
import { dataPaths } from "../../../config/paths.ts";
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
  const daemon = await localDaemonState(config.local.dataDir);
  if (opts.json) return printJson({ ...report, daemon });
  writeOut(`Mode:          ${report.mode}`);
  writeOut(`Endpoint:      ${report.endpoint}`);
  writeOut(
    `Organization:  ${
      report.organization || "(not set: use --org or stigmer context set --org <org>)"
    }`,
  );
  if ("dataDir" in report) writeOut(`Data dir:      ${report.dataDir}`);
  writeOut(`Local daemon:  ${describeDaemon(daemon, mode === "local")}`);
  if ("loggedIn" in report) {
    writeOut(
      `Logged in:     ${
        report.loggedIn ? `yes (${report.credentials})` : "no (run: stigmer login)"
      }`,
    );
  }
}

interface DaemonState {
  state: "running" | "stopped" | "unresponsive";
  pid?: number;
  endpoint?: string;
  reason?: string;
}

/** Whether the local daemon runs: the lock says so without a call; a call proves it answers. */
async function localDaemonState(dataDir: string): Promise<DaemonState> {
  const { probe, endpointOf } = await lazyImport<typeof import("../../../client/daemon/probe.ts")>(
    "../../../client/daemon/probe.ts",
    import.meta.url,
  );
  const result = await probe(dataPaths(dataDir));
  if (result.state === "running") {
    result.daemon.channel.close();
    return {
      state: "running",
      pid: result.daemon.info.pid,
      endpoint: endpointOf(result.daemon.info),
    };
  }
  if (result.state === "stopped") return { state: "stopped" };
  return { state: "unresponsive", pid: result.info?.pid, reason: result.reason };
}

function describeDaemon(d: DaemonState, localMode: boolean): string {
  if (d.state === "running") return `running (pid ${d.pid}, ${d.endpoint})`;
  if (d.state === "stopped") {
    return localMode ? "not running (the next command that needs it starts it)" : "not running";
  }
  return `not answering${d.pid ? ` (pid ${d.pid})` : ""}: ${d.reason}; see: stigmer server status`;
}

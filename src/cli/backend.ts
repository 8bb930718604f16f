// Connects a command to its backend: the local daemon (auto-started) or the
// cloud endpoint from `stigmer login`, as the organization SPEC §4 resolves.
import { lazyImport } from "../lazy_import.ts";
import { loadConfig, type StigmerConfig } from "../config/config.ts";
import { readEnvironment } from "../config/environment.ts";
import { type BackendSelection, describeBackend, resolveBackend } from "../config/backend_mode.ts";
import type { Channel } from "../client/grpc_fetch.ts";
import { tightenHomeModes } from "../config/home_modes.ts";
import { info, warn } from "./output.ts";

export interface BackendOptions {
  org?: string;
  /** --no-auto-start sets this to false. */
  autoStart?: boolean;
  projectOrg?: string;
  /** Print "Using … backend" (commands with data on stdout still print it: stderr). */
  quiet?: boolean;
}

export interface Backend {
  channel: Channel;
  selection: BackendSelection;
  config: StigmerConfig;
}

/** Cloud mode inside a project: the organization Stigmer.yaml names (SPEC §4). */
export async function projectOrganization(): Promise<string | undefined> {
  const { findProjectFile, readProjectFile } = await lazyImport<
    typeof import("../project/project.ts")
  >("../project/project.ts", import.meta.url);
  const path = await findProjectFile(Deno.cwd());
  return path ? (await readProjectFile(path)).organization || undefined : undefined;
}

export async function resolveSelection(
  opts: BackendOptions,
): Promise<{ config: StigmerConfig; selection: BackendSelection }> {
  const env = readEnvironment();
  const config = await loadConfig(env);
  for (const w of config.warnings) warn(w);
  const tightened = tightenHomeModes(config.home, config.local.dataDir);
  if (tightened) warn(tightened);
  const cloud = (env.backend ?? config.backendType) === "cloud";
  if (cloud && opts.projectOrg === undefined && !opts.org && !env.org) {
    opts = { ...opts, projectOrg: await projectOrganization() };
  }
  const selection = resolveBackend({
    backendType: config.backendType,
    backendTypeSource: env.backend ? "STIGMER_BACKEND" : config.configPath,
    flagOrg: opts.org,
    envOrg: env.org,
    projectOrg: opts.projectOrg,
    contextOrg: config.contextOrganization,
    cloudOrgId: config.cloud.orgId,
    localEndpoint: config.local.endpoint,
    cloudEndpoint: config.cloud.endpoint,
  });
  return { config, selection };
}

export async function connectBackend(opts: BackendOptions): Promise<Backend> {
  const env = readEnvironment();
  const { config, selection } = await resolveSelection(opts);
  if (!opts.quiet) info(describeBackend(selection));
  if (selection.type === "local") {
    if (selection.ignoredOrg) warn(`--org ${selection.ignoredOrg} is ignored in local mode`);
    const [{ ensureRunning }, { cliProgress }] = await Promise.all([
      lazyImport<typeof import("../client/daemon/ensure_running.ts")>(
        "../client/daemon/ensure_running.ts",
        import.meta.url,
      ),
      lazyImport<typeof import("./progress.ts")>("./progress.ts", import.meta.url),
    ]);
    const daemon = await ensureRunning(config.local, {
      autoStart: opts.autoStart !== false && !env.noAutoStart,
      progress: await cliProgress(),
    });
    return { channel: daemon.channel, selection, config };
  }
  const { connectCloud } = await lazyImport<typeof import("../client/cloud.ts")>(
    "../client/cloud.ts",
    import.meta.url,
  );
  return { channel: await connectCloud(config, env, selection, warn), selection, config };
}

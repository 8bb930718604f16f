// The effective value of every setting and where it came from, for
// `stigmer config get|list`.
import type { StigmerConfig } from "./config.ts";
import type { Environment } from "./environment.ts";
import { formatDuration } from "./duration.ts";

export type SettingSource = "default" | "config" | "environment";

export interface Setting {
  key: string;
  value: string | boolean;
  source: SettingSource;
}

function has(data: unknown, keys: string[]): boolean {
  let node = data;
  for (const key of keys) {
    if (typeof node !== "object" || node === null || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return node !== undefined && node !== null;
}

export function effectiveSettings(
  config: StigmerConfig,
  fileData: unknown,
  env: Environment,
): Setting[] {
  const envKeys: Record<string, string | undefined> = {
    "backend.type": env.backend,
    "backend.local.llm.provider": env.llmProvider,
    "backend.local.llm.model": env.llmModel,
    "backend.local.llm.base_url": env.llmBaseUrl,
  };
  const values: [string, string | boolean][] = [
    ["backend.type", config.backendType],
    ["backend.local.endpoint", config.local.endpoint],
    ["backend.local.data_dir", config.local.dataDir],
    ["backend.local.idle_timeout", formatDuration(config.local.idleTimeoutMs)],
    ["backend.local.startup_timeout", formatDuration(config.local.startupTimeoutMs)],
    ["backend.local.allowed_hosts", config.local.allowedHosts.join(",")],
    ["backend.local.llm.provider", config.local.llm.provider],
    ["backend.local.llm.model", config.local.llm.model],
    ["backend.local.llm.base_url", config.local.llm.baseUrl],
    ["backend.local.llm.api_key_env", config.local.llm.apiKeyEnv],
    ["backend.local.llm.api_key_secret", config.local.llm.apiKeySecret],
    ["backend.cloud.endpoint", config.cloud.endpoint],
    ["backend.cloud.org_id", config.cloud.orgId],
    ["backend.cloud.ca_file", config.cloud.caFile],
    ["backend.cloud.insecure", config.cloud.insecure],
    ["context.organization", config.contextOrganization],
  ];
  return values.map(([key, value]) => ({
    key,
    value,
    source: envKeys[key] !== undefined
      ? "environment"
      : has(fileData, key.split("."))
      ? "config"
      : "default",
  }));
}

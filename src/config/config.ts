// Loads the effective configuration: defaults < config.yaml < environment.
// Flags and the project file are applied by the commands that take them.
import { lazyImport } from "../lazy_import.ts";
import { type Environment, expandHome, readEnvironment } from "./environment.ts";
import { homePaths } from "./paths.ts";
import { readTextIfExists, writeFileAtomic } from "../secure_fs.ts";
import { parseDuration } from "./duration.ts";
import { VERSION } from "../version.ts";
import {
  DEFAULT_CLOUD_ENDPOINT,
  DEFAULT_IDLE_TIMEOUT,
  DEFAULT_LLM,
  DEFAULT_LOCAL_ENDPOINT,
  DEFAULT_STARTUP_TIMEOUT,
} from "./defaults.ts";
import type { ConfigFile } from "./schema.ts";
import { type Diagnostic, ValidationError } from "../errors.ts";

export interface LlmConfig {
  provider: string;
  model: string;
  baseUrl: string;
  apiKeyEnv: string;
  apiKeySecret: string;
}

export interface LocalBackendConfig {
  endpoint: string;
  dataDir: string;
  idleTimeoutMs: number;
  startupTimeoutMs: number;
  /** Hosts workflow HTTP calls may reach besides loopback; ["*"] for any. */
  allowedHosts: string[];
  llm: LlmConfig;
}

export interface CloudBackendConfig {
  endpoint: string;
  orgId: string;
  caFile: string;
  insecure: boolean;
}

export interface StigmerConfig {
  home: string;
  configPath: string;
  /** Not yet checked against the known types: the resolver reports a bad one. */
  backendType: string;
  local: LocalBackendConfig;
  cloud: CloudBackendConfig;
  contextOrganization: string;
  warnings: string[];
}

/** Parses and validates config.yaml text; errors name the file, line and key. */
export async function parseConfigFile(
  path: string,
  text: string,
): Promise<{ file: ConfigFile; warnings: string[] }> {
  const [{ LineCounter, parseDocument, isMap }, { configSchema, KNOWN_KEYS }, { locate, keyPath }] =
    await Promise.all([
      import("yaml"),
      lazyImport<typeof import("./schema.ts")>("./schema.ts", import.meta.url),
      lazyImport<typeof import("./yaml_locate.ts")>("./yaml_locate.ts", import.meta.url),
    ]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const diagnostics: Diagnostic[] = doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return { file: path, line, column: col, path: "", message: e.message.split("\n")[0] };
    });
    throw new ValidationError(`${path} is not valid YAML`, diagnostics, {
      hint: "fix the file, or move it aside to use the defaults",
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses documents whose aliases expand too far (an "alias bomb").
    throw new ValidationError(`${path} cannot be read`, [
      { file: path, line: 0, column: 0, path: "", message: (err as Error).message },
    ]);
  }
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const diagnostics = result.error.issues.map((issue) => ({
      file: path,
      ...locate(doc, lineCounter, issue.path),
      path: keyPath(issue.path),
      message: issue.message,
    }));
    throw new ValidationError(`${path} has invalid settings`, diagnostics, {
      hint: "fix the values shown, or remove them to use the defaults",
    });
  }
  const warnings: string[] = [];
  const findUnknown = (node: unknown, prefix: string[]) => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
      const keys = [...prefix, key];
      if (KNOWN_KEYS.has(keys.join("."))) {
        findUnknown(pair.value, keys);
      } else {
        const { line } = locate(doc, lineCounter, keys);
        warnings.push(`${path}:${line}: unknown key "${keys.join(".")}" is ignored`);
      }
    }
  };
  findUnknown(doc.contents, []);
  return { file: result.data ?? {}, warnings };
}

function ms(value: string | number | undefined, fallback: string): number {
  return parseDuration(value ?? fallback) ?? parseDuration(fallback)!;
}

/** Builds the effective configuration from a validated file and the environment. */
export function resolveConfig(
  file: ConfigFile,
  env: Environment,
  configPath: string,
  warnings: string[] = [],
): StigmerConfig {
  const local = file.backend?.local ?? {};
  const llm = local.llm ?? {};
  const cloud = file.backend?.cloud ?? {};
  return {
    home: env.home,
    configPath,
    backendType: env.backend ?? file.backend?.type ?? "local",
    local: {
      endpoint: local.endpoint ?? DEFAULT_LOCAL_ENDPOINT,
      dataDir: expandHome(local.data_dir ?? `${env.home}/data`),
      idleTimeoutMs: ms(local.idle_timeout, DEFAULT_IDLE_TIMEOUT),
      startupTimeoutMs: ms(local.startup_timeout, DEFAULT_STARTUP_TIMEOUT),
      allowedHosts: (local.allowed_hosts ?? "").split(",").map((h) => h.trim()).filter(Boolean),
      llm: {
        provider: env.llmProvider ?? llm.provider ?? DEFAULT_LLM.provider,
        model: env.llmModel ?? llm.model ?? DEFAULT_LLM.model,
        baseUrl: env.llmBaseUrl ?? llm.base_url ?? DEFAULT_LLM.base_url,
        apiKeyEnv: llm.api_key_env ?? "",
        apiKeySecret: llm.api_key_secret ?? "",
      },
    },
    cloud: {
      endpoint: cloud.endpoint ?? DEFAULT_CLOUD_ENDPOINT,
      orgId: cloud.org_id ?? "",
      caFile: cloud.ca_file ? expandHome(cloud.ca_file) : "",
      insecure: cloud.insecure ?? false,
    },
    contextOrganization: file.context?.organization ?? "",
    warnings,
  };
}

/**
 * The effective configuration. With no config.yaml this loads no YAML or
 * validation code at all: the common case stays fast.
 */
export async function loadConfig(env: Environment = readEnvironment()): Promise<StigmerConfig> {
  const paths = homePaths(env.home);
  const text = readTextIfExists(paths.config);
  if (text === undefined || text.trim() === "") return resolveConfig({}, env, paths.config);
  const cached = readParsedConfig(paths.configCache, text);
  if (cached) return resolveConfig(cached.file, env, paths.config, cached.warnings);
  const { file, warnings } = await parseConfigFile(paths.config, text);
  writeParsedConfig(paths.configCache, { version: VERSION, text, file, warnings });
  return resolveConfig(file, env, paths.config, warnings);
}

interface ParsedConfig {
  /** The stigmer that validated it: another version may validate differently. */
  version: string;
  text: string;
  file: ConfigFile;
  warnings: string[];
}

/**
 * The validated form of config.yaml, kept beside it as JSON: every command
 * reads config, and parsing YAML and loading the validator cost more than the
 * rest of a warm command. Keyed by the whole text and the version, so it can
 * never be stale, even after an upgrade changes the rules.
 */
function readParsedConfig(path: string, text: string): ParsedConfig | undefined {
  try {
    const parsed = JSON.parse(Deno.readTextFileSync(path)) as ParsedConfig;
    if (
      parsed.version === VERSION && parsed.text === text && typeof parsed.file === "object" &&
      parsed.file !== null && Array.isArray(parsed.warnings)
    ) {
      return parsed;
    }
  } catch { /* absent or damaged: parse again */ }
  return undefined;
}

function writeParsedConfig(path: string, parsed: ParsedConfig): void {
  try {
    writeFileAtomic(path, JSON.stringify(parsed));
  } catch { /* a read-only home still works, only slower */ }
}

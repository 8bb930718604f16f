// The one place that reads environment variables (STYLE: config in one layer).
// Everything else receives these values as arguments.
import { StigmerError } from "../errors.ts";

export interface Environment {
  home: string; // STIGMER_HOME, default ~/.stigmer
  backend?: string; // STIGMER_BACKEND
  org?: string; // STIGMER_ORG
  token?: string; // STIGMER_TOKEN (cloud, for CI)
  noAutoStart: boolean; // STIGMER_NO_AUTO_START=1
  llmProvider?: string;
  llmModel?: string;
  llmBaseUrl?: string;
  noColor: boolean; // NO_COLOR (any value)
  ci: boolean; // CI=true: plain output for logs
  debug: boolean; // STIGMER_DEBUG=1: print error causes
  logLevel?: string; // STIGMER_LOG_LEVEL for the daemon
  initCwd?: string; // INIT_CWD: where `deno task stigmer` was typed (deno task runs in the checkout)
  agentToolTimeout?: string; // STIGMER_AGENT_TOOL_TIMEOUT: one tool call's limit, e.g. "2m"
}

let cached: Environment | undefined;

function get(name: string): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? undefined : value;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && !["0", "false", "no", "off"].includes(value.toLowerCase());
}

export function userHomeDir(): string {
  const home = get("HOME") ?? get("USERPROFILE");
  if (!home) {
    throw new StigmerError("cannot find your home directory", {
      hint: "set HOME, or STIGMER_HOME to the directory stigmer should use",
    });
  }
  return home;
}

export function readEnvironment(): Environment {
  if (cached) return cached;
  const stigmerHome = get("STIGMER_HOME");
  cached = {
    home: stigmerHome ?? `${userHomeDir()}/.stigmer`,
    backend: get("STIGMER_BACKEND"),
    org: get("STIGMER_ORG"),
    token: get("STIGMER_TOKEN"),
    noAutoStart: truthy(get("STIGMER_NO_AUTO_START")),
    llmProvider: get("STIGMER_LLM_PROVIDER"),
    llmModel: get("STIGMER_LLM_MODEL"),
    llmBaseUrl: get("STIGMER_LLM_BASE_URL"),
    noColor: Deno.env.get("NO_COLOR") !== undefined,
    ci: truthy(get("CI")),
    debug: truthy(get("STIGMER_DEBUG")),
    logLevel: get("STIGMER_LOG_LEVEL"),
    initCwd: get("INIT_CWD"),
  };
  return cached;
}

/**
 * The daemon's view of the environment: it may read only STIGMER_* and HOME
 * (see daemonPermissions), so NO_COLOR and CI are not asked for.
 */
export function readDaemonEnvironment(): Environment {
  const stigmerHome = get("STIGMER_HOME");
  return {
    home: stigmerHome ?? `${userHomeDir()}/.stigmer`,
    backend: get("STIGMER_BACKEND"),
    org: get("STIGMER_ORG"),
    token: undefined,
    noAutoStart: truthy(get("STIGMER_NO_AUTO_START")),
    llmProvider: get("STIGMER_LLM_PROVIDER"),
    llmModel: get("STIGMER_LLM_MODEL"),
    llmBaseUrl: get("STIGMER_LLM_BASE_URL"),
    noColor: false,
    ci: false,
    debug: truthy(get("STIGMER_DEBUG")),
    logLevel: get("STIGMER_LOG_LEVEL"),
    agentToolTimeout: get("STIGMER_AGENT_TOOL_TIMEOUT"),
  };
}

/** Expands a leading `~/` against the user's home directory. */
export function expandHome(path: string): string {
  if (path === "~") return userHomeDir();
  if (path.startsWith("~/")) return `${userHomeDir()}${path.slice(1)}`;
  return path;
}

/** A secret the user named in config (e.g. an LLM API key variable); never logged. */
export function readNamedVariable(name: string): string | undefined {
  return name ? get(name) : undefined;
}

/**
 * Deno's cache directory, where npm packages live when running from source.
 * The daemon needs to read one file there: jq-web's WebAssembly module.
 */
export function denoCacheDir(): string {
  const explicit = get("DENO_DIR");
  if (explicit) return explicit;
  if (Deno.build.os === "darwin") return `${userHomeDir()}/Library/Caches/deno`;
  if (Deno.build.os === "windows") return `${get("LOCALAPPDATA") ?? userHomeDir()}/deno`;
  return `${get("XDG_CACHE_HOME") ?? `${userHomeDir()}/.cache`}/deno`;
}

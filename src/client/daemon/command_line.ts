// The command that starts the daemon: the same program re-executed, so the
// daemon is always the version of the CLI that started it (SPEC §1).
//  - compiled by `deno compile`: the binary itself, which carries its permissions;
//  - from source or a URL: `deno run` of the same main module and config, with
//    the daemon's own narrow permissions.
import { DAEMON_COMMAND, type DaemonArgs, daemonArgv } from "../../rpc/daemon_args.ts";
import { denoCacheDir } from "../../config/environment.ts";
import { MCP_INHERITED_ENV } from "../../rpc/mcp_inherited_env.ts";

export interface LaunchContext {
  execPath: string;
  mainModule: string; // file:// or https:// URL
  compiled: boolean;
}

export function currentLaunchContext(): LaunchContext {
  const execPath = Deno.execPath();
  return {
    execPath,
    mainModule: Deno.mainModule,
    compiled: !/(^|[\/\\])deno(\.exe)?$/.test(execPath),
  };
}

function hostOf(listen: string): string {
  return listen.slice(0, listen.lastIndexOf(":"));
}

/**
 * The daemon's permissions: its data dir; loopback (its port, and local
 * services workflows call); the LLM's host; hosts the user allowed workflows.
 */
export function daemonPermissions(args: DaemonArgs, extraRead: string[] = []): string[] {
  const port = Number(args.listen.slice(args.listen.lastIndexOf(":") + 1));
  const listen = port === 0 ? hostOf(args.listen) : args.listen;
  // Loopback is always allowed: workflows may call services on this machine.
  const net = [
    ...new Set([listen, "127.0.0.1", "localhost", "[::1]", ...(args.allowedHosts ?? [])]),
  ];
  try {
    net.push(new URL(args.llmBaseUrl).host);
  } catch { /* an invalid URL fails at run time with a clear message */ }
  return [
    // Deno's npm cache: jq-web loads its WebAssembly file from there.
    `--allow-read=${[args.dataDir, `${denoCacheDir()}/npm`, ...extraRead].join(",")}`,
    `--allow-write=${args.dataDir}`,
    args.allowedHosts?.includes("*") ? "--allow-net" : `--allow-net=${net.join(",")}`,
    // grpc-js reads its GRPC_* tuning variables; the API key variable if any; a stdio MCP
    // server inherits the variables the official MCP SDK passes on; workflows' programs
    // (run: shell|script) get PATH, HOME, LANG, TMPDIR and Deno's cache.
    `--allow-env=GRPC_*,NODE_*,STIGMER_*,${
      [...new Set([...MCP_INHERITED_ENV, "LANG", "TMPDIR", "DENO_DIR"])].join(",")
    }${args.llmApiKeyEnv ? `,${args.llmApiKeyEnv}` : ""}`,
    // The AI SDK reads the host name when it loads.
    "--allow-sys=hostname",
    // Agents start their stdio MCP servers and workflows' run: shell|script|container their
    // programs (any command a manifest names); `ps` finds what a SIGKILLed daemon left behind.
    "--allow-run",
  ];
}

export function daemonCommandLine(
  launch: LaunchContext,
  args: DaemonArgs,
  extraRead: string[] = [],
): { command: string; args: string[] } {
  if (launch.compiled) {
    return { command: launch.execPath, args: [DAEMON_COMMAND, ...daemonArgv(args)] };
  }
  const main = launch.mainModule;
  // From a URL the daemon loads its lazily imported modules from the same
  // host, which Deno 2 allows only with --allow-import for that host.
  // From a checkout it reads them from src/ (src/lazy_import.ts: imports Deno does not read ahead
  // need the read permission).
  const fromFile = main.startsWith("file:");
  const configFlag = fromFile
    ? ["--config", new URL("./deno.json", main).pathname]
    : ["--import-map", new URL("./deno.json", main).href, `--allow-import=${new URL(main).host}`];
  return {
    command: launch.execPath,
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...configFlag,
      ...daemonPermissions(
        args,
        fromFile ? [...extraRead, new URL("./src", main).pathname] : extraRead,
      ),
      fromFile ? new URL(main).pathname : main,
      DAEMON_COMMAND,
      ...daemonArgv(args),
    ],
  };
}

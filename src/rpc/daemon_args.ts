// The hidden daemon command's arguments. The CLI that spawns the daemon passes
// everything on the command line, so the daemon reads no config file and needs
// no permission outside its data directory.
import { DaemonExit } from "./daemon_exit.ts";

export interface DaemonArgs {
  dataDir: string;
  listen: string; // host:port; port 0 picks a free one
  idleTimeoutMs: number; // 0 = never
  llmProvider: string;
  llmModel: string;
  llmBaseUrl: string;
  llmApiKeyEnv: string;
  /** Hosts workflow HTTP calls may reach (besides loopback and the LLM); ["*"] for any. */
  allowedHosts?: string[];
  logLevel: string;
  /** Tests only: pretend to be another version, to exercise the handshake. */
  reportVersion?: string;
}

export class DaemonArgsError extends Error {
  readonly exitCode = DaemonExit.USAGE;
}

export function parseDaemonArgs(argv: string[]): DaemonArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new DaemonArgsError(`unexpected argument ${argv[i]}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new DaemonArgsError(`--${match[1]} needs a value`);
    values.set(match[1], value);
  }
  const required = (name: string) => {
    const value = values.get(name);
    if (!value) throw new DaemonArgsError(`--${name} is required`);
    return value;
  };
  return {
    dataDir: required("data-dir"),
    listen: values.get("listen") ?? "127.0.0.1:50051",
    idleTimeoutMs: Number(values.get("idle-timeout-ms") ?? 3 * 3_600_000),
    llmProvider: values.get("llm-provider") ?? "ollama",
    llmModel: values.get("llm-model") ?? "",
    llmBaseUrl: values.get("llm-base-url") ?? "http://localhost:11434",
    llmApiKeyEnv: values.get("llm-api-key-env") ?? "",
    allowedHosts: (values.get("allowed-hosts") ?? "").split(",").filter(Boolean),
    logLevel: values.get("log-level") ?? "info",
    reportVersion: values.get("report-version"),
  };
}

export function daemonArgv(args: DaemonArgs): string[] {
  const argv = [
    `--data-dir=${args.dataDir}`,
    `--listen=${args.listen}`,
    `--idle-timeout-ms=${args.idleTimeoutMs}`,
    `--llm-provider=${args.llmProvider}`,
    `--llm-model=${args.llmModel}`,
    `--llm-base-url=${args.llmBaseUrl}`,
    `--log-level=${args.logLevel}`,
  ];
  if (args.llmApiKeyEnv) argv.push(`--llm-api-key-env=${args.llmApiKeyEnv}`);
  if (args.allowedHosts?.length) argv.push(`--allowed-hosts=${args.allowedHosts.join(",")}`);
  if (args.reportVersion) argv.push(`--report-version=${args.reportVersion}`);
  return argv;
}

import { probe } from "../../../client/daemon/probe.ts";
import { makeClient } from "../../../client/grpc_fetch.ts";
import { DaemonServiceDefinition } from "../../../rpc/gen/stigmer/v1/daemon.ts";
import { formatDuration } from "../../../config/duration.ts";
import { printJson, writeOut } from "../../output.ts";
import { localDaemon } from "./shared.ts";

export async function status(opts: { json?: boolean }): Promise<void> {
  const { config, paths } = await localDaemon();
  const result = await probe(paths);
  const base = { dataDir: paths.dataDir, logPath: paths.daemonLog };
  let report: Record<string, unknown>;
  if (result.state === "running") {
    const s = await makeClient(result.daemon.channel, DaemonServiceDefinition).status({});
    result.daemon.channel.close();
    report = {
      state: "running",
      pid: s.pid,
      version: s.version,
      endpoint: s.endpoint,
      uptimeSeconds: Math.round(s.uptimeSeconds),
      runningExecutions: s.runningExecutions,
      backendRunningExecutions: s.backendRunningExecutions,
      idleSeconds: Math.round(s.idleSeconds),
      idleTimeoutSeconds: s.idleTimeoutSeconds,
      memoryBytes: s.rssBytes,
      instanceId: s.instanceId,
      ...base,
    };
  } else if (result.state === "stopped") {
    report = { state: "stopped", endpoint: config.local.endpoint, ...base };
  } else {
    report = { state: "unresponsive", reason: result.reason, pid: result.info?.pid, ...base };
  }
  if (opts.json) return printJson(report);
  const rows: [string, unknown][] = [
    ["State", report.state],
    ["PID", report.pid],
    ["Version", report.version],
    ["Endpoint", report.endpoint],
    [
      "Uptime",
      report.uptimeSeconds !== undefined
        ? formatDuration(Number(report.uptimeSeconds) * 1000)
        : undefined,
    ],
    [
      "Executions",
      report.runningExecutions !== undefined
        ? `${report.runningExecutions} running here, ${report.backendRunningExecutions} in the backend`
        : undefined,
    ],
    [
      "Memory",
      report.memoryBytes !== undefined
        ? `${(Number(report.memoryBytes) / 1048576).toFixed(1)} MiB`
        : undefined,
    ],
    ["Reason", report.reason],
    ["Data dir", report.dataDir],
    ["Log", report.logPath],
  ];
  for (const [label, value] of rows) {
    if (value !== undefined && value !== "") writeOut(`${`${label}:`.padEnd(12)}${value}`);
  }
}

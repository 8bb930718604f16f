// The closing lines of a followed run, the same for `stigmer run` and `executions get -f`:
// the output (as JSON on stdout) and `✓ ID COMPLETED in 1.23s (2 tasks completed)`, or the
// phase it ended in; a run that did not complete sets exit code 1.
import type { FollowResult } from "./follow.ts";
import { colors, info, success, writeOut } from "./output.ts";

export function printRunSummary(
  execution: { id: string; kind: string },
  result: FollowResult,
  seconds: number,
  json?: boolean,
): void {
  const took = seconds.toFixed(2);
  // An agent run has no tasks to count: its reply is the event that matters.
  const totals = execution.kind === "AgentExecution"
    ? ""
    : ` (${result.tasksCompleted} task${result.tasksCompleted === 1 ? "" : "s"} completed${
      result.tasksFailed ? `, ${result.tasksFailed} failed` : ""
    })`;
  if (result.phase === "COMPLETED") {
    if (!json && result.output !== undefined) writeOut(JSON.stringify(result.output, null, 2));
    success(`${execution.id} COMPLETED in ${took}s${totals}`);
  } else {
    info(`${colors().red("✗")} ${execution.id} ${result.phase} after ${took}s${totals}`);
    Deno.exitCode = 1;
  }
}

/** Seconds from a stored execution's start to its end, when both are known. */
export function storedDuration(
  execution: { createdAt: string; startedAt: string; finishedAt: string },
): number | undefined {
  const start = Date.parse(execution.startedAt || execution.createdAt);
  const end = Date.parse(execution.finishedAt);
  return Number.isFinite(start) && Number.isFinite(end) && end >= start
    ? (end - start) / 1000
    : undefined;
}

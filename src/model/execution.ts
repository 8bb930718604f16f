// Executions and their events, shared by the engine, the store and the CLI.
import type { JsonObject } from "./resource.ts";

export const EXECUTION_PHASES = [
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "INTERRUPTED",
] as const;
export type ExecutionPhase = typeof EXECUTION_PHASES[number];

export const TERMINAL_PHASES: ReadonlySet<ExecutionPhase> = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "INTERRUPTED",
]);

export type ExecutionKind = "WorkflowExecution" | "AgentExecution";

export interface Execution {
  id: string; // wex-… or aex-…
  org: string;
  kind: ExecutionKind;
  targetId: string;
  targetName: string;
  phase: ExecutionPhase;
  input: JsonObject;
  output: unknown;
  error: string;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
}

export type ExecutionEventType =
  | "execution.started"
  | "execution.resumed"
  | "task.started"
  | "task.completed"
  | "task.failed"
  | "agent.message"
  | "tool.call.started"
  | "tool.call.completed"
  | "tool.call.failed"
  | "event.emitted"
  | "event.received"
  | "log"
  | "execution.completed"
  | "execution.failed"
  | "execution.cancelled"
  | "execution.interrupted";

export interface ExecutionEvent {
  executionId: string;
  seq: number; // 1, 2, 3… per execution
  type: ExecutionEventType;
  task: string; // task path, e.g. "do/0/greet"; empty for execution-level events
  message: string;
  data: unknown;
  time: string; // ISO 8601
}

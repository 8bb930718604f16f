// Row shapes of the resource and execution tables (the same in SQLite and
// PostgreSQL) and their conversion to the shared model.
import { API_VERSION, type JsonObject, type Kind, type Resource } from "../model/resource.ts";
import type {
  Execution,
  ExecutionEvent,
  ExecutionEventType,
  ExecutionKind,
  ExecutionPhase,
} from "../model/execution.ts";

export interface ResourceRow {
  org: string;
  kind: Kind;
  slug: string;
  id: string;
  name: string;
  project: string;
  labels: string;
  annotations: string;
  spec: string;
  status: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ExecutionRow {
  n: number;
  id: string;
  org: string;
  kind: ExecutionKind;
  target_id: string;
  target_name: string;
  phase: ExecutionPhase;
  input: string;
  output: string;
  error: string;
  created_at: string;
  started_at: string;
  finished_at: string;
}

export interface EventRow {
  execution_id: string;
  seq: number;
  type: ExecutionEventType;
  task: string;
  message: string;
  data: string;
  time: string;
}

export function toResource(row: ResourceRow): Resource {
  return {
    apiVersion: API_VERSION,
    kind: row.kind,
    metadata: {
      name: row.name,
      slug: row.slug,
      org: row.org,
      id: row.id,
      labels: JSON.parse(row.labels),
      annotations: JSON.parse(row.annotations),
      version: row.version,
      project: row.project,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    spec: JSON.parse(row.spec) as JsonObject,
    status: JSON.parse(row.status) as JsonObject,
  };
}

export function toExecution(row: ExecutionRow): Execution {
  return {
    id: row.id,
    org: row.org,
    kind: row.kind,
    targetId: row.target_id,
    targetName: row.target_name,
    phase: row.phase,
    input: JSON.parse(row.input),
    output: JSON.parse(row.output),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function toEvent(row: EventRow): ExecutionEvent {
  return {
    executionId: row.execution_id,
    seq: row.seq,
    type: row.type,
    task: row.task,
    message: row.message,
    data: JSON.parse(row.data),
    time: row.time,
  };
}

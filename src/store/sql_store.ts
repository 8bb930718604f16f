// The store's algorithm, once for every SQL database: the SQLite store of the
// local daemon and the PostgreSQL store of the shared server differ only in
// their Dialect (sql.ts) — how they run a transaction, lock, and match a label.
import { ID_PREFIX, type Kind, type Resource, type ResourceInput } from "../model/resource.ts";
import type { Execution, ExecutionEvent, ExecutionKind } from "../model/execution.ts";
import { EXECUTION_PHASES } from "../model/execution.ts";
import { newId } from "../model/ids.ts";
import { slugify } from "../model/slug.ts";
import type {
  ApplyBatchOptions,
  ApplyBatchResult,
  Checkpoint,
  ExecutionUpdate,
  ListOptions,
  NewExecution,
  Page,
  ResourceStore,
  SealedValue,
  SecretEntry,
  StoredSession,
} from "./store.ts";
import { InvalidInputError, NotFoundError } from "./errors.ts";
import { decodePageToken, encodePageToken } from "./page_token.ts";
import { executionRowBytes, resourceRowBytes, takePage } from "./page_budget.ts";
import { referenceLookups, throwIfMissing } from "./references.ts";
import { checkSlugOwner, claimSlug, isKind, prepareInput, sameContent } from "./resource_input.ts";
import {
  type EventRow,
  type ExecutionRow,
  type ResourceRow,
  toEvent,
  toExecution,
  toResource,
} from "./rows.ts";
import { type Dialect, type Param, row, rows, type Step } from "./sql.ts";

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const EXECUTION_ID_PREFIX: Record<ExecutionKind, string> = {
  WorkflowExecution: "wex",
  AgentExecution: "aex",
};
const INTERRUPTED_MESSAGE = "the daemon stopped before the execution finished";

type NewEvent = Omit<ExecutionEvent, "seq" | "time"> & { time?: string };

export class SqlStore implements ResourceStore {
  readonly #db: Dialect;

  protected constructor(dialect: Dialect) {
    this.#db = dialect;
  }

  // ---- resources ----------------------------------------------------------

  applyBatch(
    org: string,
    inputs: ResourceInput[],
    options: ApplyBatchOptions = {},
  ): Promise<ApplyBatchResult> {
    const pruneProject = options.pruneProject;
    if (pruneProject === "") {
      return Promise.reject(
        new InvalidInputError(
          "prune needs a project name; an empty one would delete every resource outside a project",
        ),
      );
    }
    return this.#db.write(() => applyBatch(org, inputs, pruneProject), org);
  }

  get(org: string, kind: Kind, ref: string): Promise<Resource | undefined> {
    return this.#db.read(function* () {
      const found = yield* find(org, kind, ref);
      return found && toResource(found);
    }, true);
  }

  list(org: string, options: ListOptions = {}): Promise<Page<Resource>> {
    const labelEquals = this.#db.labelEquals;
    return this.#db.read(function* () {
      const pageSize = clampPageSize(options.pageSize);
      const where = ["org = ?"];
      const params: Param[] = [org];
      if (options.kind !== undefined) {
        checkKind(options.kind);
        where.push("kind = ?");
        params.push(options.kind);
      }
      if (options.pageToken) {
        const [kind, slug] = decodePageToken<[string, string]>(options.pageToken, [
          "string",
          "string",
        ]);
        where.push("(kind, slug) > (?, ?)");
        params.push(kind, slug);
      }
      // A key lookup rather than a JSON path: label keys may hold dots, slashes or quotes.
      for (const [key, value] of Object.entries(options.labels ?? {}).sort()) {
        where.push(labelEquals);
        params.push(key, value);
      }
      const found = yield* rows<ResourceRow>(
        `SELECT * FROM resources WHERE ${where.join(" AND ")} ORDER BY kind, slug LIMIT ?`,
        ...params,
        pageSize + 1, // one more than asked tells whether another page follows
      );
      // Cut by count and by size (page_budget.ts).
      const page = takePage(found, pageSize, resourceRowBytes);
      const items = page.rows.map(toResource);
      const last = page.more ? page.rows.at(-1) : undefined;
      return { items, nextPageToken: last ? encodePageToken([last.kind, last.slug]) : "" };
    }, true);
  }

  delete(org: string, kind: Kind, ref: string): Promise<Resource | undefined> {
    return this.#db.write(function* () {
      const found = yield* find(org, kind, ref);
      if (!found) return undefined;
      yield* rows("DELETE FROM resources WHERE id = ?", found.id);
      return toResource(found);
    }, org);
  }

  // ---- executions ---------------------------------------------------------

  createExecution(input: NewExecution): Promise<Execution> {
    // An INSERT whose answer was lost may have happened: not retried.
    return this.#db.read(function* () {
      const prefix = EXECUTION_ID_PREFIX[input.kind];
      if (!prefix) {
        throw new InvalidInputError(`unknown execution kind ${JSON.stringify(input.kind)}`);
      }
      const created = yield* row<ExecutionRow>(
        `INSERT INTO executions
           (id, org, kind, target_id, target_name, phase, input, created_at, workflow)
         VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?) RETURNING *`,
        newId(prefix),
        input.org,
        input.kind,
        input.targetId,
        input.targetName,
        JSON.stringify(input.input ?? {}),
        timestamp(),
        JSON.stringify(input.workflow ?? null) ?? "null",
      );
      return toExecution(created!);
    }, false);
  }

  getExecution(org: string, id: string): Promise<Execution | undefined> {
    return this.#db.read(function* () {
      const found = yield* row<ExecutionRow>(
        "SELECT * FROM executions WHERE org = ? AND id = ?",
        org,
        id,
      );
      return found && toExecution(found);
    }, true);
  }

  listExecutions(
    org: string,
    options: { pageSize?: number; pageToken?: string } = {},
  ): Promise<Page<Execution>> {
    return this.#db.read(function* () {
      const pageSize = clampPageSize(options.pageSize);
      const [before] = options.pageToken
        ? decodePageToken<[number]>(options.pageToken, ["number"])
        : [Number.MAX_SAFE_INTEGER];
      const found = yield* rows<ExecutionRow>(
        "SELECT * FROM executions WHERE org = ? AND n < ? ORDER BY n DESC LIMIT ?",
        org,
        before,
        pageSize + 1,
      );
      const page = takePage(found, pageSize, executionRowBytes);
      const items = page.rows.map(toExecution);
      const last = page.more ? page.rows.at(-1) : undefined;
      return { items, nextPageToken: last ? encodePageToken([last.n]) : "" };
    }, true);
  }

  updateExecution(id: string, update: ExecutionUpdate): Promise<Execution> {
    // Setting the same values twice changes nothing: safe to retry.
    return this.#db.read(() => updateExecution(id, update), true);
  }

  appendEvent(event: NewEvent): Promise<ExecutionEvent> {
    const { forUpdate, notifyEvent } = this.#db;
    return this.#db.write(function* () {
      const appended = yield* appendEvent(event, timestamp(), forUpdate);
      if (notifyEvent) yield* rows(notifyEvent, event.executionId);
      return appended;
    });
  }

  finishExecution(update: ExecutionUpdate, event: NewEvent): Promise<ExecutionEvent> {
    const { forUpdate, notifyEvent } = this.#db;
    return this.#db.write(function* () {
      yield* updateExecution(event.executionId, update);
      const appended = yield* appendEvent(event, timestamp(), forUpdate);
      if (notifyEvent) yield* rows(notifyEvent, event.executionId);
      return appended;
    });
  }

  listEvents(executionId: string, afterSeq = 0): Promise<ExecutionEvent[]> {
    return this.#db.read(function* () {
      return (yield* rows<EventRow>(
        "SELECT * FROM execution_events WHERE execution_id = ? AND seq > ? ORDER BY seq",
        executionId,
        afterSeq,
      )).map(toEvent);
    }, true);
  }

  putSecret(org: string, name: string, sealed: SealedValue): Promise<"created" | "updated"> {
    const forUpdate = this.#db.forUpdate;
    return this.#db.write(function* () {
      const now = timestamp();
      const found = yield* row<{ name: string }>(
        `SELECT name FROM secrets WHERE org = ? AND name = ?${forUpdate}`,
        org,
        name,
      );
      yield* rows(
        `INSERT INTO secrets (org, name, iv, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (org, name) DO UPDATE SET iv = excluded.iv, data = excluded.data,
           updated_at = excluded.updated_at`,
        org,
        name,
        sealed.iv,
        sealed.data,
        now,
        now,
      );
      return found ? "updated" : "created";
    }, org);
  }

  getSecret(org: string, name: string): Promise<SealedValue | undefined> {
    return this.#db.read(function* () {
      return yield* row<SealedValue>(
        "SELECT iv, data FROM secrets WHERE org = ? AND name = ?",
        org,
        name,
      );
    }, true);
  }

  listSecrets(org: string): Promise<SecretEntry[]> {
    return this.#db.read(function* () {
      return (yield* rows<{ name: string; created_at: string; updated_at: string }>(
        "SELECT name, created_at, updated_at FROM secrets WHERE org = ? ORDER BY name",
        org,
      )).map((r) => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
    }, true);
  }

  deleteSecret(org: string, name: string): Promise<boolean> {
    return this.#db.write(function* () {
      const gone = yield* rows<{ name: string }>(
        "DELETE FROM secrets WHERE org = ? AND name = ? RETURNING name",
        org,
        name,
      );
      return gone.length > 0;
    }, org);
  }

  putSession(org: string, name: string, session: StoredSession): Promise<void> {
    return this.#db.write(function* () {
      yield* rows(
        `INSERT INTO sessions (org, name, session, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (org, name) DO UPDATE SET session = excluded.session,
           updated_at = excluded.updated_at`,
        org,
        name,
        JSON.stringify(session),
        session.updatedAt,
      );
    }, org);
  }

  getSession(org: string, name: string): Promise<StoredSession | undefined> {
    return this.#db.read(function* () {
      const found = yield* row<{ session: string }>(
        "SELECT session FROM sessions WHERE org = ? AND name = ?",
        org,
        name,
      );
      return found ? JSON.parse(found.session) as StoredSession : undefined;
    }, true);
  }

  listSessions(org: string): Promise<StoredSession[]> {
    return this.#db.read(function* () {
      return (yield* rows<{ session: string }>(
        "SELECT session FROM sessions WHERE org = ? ORDER BY updated_at DESC, name",
        org,
      )).map((r) => JSON.parse(r.session) as StoredSession);
    }, true);
  }

  deleteSession(org: string, name: string): Promise<boolean> {
    return this.#db.write(function* () {
      const gone = yield* rows<{ name: string }>(
        "DELETE FROM sessions WHERE org = ? AND name = ? RETURNING name",
        org,
        name,
      );
      return gone.length > 0;
    }, org);
  }

  putCheckpoint(executionId: string, checkpoint: Checkpoint): Promise<void> {
    // One upsert, the same on both databases: setting the same entry twice changes nothing.
    return this.#db.read(function* () {
      yield* rows(
        `INSERT INTO execution_checkpoints (execution_id, key, entry) VALUES (?, ?, ?)
         ON CONFLICT (execution_id, key) DO UPDATE SET entry = excluded.entry`,
        executionId,
        checkpoint.key,
        JSON.stringify(checkpoint.entry ?? null) ?? "null",
      );
    }, true);
  }

  listCheckpoints(executionId: string): Promise<Checkpoint[]> {
    return this.#db.read(function* () {
      return (yield* rows<{ key: string; entry: string }>(
        "SELECT key, entry FROM execution_checkpoints WHERE execution_id = ?",
        executionId,
      )).map((r) => ({ key: r.key, entry: JSON.parse(r.entry) }));
    }, true);
  }

  getExecutionWorkflow(executionId: string): Promise<unknown> {
    return this.#db.read(function* () {
      const found = yield* row<{ workflow: string }>(
        "SELECT workflow FROM executions WHERE id = ?",
        executionId,
      );
      if (!found) throw new NotFoundError(`execution ${executionId} not found`);
      return JSON.parse(found.workflow);
    }, true);
  }

  listUnfinishedExecutions(): Promise<Execution[]> {
    return this.#db.read(function* () {
      return (yield* rows<ExecutionRow>(
        "SELECT * FROM executions WHERE phase IN ('PENDING', 'RUNNING') ORDER BY n",
      )).map(toExecution);
    }, true);
  }

  markUnfinishedInterrupted(): Promise<number> {
    const forUpdate = this.#db.forUpdate;
    return this.#db.write(function* () {
      const now = timestamp();
      const unfinished = yield* rows<{ id: string }>(
        `SELECT id FROM executions WHERE phase IN ('PENDING', 'RUNNING') ORDER BY n${forUpdate}`,
      );
      for (const { id } of unfinished) {
        yield* rows(
          `UPDATE executions
             SET phase = 'INTERRUPTED', finished_at = ?,
                 error = CASE WHEN error = '' THEN ? ELSE error END
           WHERE id = ?`,
          now,
          INTERRUPTED_MESSAGE,
          id,
        );
        yield* appendEvent(
          {
            executionId: id,
            type: "execution.interrupted",
            task: "",
            message: INTERRUPTED_MESSAGE,
            data: null,
          },
          now,
          forUpdate,
        );
      }
      return unfinished.length;
    });
  }

  // ---- upkeep -------------------------------------------------------------

  integrityCheck(): Promise<string> {
    return this.#db.integrityCheck();
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

function* applyBatch(
  org: string,
  inputs: ResourceInput[],
  pruneProject: string | undefined,
): Step<ApplyBatchResult> {
  const now = timestamp();
  const declared = new Map<string, string>(); // "Kind/slug" → name
  const outcomes: ApplyBatchResult["outcomes"] = [];
  for (const [index, raw] of inputs.entries()) {
    const input = prepareInput(raw, index);
    claimSlug(declared, input, index);

    const existing = yield* row<ResourceRow>(
      "SELECT * FROM resources WHERE org = ? AND kind = ? AND slug = ?",
      org,
      input.kind,
      input.slug,
    );
    checkSlugOwner(existing, input);
    if (!existing) {
      const created = yield* row<ResourceRow>(
        `INSERT INTO resources
           (org, kind, slug, id, name, project, labels, annotations, spec, version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING *`,
        org,
        input.kind,
        input.slug,
        newId(ID_PREFIX[input.kind]),
        input.name,
        input.project,
        input.labels,
        input.annotations,
        input.spec,
        now,
        now,
      );
      outcomes.push({ action: "CREATED", resource: toResource(created!) });
      continue;
    }
    if (sameContent(existing, input)) {
      outcomes.push({ action: "UNCHANGED", resource: toResource(existing) });
      continue;
    }
    const updated = yield* row<ResourceRow>(
      `UPDATE resources
         SET name = ?, project = ?, labels = ?, annotations = ?, spec = ?,
             version = version + 1, updated_at = ?
       WHERE id = ? RETURNING *`,
      input.name,
      input.project,
      input.labels,
      input.annotations,
      input.spec,
      now,
      existing.id,
    );
    outcomes.push({ action: "UPDATED", resource: toResource(updated!) });
  }

  const pruned: Resource[] = [];
  if (pruneProject !== undefined) {
    const candidates = yield* rows<ResourceRow>(
      "SELECT * FROM resources WHERE org = ? AND project = ? ORDER BY kind, slug",
      org,
      pruneProject,
    );
    for (const candidate of candidates) {
      if (declared.has(`${candidate.kind}/${candidate.slug}`)) continue;
      yield* rows("DELETE FROM resources WHERE id = ?", candidate.id);
      pruned.push(toResource(candidate));
    }
  }
  yield* checkReferences(org, inputs);
  return { outcomes, pruned };
}

/** Inside the apply transaction: every reference names a resource the organization now has. */
function* checkReferences(org: string, inputs: ResourceInput[]): Step<void> {
  const found = new Set<string>();
  for (const [key, { kind, ref, slug }] of referenceLookups(inputs)) {
    // Two indexed lookups (one OR over slug and id would scan the table).
    const hit = yield* row(
      `SELECT 1 AS found FROM resources
         WHERE org = ? AND kind = ? AND slug IN (?, ?) AND (slug = ? OR name = ?)
       UNION ALL
       SELECT 1 AS found FROM resources WHERE org = ? AND kind = ? AND id = ?
       LIMIT 1`,
      org,
      kind,
      ref,
      slug,
      ref,
      ref,
      org,
      kind,
      ref,
    );
    if (hit) found.add(key);
  }
  throwIfMissing(inputs, found);
}

/** Slug first, then exact name, then id: a slug or name never looks like another's id. */
function* find(org: string, kind: Kind, ref: string): Step<ResourceRow | undefined> {
  checkKind(kind);
  const base = "SELECT * FROM resources WHERE org = ? AND kind = ?";
  return (yield* row<ResourceRow>(`${base} AND slug = ?`, org, kind, ref)) ??
    (yield* row<ResourceRow>(`${base} AND slug = ? AND name = ?`, org, kind, slugify(ref), ref)) ??
    (yield* row<ResourceRow>(`${base} AND id = ?`, org, kind, ref));
}

function* updateExecution(id: string, update: ExecutionUpdate): Step<Execution> {
  if (update.phase !== undefined && !EXECUTION_PHASES.includes(update.phase)) {
    throw new InvalidInputError(`unknown execution phase ${JSON.stringify(update.phase)}`);
  }
  // NULL keeps the stored value; JSON null is the string 'null', so output can be cleared.
  const updated = yield* row<ExecutionRow>(
    `UPDATE executions SET
       phase = coalesce(?, phase),
       output = coalesce(?, output),
       error = coalesce(?, error),
       started_at = coalesce(?, started_at),
       finished_at = coalesce(?, finished_at)
     WHERE id = ? RETURNING *`,
    update.phase ?? null,
    update.output === undefined ? null : JSON.stringify(update.output) ?? "null",
    update.error ?? null,
    update.startedAt ?? null,
    update.finishedAt ?? null,
    id,
  );
  if (!updated) throw new NotFoundError(`execution ${id} not found`);
  return toExecution(updated);
}

/** Inside a transaction: the execution row is locked, so the next seq cannot be taken twice. */
function* appendEvent(event: NewEvent, now: string, forUpdate: string): Step<ExecutionEvent> {
  const found = yield* row(
    `SELECT 1 AS found FROM executions WHERE id = ?${forUpdate}`,
    event.executionId,
  );
  if (!found) throw new NotFoundError(`execution ${event.executionId} not found`);
  const appended = yield* row<EventRow>(
    `INSERT INTO execution_events (execution_id, seq, type, task, message, data, time)
     VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM execution_events WHERE execution_id = ?),
             ?, ?, ?, ?, ?)
     RETURNING *`,
    event.executionId,
    event.executionId,
    event.type,
    event.task ?? "",
    event.message ?? "",
    JSON.stringify(event.data ?? null) ?? "null",
    event.time ?? now,
  );
  return toEvent(appended!);
}

function checkKind(kind: unknown): void {
  if (!isKind(kind)) throw new InvalidInputError(`unknown kind ${JSON.stringify(kind)}`);
}

function clampPageSize(pageSize: number | undefined): number {
  if (pageSize === undefined || !Number.isFinite(pageSize) || pageSize <= 0) {
    return DEFAULT_PAGE_SIZE;
  }
  return Math.min(Math.trunc(pageSize), MAX_PAGE_SIZE) || 1;
}

function timestamp(): string {
  return new Date().toISOString();
}

// The embedded store of the local daemon: one SQLite file, opened with
// node:sqlite (synchronous, built into Deno).
//
// Durability: WAL with synchronous=NORMAL by default. A commit is in the WAL
// (the OS page cache) before COMMIT returns, so an acknowledged write survives
// the process being killed, SIGKILL included; only a power loss or OS crash can
// drop the last few commits, and even then the file stays consistent. Pass
// { synchronous: "FULL" } to fsync every commit when power loss matters too.
//
// Every method runs its SQL synchronously, with no await inside a transaction,
// so calls on one instance never interleave. Other connections (other
// processes) are serialized by SQLite's locks: writes take the lock up front
// with BEGIN IMMEDIATE and wait up to busyTimeoutMs for it.
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { ID_PREFIX, type Kind, type Resource, type ResourceInput } from "../model/resource.ts";
import type { Execution, ExecutionEvent, ExecutionKind } from "../model/execution.ts";
import { EXECUTION_PHASES } from "../model/execution.ts";
import { newId } from "../model/ids.ts";
import { slugify } from "../model/slug.ts";
import type {
  ApplyBatchOptions,
  ApplyBatchResult,
  ExecutionUpdate,
  ListOptions,
  NewExecution,
  Page,
  ResourceStore,
} from "./store.ts";
import { InvalidInputError, NotFoundError, StoreError } from "./errors.ts";
import { decodePageToken, encodePageToken } from "./page_token.ts";
import { isKind, prepareInput, sameContent } from "./resource_input.ts";
import { migrate } from "./sqlite_schema.ts";
import {
  type EventRow,
  type ExecutionRow,
  type ResourceRow,
  toEvent,
  toExecution,
  toResource,
} from "./rows.ts";
import { executionRowBytes, resourceRowBytes, takePage } from "./page_budget.ts";

export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
  /** NORMAL survives process crashes; FULL also survives power loss, at an fsync per commit. */
  synchronous?: "NORMAL" | "FULL";
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const EXECUTION_ID_PREFIX: Record<ExecutionKind, string> = {
  WorkflowExecution: "wex",
  AgentExecution: "aex",
};
const INTERRUPTED_MESSAGE = "the daemon stopped before the execution finished";

export class SqliteStore implements ResourceStore {
  readonly path: string;
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  /** Opens (creating if needed) the store file and brings its schema up to date. The directory must exist. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
    } catch (err) {
      throw new StoreError(`cannot open the store at ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    try {
      // busy_timeout first: the pragmas and the migration below may wait on other openers.
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 10_000))}`);
      const { journal_mode } = db.prepare("PRAGMA journal_mode = WAL").get() as {
        journal_mode: string;
      };
      if (journal_mode.toLowerCase() !== "wal") {
        throw new StoreError(`cannot switch ${path} to WAL mode (it stays in ${journal_mode})`);
      }
      db.exec(`PRAGMA synchronous = ${options.synchronous === "FULL" ? "FULL" : "NORMAL"}`);
      db.exec("PRAGMA foreign_keys = ON");
      migrate(db);
    } catch (err) {
      db.close();
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot open the store at ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    return new SqliteStore(path, db);
  }

  // ---- resources ----------------------------------------------------------

  applyBatch(
    org: string,
    inputs: ResourceInput[],
    options: ApplyBatchOptions = {},
  ): Promise<ApplyBatchResult> {
    return Promise.try(() => this.#write(() => this.#applyBatch(org, inputs, options)));
  }

  #applyBatch(org: string, inputs: ResourceInput[], options: ApplyBatchOptions): ApplyBatchResult {
    const pruneProject = options.pruneProject;
    if (pruneProject === "") {
      throw new InvalidInputError(
        "prune needs a project name; an empty one would delete every resource outside a project",
      );
    }
    const now = timestamp();
    const declared = new Set<string>();
    const outcomes = inputs.map((raw, index) => {
      const input = prepareInput(raw, index);
      const key = `${input.kind}/${input.slug}`;
      if (declared.has(key)) {
        throw new InvalidInputError(
          `resource ${
            index + 1
          } "${input.name}": another ${input.kind} in the batch has the slug "${input.slug}"`,
        );
      }
      declared.add(key);

      const existing = this.#get<ResourceRow>(
        "SELECT * FROM resources WHERE org = ? AND kind = ? AND slug = ?",
        org,
        input.kind,
        input.slug,
      );
      if (!existing) {
        const row = this.#get<ResourceRow>(
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
        )!;
        return { action: "CREATED" as const, resource: toResource(row) };
      }
      const unchanged = sameContent(existing, input);
      if (unchanged) return { action: "UNCHANGED" as const, resource: toResource(existing) };
      const row = this.#get<ResourceRow>(
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
      )!;
      return { action: "UPDATED" as const, resource: toResource(row) };
    });

    const pruned: Resource[] = [];
    if (pruneProject !== undefined) {
      const rows = this.#all<ResourceRow>(
        "SELECT * FROM resources WHERE org = ? AND project = ? ORDER BY kind, slug",
        org,
        pruneProject,
      );
      for (const row of rows) {
        if (declared.has(`${row.kind}/${row.slug}`)) continue;
        this.#run("DELETE FROM resources WHERE id = ?", row.id);
        pruned.push(toResource(row));
      }
    }
    return { outcomes, pruned };
  }

  get(org: string, kind: Kind, ref: string): Promise<Resource | undefined> {
    return Promise.try(() => {
      const row = this.#find(org, kind, ref);
      return row && toResource(row);
    });
  }

  list(org: string, options: ListOptions = {}): Promise<Page<Resource>> {
    return Promise.try(() => {
      const pageSize = clampPageSize(options.pageSize);
      const where = ["org = ?"];
      const params: SQLInputValue[] = [org];
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
      // json_each rather than a JSON path: label keys may hold dots, slashes or quotes.
      for (const [key, value] of Object.entries(options.labels ?? {}).sort()) {
        where.push(
          "EXISTS (SELECT 1 FROM json_each(resources.labels) AS l WHERE l.key = ? AND l.value = ?)",
        );
        params.push(key, value);
      }
      // Iterated, and cut by count and size: rows past the page are never read.
      const page = takePage(
        this.#statement(
          `SELECT * FROM resources WHERE ${where.join(" AND ")} ORDER BY kind, slug LIMIT ?`,
        ).iterate(...params, pageSize + 1) as Iterable<ResourceRow>,
        pageSize,
        resourceRowBytes,
      );
      const items = page.rows.map(toResource);
      const last = page.more ? page.rows.at(-1) : undefined;
      return { items, nextPageToken: last ? encodePageToken([last.kind, last.slug]) : "" };
    });
  }

  delete(org: string, kind: Kind, ref: string): Promise<Resource | undefined> {
    return Promise.try(() =>
      this.#write(() => {
        const row = this.#find(org, kind, ref);
        if (!row) return undefined;
        this.#run("DELETE FROM resources WHERE id = ?", row.id);
        return toResource(row);
      })
    );
  }

  /** Slug first, then exact name, then id: a slug or name never looks like another's id. */
  #find(org: string, kind: Kind, ref: string): ResourceRow | undefined {
    checkKind(kind);
    const base = "SELECT * FROM resources WHERE org = ? AND kind = ?";
    return this.#get<ResourceRow>(`${base} AND slug = ?`, org, kind, ref) ??
      this.#get<ResourceRow>(`${base} AND slug = ? AND name = ?`, org, kind, slugify(ref), ref) ??
      this.#get<ResourceRow>(`${base} AND id = ?`, org, kind, ref);
  }

  // ---- executions ---------------------------------------------------------

  createExecution(input: NewExecution): Promise<Execution> {
    return Promise.try(() => {
      const prefix = EXECUTION_ID_PREFIX[input.kind];
      if (!prefix) {
        throw new InvalidInputError(`unknown execution kind ${JSON.stringify(input.kind)}`);
      }
      const row = this.#get<ExecutionRow>(
        `INSERT INTO executions (id, org, kind, target_id, target_name, phase, input, created_at)
         VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?) RETURNING *`,
        newId(prefix),
        input.org,
        input.kind,
        input.targetId,
        input.targetName,
        JSON.stringify(input.input ?? {}),
        timestamp(),
      )!;
      return toExecution(row);
    });
  }

  getExecution(org: string, id: string): Promise<Execution | undefined> {
    return Promise.try(() => {
      const row = this.#get<ExecutionRow>(
        "SELECT * FROM executions WHERE org = ? AND id = ?",
        org,
        id,
      );
      return row && toExecution(row);
    });
  }

  listExecutions(
    org: string,
    options: { pageSize?: number; pageToken?: string } = {},
  ): Promise<Page<Execution>> {
    return Promise.try(() => {
      const pageSize = clampPageSize(options.pageSize);
      const [before] = options.pageToken
        ? decodePageToken<[number]>(options.pageToken, ["number"])
        : [Number.MAX_SAFE_INTEGER];
      const page = takePage(
        this.#statement(
          "SELECT * FROM executions WHERE org = ? AND n < ? ORDER BY n DESC LIMIT ?",
        ).iterate(org, before, pageSize + 1) as Iterable<ExecutionRow>,
        pageSize,
        executionRowBytes,
      );
      const items = page.rows.map(toExecution);
      const last = page.more ? page.rows.at(-1) : undefined;
      return { items, nextPageToken: last ? encodePageToken([last.n]) : "" };
    });
  }

  updateExecution(id: string, update: ExecutionUpdate): Promise<Execution> {
    return Promise.try(() => {
      if (update.phase !== undefined && !EXECUTION_PHASES.includes(update.phase)) {
        throw new InvalidInputError(`unknown execution phase ${JSON.stringify(update.phase)}`);
      }
      // NULL keeps the stored value; JSON null is the string 'null', so output can be cleared.
      const row = this.#get<ExecutionRow>(
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
      if (!row) throw new NotFoundError(`execution ${id} not found`);
      return toExecution(row);
    });
  }

  appendEvent(
    event: Omit<ExecutionEvent, "seq" | "time"> & { time?: string },
  ): Promise<ExecutionEvent> {
    return Promise.try(() => this.#write(() => this.#appendEvent(event, timestamp())));
  }

  /** Call inside a write transaction: the next seq is read and used under the same lock. */
  #appendEvent(
    event: Omit<ExecutionEvent, "seq" | "time"> & { time?: string },
    now: string,
  ): ExecutionEvent {
    if (!this.#get("SELECT 1 AS found FROM executions WHERE id = ?", event.executionId)) {
      throw new NotFoundError(`execution ${event.executionId} not found`);
    }
    const row = this.#get<EventRow>(
      `INSERT INTO execution_events (execution_id, seq, type, task, message, data, time)
       VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM execution_events WHERE execution_id = ?1),
               ?2, ?3, ?4, ?5, ?6)
       RETURNING *`,
      event.executionId,
      event.type,
      event.task ?? "",
      event.message ?? "",
      JSON.stringify(event.data ?? null) ?? "null",
      event.time ?? now,
    )!;
    return toEvent(row);
  }

  listEvents(executionId: string, afterSeq = 0): Promise<ExecutionEvent[]> {
    return Promise.try(() =>
      this.#all<EventRow>(
        "SELECT * FROM execution_events WHERE execution_id = ? AND seq > ? ORDER BY seq",
        executionId,
        afterSeq,
      ).map(toEvent)
    );
  }

  markUnfinishedInterrupted(): Promise<number> {
    return Promise.try(() =>
      this.#write(() => {
        const now = timestamp();
        const rows = this.#all<{ id: string }>(
          "SELECT id FROM executions WHERE phase IN ('PENDING', 'RUNNING') ORDER BY n",
        );
        for (const { id } of rows) {
          this.#run(
            `UPDATE executions
               SET phase = 'INTERRUPTED', finished_at = ?,
                   error = CASE WHEN error = '' THEN ? ELSE error END
             WHERE id = ?`,
            now,
            INTERRUPTED_MESSAGE,
            id,
          );
          this.#appendEvent({
            executionId: id,
            type: "execution.interrupted",
            task: "",
            message: INTERRUPTED_MESSAGE,
            data: null,
          }, now);
        }
        return rows.length;
      })
    );
  }

  // ---- upkeep -------------------------------------------------------------

  integrityCheck(): Promise<string> {
    return Promise.try(() =>
      this.#all<{ integrity_check: string }>("PRAGMA integrity_check")
        .map((row) => row.integrity_check)
        .join("\n")
    );
  }

  close(): Promise<void> {
    return Promise.try(() => {
      this.#statements.clear();
      if (this.#db.isOpen) this.#db.close();
    });
  }

  // ---- SQL helpers --------------------------------------------------------

  /** Runs fn in one write transaction: all of it is committed, or none. */
  #write<T>(fn: () => T): T {
    // IMMEDIATE takes the write lock now, so what fn reads cannot go stale before it writes.
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.#db.exec("COMMIT");
      return result;
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get<T>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return this.#statement(sql).get(...params) as T | undefined;
  }

  #all<T>(sql: string, ...params: SQLInputValue[]): T[] {
    return this.#statement(sql).all(...params) as T[];
  }

  #run(sql: string, ...params: SQLInputValue[]): void {
    this.#statement(sql).run(...params);
  }
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

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

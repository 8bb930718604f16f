// The shared server's store on PostgreSQL (npm "postgres"), with the SQLite
// store's semantics: the same rows, ordering, page tokens and errors.
//
// SQLite serializes writers with BEGIN IMMEDIATE; here, writes to one
// organization take a transaction-level advisory lock on it, so what a batch
// reads cannot go stale before it writes, also across server processes.
// Every write is one transaction: a database that goes away mid-way leaves
// nothing behind, and the caller gets StoreUnavailableError.
import postgres, { type Sql, type TransactionSql } from "postgres";
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
import { LOCK_NAMESPACE, migrate } from "./postgres_schema.ts";
import { describeDatabase, isConnectionError, toStoreError } from "./postgres_errors.ts";
import { installPostgresDriverGuard } from "./postgres_driver_guard.ts";
import {
  type EventRow,
  type ExecutionRow,
  type ResourceRow,
  toEvent,
  toExecution,
  toResource,
} from "./rows.ts";
import { executionRowBytes, resourceRowBytes, takePage } from "./page_budget.ts";

export interface PostgresStoreOptions {
  /** Connections in the pool. */
  max?: number;
  connectTimeoutSeconds?: number;
}

type Query = Sql | TransactionSql;
type Param = string | number | null;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const EXECUTION_ID_PREFIX: Record<ExecutionKind, string> = {
  WorkflowExecution: "wex",
  AgentExecution: "aex",
};
const INTERRUPTED_MESSAGE = "the daemon stopped before the execution finished";

export class PostgresStore implements ResourceStore {
  readonly #sql: Sql;
  readonly #where: string;

  private constructor(sql: Sql, where: string) {
    this.#sql = sql;
    this.#where = where;
  }

  /** Connects, and migrates the schema (safe when several servers start at once). */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    installPostgresDriverGuard();
    const where = describeDatabase(url);
    const sql = postgres(url, {
      max: options.max ?? 10,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      onnotice: () => {},
      // bigint (executions.n) as a JS number, as SQLite gives it: it stays far below 2^53.
      types: {
        bigint: { to: 20, from: [20], serialize: (n: number) => String(n), parse: Number },
      },
      transform: { undefined: null },
    });
    try {
      await migrate(sql);
    } catch (err) {
      await sql.end({ timeout: 1 }).catch(() => {});
      if (err instanceof StoreError) throw err;
      throw toStoreError(err, `cannot open the store at ${where}`);
    }
    return new PostgresStore(sql, where);
  }

  /** Where the database is, without the password. */
  describe(): string {
    return this.#where;
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
    return this.#write(org, async (tx) => {
      const now = timestamp();
      const declared = new Set<string>();
      const outcomes = [];
      for (const [index, raw] of inputs.entries()) {
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
        const [existing] = await q<ResourceRow>(
          tx,
          "SELECT * FROM resources WHERE org = $1 AND kind = $2 AND slug = $3",
          [org, input.kind, input.slug],
        );
        if (!existing) {
          const [row] = await q<ResourceRow>(
            tx,
            `INSERT INTO resources
               (org, kind, slug, id, name, project, labels, annotations, spec, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING *`,
            [
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
            ],
          );
          outcomes.push({ action: "CREATED" as const, resource: toResource(row) });
          continue;
        }
        const unchanged = sameContent(existing, input);
        if (unchanged) {
          outcomes.push({ action: "UNCHANGED" as const, resource: toResource(existing) });
          continue;
        }
        const [row] = await q<ResourceRow>(
          tx,
          `UPDATE resources
             SET name = $1, project = $2, labels = $3, annotations = $4, spec = $5,
                 version = version + 1, updated_at = $6
           WHERE id = $7 RETURNING *`,
          [
            input.name,
            input.project,
            input.labels,
            input.annotations,
            input.spec,
            now,
            existing.id,
          ],
        );
        outcomes.push({ action: "UPDATED" as const, resource: toResource(row) });
      }

      const pruned: Resource[] = [];
      if (pruneProject !== undefined) {
        const rows = await q<ResourceRow>(
          tx,
          "SELECT * FROM resources WHERE org = $1 AND project = $2 ORDER BY kind, slug",
          [org, pruneProject],
        );
        for (const row of rows) {
          if (declared.has(`${row.kind}/${row.slug}`)) continue;
          await q(tx, "DELETE FROM resources WHERE id = $1", [row.id]);
          pruned.push(toResource(row));
        }
      }
      return { outcomes, pruned };
    });
  }

  get(org: string, kind: Kind, ref: string): Promise<Resource | undefined> {
    return this.#read(async () => {
      const row = await this.#find(this.#sql, org, kind, ref);
      return row && toResource(row);
    });
  }

  list(org: string, options: ListOptions = {}): Promise<Page<Resource>> {
    return this.#read(async () => {
      const pageSize = clampPageSize(options.pageSize);
      const where = ["org = $1"];
      const params: Param[] = [org];
      const add = (value: Param) => `$${params.push(value)}`;
      if (options.kind !== undefined) {
        checkKind(options.kind);
        where.push(`kind = ${add(options.kind)}`);
      }
      if (options.pageToken) {
        const [kind, slug] = decodePageToken<[string, string]>(options.pageToken, [
          "string",
          "string",
        ]);
        where.push(`(kind, slug) > (${add(kind)}, ${add(slug)})`);
      }
      // A key lookup rather than a JSON path: label keys may hold dots, slashes or quotes.
      for (const [key, value] of Object.entries(options.labels ?? {}).sort()) {
        where.push(`(labels::jsonb ->> ${add(key)}) = ${add(value)}`);
      }
      const rows = await q<ResourceRow>(
        this.#sql,
        `SELECT * FROM resources WHERE ${where.join(" AND ")} ORDER BY kind, slug LIMIT ${
          add(pageSize + 1) // one more than asked tells whether another page follows
        }`,
        params,
      );
      const page = takePage(rows, pageSize, resourceRowBytes);
      const items = page.rows.map(toResource);
      const last = page.more ? page.rows.at(-1) : undefined;
      return { items, nextPageToken: last ? encodePageToken([last.kind, last.slug]) : "" };
    });
  }

  delete(org: string, kind: Kind, ref: string): Promise<Resource | undefined> {
    return this.#write(org, async (tx) => {
      const row = await this.#find(tx, org, kind, ref);
      if (!row) return undefined;
      await q(tx, "DELETE FROM resources WHERE id = $1", [row.id]);
      return toResource(row);
    });
  }

  /** Slug first, then exact name, then id: a slug or name never looks like another's id. */
  async #find(db: Query, org: string, kind: Kind, ref: string): Promise<ResourceRow | undefined> {
    checkKind(kind);
    const base = "SELECT * FROM resources WHERE org = $1 AND kind = $2";
    return (await q<ResourceRow>(db, `${base} AND slug = $3`, [org, kind, ref]))[0] ??
      (await q<ResourceRow>(db, `${base} AND slug = $3 AND name = $4`, [
        org,
        kind,
        slugify(ref),
        ref,
      ]))[0] ??
      (await q<ResourceRow>(db, `${base} AND id = $3`, [org, kind, ref]))[0];
  }

  // ---- executions ---------------------------------------------------------

  createExecution(input: NewExecution): Promise<Execution> {
    return this.#read(async (started) => {
      started(); // an INSERT whose answer was lost may have happened: not retried
      const prefix = EXECUTION_ID_PREFIX[input.kind];
      if (!prefix) {
        throw new InvalidInputError(`unknown execution kind ${JSON.stringify(input.kind)}`);
      }
      const [row] = await q<ExecutionRow>(
        this.#sql,
        `INSERT INTO executions (id, org, kind, target_id, target_name, phase, input, created_at)
         VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7) RETURNING *`,
        [
          newId(prefix),
          input.org,
          input.kind,
          input.targetId,
          input.targetName,
          JSON.stringify(input.input ?? {}),
          timestamp(),
        ],
      );
      return toExecution(row);
    });
  }

  getExecution(org: string, id: string): Promise<Execution | undefined> {
    return this.#read(async () => {
      const [row] = await q<ExecutionRow>(
        this.#sql,
        "SELECT * FROM executions WHERE org = $1 AND id = $2",
        [org, id],
      );
      return row && toExecution(row);
    });
  }

  listExecutions(
    org: string,
    options: { pageSize?: number; pageToken?: string } = {},
  ): Promise<Page<Execution>> {
    return this.#read(async () => {
      const pageSize = clampPageSize(options.pageSize);
      const [before] = options.pageToken
        ? decodePageToken<[number]>(options.pageToken, ["number"])
        : [Number.MAX_SAFE_INTEGER];
      const rows = await q<ExecutionRow>(
        this.#sql,
        "SELECT * FROM executions WHERE org = $1 AND n < $2 ORDER BY n DESC LIMIT $3",
        [org, before, pageSize + 1],
      );
      const page = takePage(rows, pageSize, executionRowBytes);
      const items = page.rows.map(toExecution);
      const last = page.more ? page.rows.at(-1) : undefined;
      return { items, nextPageToken: last ? encodePageToken([last.n]) : "" };
    });
  }

  updateExecution(id: string, update: ExecutionUpdate): Promise<Execution> {
    return this.#read(async () => {
      if (update.phase !== undefined && !EXECUTION_PHASES.includes(update.phase)) {
        throw new InvalidInputError(`unknown execution phase ${JSON.stringify(update.phase)}`);
      }
      // NULL keeps the stored value; JSON null is the string 'null', so output can be cleared.
      const [row] = await q<ExecutionRow>(
        this.#sql,
        `UPDATE executions SET
           phase = coalesce($1, phase),
           output = coalesce($2, output),
           error = coalesce($3, error),
           started_at = coalesce($4, started_at),
           finished_at = coalesce($5, finished_at)
         WHERE id = $6 RETURNING *`,
        [
          update.phase ?? null,
          update.output === undefined ? null : JSON.stringify(update.output) ?? "null",
          update.error ?? null,
          update.startedAt ?? null,
          update.finishedAt ?? null,
          id,
        ],
      );
      if (!row) throw new NotFoundError(`execution ${id} not found`);
      return toExecution(row);
    });
  }

  appendEvent(
    event: Omit<ExecutionEvent, "seq" | "time"> & { time?: string },
  ): Promise<ExecutionEvent> {
    return this.#transaction((tx) => appendEvent(tx, event, timestamp()));
  }

  listEvents(executionId: string, afterSeq = 0): Promise<ExecutionEvent[]> {
    return this.#read(async () =>
      (await q<EventRow>(
        this.#sql,
        "SELECT * FROM execution_events WHERE execution_id = $1 AND seq > $2 ORDER BY seq",
        [executionId, afterSeq],
      )).map(toEvent)
    );
  }

  markUnfinishedInterrupted(): Promise<number> {
    return this.#transaction(async (tx) => {
      const now = timestamp();
      const rows = await q<{ id: string }>(
        tx,
        "SELECT id FROM executions WHERE phase IN ('PENDING', 'RUNNING') ORDER BY n FOR UPDATE",
        [],
      );
      for (const { id } of rows) {
        await q(
          tx,
          `UPDATE executions
             SET phase = 'INTERRUPTED', finished_at = $1,
                 error = CASE WHEN error = '' THEN $2 ELSE error END
           WHERE id = $3`,
          [now, INTERRUPTED_MESSAGE, id],
        );
        await appendEvent(tx, {
          executionId: id,
          type: "execution.interrupted",
          task: "",
          message: INTERRUPTED_MESSAGE,
          data: null,
        }, now);
      }
      return rows.length;
    });
  }

  // ---- upkeep -------------------------------------------------------------

  integrityCheck(): Promise<string> {
    return this.#read(async () => {
      const [row] = await q<{ version: number }>(
        this.#sql,
        "SELECT version FROM stigmer_schema",
        [],
      );
      return row ? "ok" : "the schema version is missing";
    });
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }

  // ---- helpers ------------------------------------------------------------

  /**
   * Runs fn, and once more if it failed on a connection that died while idle
   * in the pool (after a database restart) before fn called started(): until
   * then nothing can have been written, so a restart costs no failed request.
   * Reads never call started(); single writes call it first (never retried).
   */
  async #read<T>(fn: (started: () => void) => Promise<T>): Promise<T> {
    let started = false;
    const fail = (err: unknown) => toStoreError(err, `the database at ${this.#where} failed`);
    try {
      return await fn(() => (started = true));
    } catch (err) {
      if (started || !isConnectionError(err)) throw fail(err);
    }
    try {
      return await fn(() => {});
    } catch (err) {
      throw fail(err);
    }
  }

  #transaction<T>(fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
    // started() once BEGIN went through: a failure after it is never retried.
    return this.#read((started) =>
      this.#sql.begin((tx) => {
        started();
        return fn(tx);
      }) as Promise<T>
    );
  }

  /** One transaction holding the organization's write lock. */
  #write<T>(org: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
    return this.#transaction(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${org}))`;
      return await fn(tx);
    });
  }
}

/** Inside a transaction: the execution row is locked, so the next seq cannot be taken twice. */
async function appendEvent(
  tx: TransactionSql,
  event: Omit<ExecutionEvent, "seq" | "time"> & { time?: string },
  now: string,
): Promise<ExecutionEvent> {
  const found = await q(tx, "SELECT 1 FROM executions WHERE id = $1 FOR UPDATE", [
    event.executionId,
  ]);
  if (found.length === 0) throw new NotFoundError(`execution ${event.executionId} not found`);
  const [row] = await q<EventRow>(
    tx,
    `INSERT INTO execution_events (execution_id, seq, type, task, message, data, time)
     VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM execution_events WHERE execution_id = $1),
             $2, $3, $4, $5, $6)
     RETURNING *`,
    [
      event.executionId,
      event.type,
      event.task ?? "",
      event.message ?? "",
      JSON.stringify(event.data ?? null) ?? "null",
      event.time ?? now,
    ],
  );
  return toEvent(row);
}

async function q<T = Record<string, unknown>>(
  db: Query,
  text: string,
  params: Param[],
): Promise<T[]> {
  return [...await db.unsafe(text, params)] as T[];
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

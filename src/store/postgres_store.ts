// The shared server's store on PostgreSQL (npm "postgres"): the algorithm of
// sql_store.ts, so the same rows, ordering, page tokens and errors as SQLite;
// this is its PostgreSQL dialect.
//
// SQLite serializes writers with BEGIN IMMEDIATE; here, writes to one
// organization take a transaction-level advisory lock on it, so what a batch
// reads cannot go stale before it writes, also across server processes.
// Every write is one transaction: a database that goes away mid-way leaves
// nothing behind, and the caller gets StoreUnavailableError.
import postgres, { type Sql, type TransactionSql } from "postgres";
import { StoreError } from "./errors.ts";
import { LOCK_NAMESPACE, migrate } from "./postgres_schema.ts";
import { describeDatabase, isConnectionError, toStoreError } from "./postgres_errors.ts";
import { installPostgresDriverGuard } from "./postgres_driver_guard.ts";
import { type Dialect, type Query, runAsync, type Step } from "./sql.ts";
import { SqlStore } from "./sql_store.ts";

export interface PostgresStoreOptions {
  /** Connections in the pool. */
  max?: number;
  connectTimeoutSeconds?: number;
}

const EVENTS_CHANNEL = "stigmer_execution_events";

class PostgresDialect implements Dialect {
  // A key lookup rather than a JSON path: label keys may hold dots, slashes or quotes.
  readonly labelEquals = "(labels::jsonb ->> ?) = ?";
  readonly forUpdate = " FOR UPDATE";
  // Delivered at commit, to every server that LISTENs (Watch of a run on another server).
  readonly notifyEvent = `SELECT pg_notify('${EVENTS_CHANNEL}', ?)`;
  readonly #sql: Sql;
  readonly #where: string;
  readonly #texts = new Map<string, string>();

  constructor(sql: Sql, where: string) {
    this.#sql = sql;
    this.#where = where;
  }

  write<T>(step: () => Step<T>, lock?: string): Promise<T> {
    // started() once BEGIN went through: a failure after it is never retried.
    return this.#attempt((started) =>
      this.#sql.begin(async (tx) => {
        started();
        if (lock !== undefined) {
          await tx`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${lock}))`;
        }
        return await runAsync(step(), (query) => this.#query(tx, query));
      }) as Promise<T>
    );
  }

  read<T>(step: () => Step<T>, retry: boolean): Promise<T> {
    return this.#attempt((started) => {
      if (!retry) started();
      return runAsync(step(), (query) => this.#query(this.#sql, query));
    });
  }

  integrityCheck(): Promise<string> {
    return this.read(function* () {
      const found = (yield { sql: "SELECT version FROM stigmer_schema", params: [] }) as unknown[];
      return found.length > 0 ? "ok" : "the schema version is missing";
    }, true);
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }

  /** `?` placeholders become PostgreSQL's `$1`, `$2`, … (none of our SQL has a literal `?`). */
  async #query(db: Sql | TransactionSql, { sql, params }: Query): Promise<unknown[]> {
    let text = this.#texts.get(sql);
    if (text === undefined) {
      let n = 0;
      text = sql.replace(/\?/g, () => `$${++n}`);
      this.#texts.set(sql, text);
    }
    return [...await db.unsafe(text, params)];
  }

  /**
   * Runs fn, and once more if it failed on a connection that died while idle
   * in the pool (after a database restart) before fn called started(): until
   * then nothing can have been written, so a restart costs no failed request.
   */
  async #attempt<T>(fn: (started: () => void) => Promise<T>): Promise<T> {
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
}

export class PostgresStore extends SqlStore {
  readonly #where: string;
  readonly #sql: Sql;

  private constructor(sql: Sql, where: string) {
    super(new PostgresDialect(sql, where));
    this.#where = where;
    this.#sql = sql;
  }

  async watchEvents(
    onEvent: (executionId: string) => void,
  ): Promise<() => Promise<void>> {
    const { unlisten } = await this.#sql.listen(EVENTS_CHANNEL, onEvent);
    return unlisten;
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
}

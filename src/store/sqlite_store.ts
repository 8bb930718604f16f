// The embedded store of the local daemon: one SQLite file, opened with
// node:sqlite (synchronous, built into Deno). The algorithm is sql_store.ts;
// this is its SQLite dialect.
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
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { StoreError } from "./errors.ts";
import { migrate } from "./sqlite_schema.ts";
import { type Dialect, type Query, runSync, type Step } from "./sql.ts";
import { SqlStore } from "./sql_store.ts";

export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
  /** NORMAL survives process crashes; FULL also survives power loss, at an fsync per commit. */
  synchronous?: "NORMAL" | "FULL";
}

class SqliteDialect implements Dialect {
  // json_each rather than a JSON path: label keys may hold dots, slashes or quotes.
  readonly labelEquals =
    "EXISTS (SELECT 1 FROM json_each(resources.labels) AS l WHERE l.key = ? AND l.value = ?)";
  // Writers are serialized by BEGIN IMMEDIATE; SQLite has no row locks.
  readonly forUpdate = "";
  readonly notifyEvent = "";
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  write<T>(step: () => Step<T>): Promise<T> {
    return Promise.try(() => {
      // IMMEDIATE takes the write lock now, so what the step reads cannot go stale before it writes.
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = runSync(step(), this.#query);
        this.#db.exec("COMMIT");
        return result;
      } catch (err) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  read<T>(step: () => Step<T>): Promise<T> {
    return Promise.try(() => runSync(step(), this.#query));
  }

  integrityCheck(): Promise<string> {
    return Promise.try(() =>
      this.#query({ sql: "PRAGMA integrity_check", params: [] })
        .map((row) => (row as { integrity_check: string }).integrity_check)
        .join("\n")
    );
  }

  close(): Promise<void> {
    return Promise.try(() => {
      this.#statements.clear();
      if (this.#db.isOpen) this.#db.close();
    });
  }

  #query = ({ sql, params }: Query): unknown[] => {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement.all(...params);
  };
}

export class SqliteStore extends SqlStore {
  readonly path: string;

  private constructor(path: string, db: DatabaseSync) {
    super(new SqliteDialect(db));
    this.path = path;
  }

  /** Opens (creating if needed) the store file and brings its schema up to date. The directory must exist. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    let db: DatabaseSync;
    try {
      createPrivate(path);
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
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The store holds every resource: 0600, not what the umask leaves (0644).
 * SQLite gives its -wal and -shm files the mode of the database file, so the
 * database is created (or tightened) first, and leftovers are tightened too.
 */
function createPrivate(path: string): void {
  Deno.openSync(path, { create: true, write: true, mode: 0o600 }).close();
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      const mode = Deno.statSync(file).mode;
      if (mode !== null && (mode & 0o077) !== 0) Deno.chmodSync(file, 0o600);
    } catch {
      // no WAL yet
    }
  }
}

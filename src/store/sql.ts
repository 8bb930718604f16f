// What one SQL store algorithm needs from a database: a dialect. The algorithm
// (sql_store.ts) is written once as generator functions that yield queries and
// receive their rows; SQLite runs them synchronously inside its transaction (no
// await, so calls on one connection never interleave), PostgreSQL awaits each
// query. Hand-written rather than a query builder such as Kysely: those are async
// only, which would make the SQLite store interleave calls inside a transaction or
// need a lock of its own, for two dialects that differ in four fragments.

export type Param = string | number | null;

/** A query with `?` placeholders, in the order of `params`. */
export interface Query {
  sql: string;
  params: Param[];
}

/** A step of the algorithm: yields queries, receives each one's rows, returns T. */
export type Step<T> = Generator<Query, T, unknown[]>;

export function* rows<T>(sql: string, ...params: Param[]): Generator<Query, T[], unknown[]> {
  return (yield { sql, params }) as T[];
}

export function* row<T>(
  sql: string,
  ...params: Param[]
): Generator<Query, T | undefined, unknown[]> {
  return (yield* rows<T>(sql, ...params))[0];
}

export interface Dialect {
  /** A condition true when the row's labels (JSON text) hold key = value; params: key, value. */
  readonly labelEquals: string;
  /** Appended to a SELECT that must lock its rows until the transaction ends ("" where writers are serialized anyway). */
  readonly forUpdate: string;
  /** Run after an event is appended, with the execution's id ("" where no one listens). */
  readonly notifyEvent: string;
  /**
   * Runs a step in one transaction: all of it is committed, or none. Writers that
   * name the same lock (an organization) run one at a time, also across processes.
   */
  write<T>(step: () => Step<T>, lock?: string): Promise<T>;
  /**
   * Runs a step outside a transaction. `retry`: the step may run again if the database
   * connection turned out dead before it did anything (a read, or an idempotent update).
   */
  read<T>(step: () => Step<T>, retry: boolean): Promise<T>;
  /** "ok" when the database is sound. */
  integrityCheck(): Promise<string>;
  close(): Promise<void>;
}

/** Runs a step with a synchronous query function. */
export function runSync<T>(step: Step<T>, query: (q: Query) => unknown[]): T {
  let next = step.next();
  while (!next.done) {
    let result: unknown[];
    try {
      result = query(next.value);
    } catch (err) {
      next = step.throw(err);
      continue;
    }
    next = step.next(result);
  }
  return next.value;
}

/** Runs a step with an asynchronous query function. */
export async function runAsync<T>(
  step: Step<T>,
  query: (q: Query) => Promise<unknown[]>,
): Promise<T> {
  let next = step.next();
  while (!next.done) {
    let result: unknown[];
    try {
      result = await query(next.value);
    } catch (err) {
      next = step.throw(err);
      continue;
    }
    next = step.next(result);
  }
  return next.value;
}

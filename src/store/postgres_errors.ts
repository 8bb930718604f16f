// Errors of the PostgreSQL store: the database being out of reach is told
// apart from a bad request, so the server can answer UNAVAILABLE.
import { StoreError } from "./errors.ts";

/** The database could not be reached or went away; nothing was committed. */
export class StoreUnavailableError extends StoreError {}

// Connection failures from the driver, and the server's "shutting down",
// "starting up" and connection-exception SQLSTATE classes.
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

export function isConnectionError(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? "");
  return CONNECTION_CODES.has(code) || /^(08|57P)/.test(code) ||
    /connection|socket|ECONNREFUSED|ECONNRESET|terminat/i.test((err as Error)?.message ?? "");
}

/** Store errors pass through; a lost connection becomes StoreUnavailableError. */
export function toStoreError(err: unknown, context: string): unknown {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isConnectionError(err)) {
    return new StoreUnavailableError(
      `${context}: the database is unavailable (${message}); nothing was written`,
      { hint: "check that PostgreSQL is running and reachable, then try again", cause: err },
    );
  }
  return new StoreError(`${context}: ${message}`, { cause: err });
}

/** A database URL without its password, for logs and errors. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(invalid database URL)";
  }
}

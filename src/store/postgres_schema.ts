// The PostgreSQL schema as ordered migrations, mirroring sqlite_schema.ts.
// JSON is kept as text (as in SQLite) so a spec keeps its key order; keys
// sort with the "C" collation, byte order, as SQLite's BINARY does.
// Append new migrations at the end; never edit one that has shipped.
import type { Sql } from "postgres";
import { KINDS } from "../model/resource.ts";
import { EXECUTION_PHASES } from "../model/execution.ts";
import { StoreError } from "./errors.ts";

const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

/** First key of every advisory lock this store takes; the second says which. */
export const LOCK_NAMESPACE = 0x5354; // "ST"
const MIGRATION_LOCK = 0;

export const MIGRATIONS: readonly string[] = [
  // 1: resources, executions and their events.
  `
  CREATE TABLE resources (
    org         TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL CHECK (kind IN (${sqlList(KINDS)})),
    slug        TEXT COLLATE "C" NOT NULL CHECK (slug <> ''),
    id          TEXT COLLATE "C" NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    project     TEXT COLLATE "C" NOT NULL DEFAULT '',
    labels      TEXT    NOT NULL DEFAULT '{}' CHECK (labels::jsonb IS NOT NULL),
    annotations TEXT    NOT NULL DEFAULT '{}' CHECK (annotations::jsonb IS NOT NULL),
    spec        TEXT    NOT NULL DEFAULT '{}' CHECK (spec::jsonb IS NOT NULL),
    status      TEXT    NOT NULL DEFAULT '{}' CHECK (status::jsonb IS NOT NULL),
    version     INTEGER NOT NULL CHECK (version >= 1),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (org, kind, slug)
  );
  CREATE INDEX resources_by_project ON resources (org, project);

  CREATE TABLE executions (
    -- Insertion order: listExecutions pages newest first on it.
    n           BIGSERIAL PRIMARY KEY,
    id          TEXT COLLATE "C" NOT NULL UNIQUE,
    org         TEXT COLLATE "C" NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('WorkflowExecution', 'AgentExecution')),
    target_id   TEXT    NOT NULL,
    target_name TEXT    NOT NULL,
    phase       TEXT    NOT NULL CHECK (phase IN (${sqlList(EXECUTION_PHASES)})),
    input       TEXT    NOT NULL DEFAULT '{}' CHECK (input::jsonb IS NOT NULL),
    output      TEXT    NOT NULL DEFAULT 'null' CHECK (output::jsonb IS NOT NULL),
    error       TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    started_at  TEXT    NOT NULL DEFAULT '',
    finished_at TEXT    NOT NULL DEFAULT ''
  );
  CREATE INDEX executions_by_org ON executions (org, n);
  CREATE INDEX executions_by_phase ON executions (phase);

  CREATE TABLE execution_events (
    execution_id TEXT COLLATE "C" NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    type         TEXT    NOT NULL,
    task         TEXT    NOT NULL DEFAULT '',
    message      TEXT    NOT NULL DEFAULT '',
    data         TEXT    NOT NULL DEFAULT 'null' CHECK (data::jsonb IS NOT NULL),
    time         TEXT    NOT NULL,
    UNIQUE (execution_id, seq)
  );
  `,
  // 2: durable executions: the workflow a run started with, and each task's recorded outcome.
  `
  ALTER TABLE executions ADD COLUMN workflow TEXT NOT NULL DEFAULT 'null'
    CHECK (workflow::jsonb IS NOT NULL);

  CREATE TABLE execution_checkpoints (
    execution_id TEXT COLLATE "C" NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    key          TEXT COLLATE "C" NOT NULL,
    entry        TEXT NOT NULL CHECK (entry::jsonb IS NOT NULL),
    PRIMARY KEY (execution_id, key)
  );
  `,
  // 3: secrets of a shared server (SPEC §11), each value encrypted by the server.
  `
  CREATE TABLE secrets (
    org        TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    iv         TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org, name)
  );
  `,
  // 4: agent sessions of a shared server (SPEC §10), one JSON document each.
  `
  CREATE TABLE sessions (
    org        TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    session    TEXT NOT NULL CHECK (session::jsonb IS NOT NULL),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org, name)
  );
  `,
];

/**
 * Brings the schema up to date in one transaction. Several server processes
 * may start at once: the advisory lock lets one migrate while the others wait,
 * then find nothing left to do.
 */
export async function migrate(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS stigmer_schema (version INTEGER NOT NULL)`;
    const rows = await tx<{ version: number }[]>`SELECT version FROM stigmer_schema`;
    const current = rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new StoreError(
        `the database's schema version ${current} is newer than this stigmer understands ` +
          `(${MIGRATIONS.length})`,
        { hint: "upgrade stigmer on this server" },
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) await tx.unsafe(MIGRATIONS[v]);
    if (rows.length === 0) {
      await tx`INSERT INTO stigmer_schema (version) VALUES (${MIGRATIONS.length})`;
    } else if (current < MIGRATIONS.length) {
      await tx`UPDATE stigmer_schema SET version = ${MIGRATIONS.length}`;
    }
  });
}

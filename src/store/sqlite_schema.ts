// The SQLite schema as an ordered list of migrations. PRAGMA user_version holds
// how many have been applied; open() applies the rest in one transaction.
// Append new migrations at the end; never edit one that has shipped.
import type { DatabaseSync } from "node:sqlite";
import { KINDS } from "../model/resource.ts";
import { EXECUTION_PHASES } from "../model/execution.ts";
import { StoreError } from "./errors.ts";

const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

export const MIGRATIONS: readonly string[] = [
  // 1: resources, executions and their events.
  `
  CREATE TABLE resources (
    org         TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN (${sqlList(KINDS)})),
    slug        TEXT    NOT NULL CHECK (slug <> ''),
    id          TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    project     TEXT    NOT NULL DEFAULT '',
    labels      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(labels)),
    annotations TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(annotations)),
    spec        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(spec)),
    status      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(status)),
    version     INTEGER NOT NULL CHECK (version >= 1),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (org, kind, slug)
  );
  CREATE INDEX resources_by_project ON resources (org, project);

  CREATE TABLE executions (
    -- Insertion order: listExecutions pages newest first on it.
    n           INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    org         TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('WorkflowExecution', 'AgentExecution')),
    target_id   TEXT    NOT NULL,
    target_name TEXT    NOT NULL,
    phase       TEXT    NOT NULL CHECK (phase IN (${sqlList(EXECUTION_PHASES)})),
    input       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(input)),
    output      TEXT    NOT NULL DEFAULT 'null' CHECK (json_valid(output)),
    error       TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    started_at  TEXT    NOT NULL DEFAULT '',
    finished_at TEXT    NOT NULL DEFAULT ''
  );
  CREATE INDEX executions_by_org ON executions (org, n);
  CREATE INDEX executions_by_phase ON executions (phase);

  CREATE TABLE execution_events (
    execution_id TEXT    NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    type         TEXT    NOT NULL,
    task         TEXT    NOT NULL DEFAULT '',
    message      TEXT    NOT NULL DEFAULT '',
    data         TEXT    NOT NULL DEFAULT 'null' CHECK (json_valid(data)),
    time         TEXT    NOT NULL,
    UNIQUE (execution_id, seq)
  );
  `,
  // 2: durable executions: the workflow a run started with, and each task's recorded outcome.
  `
  ALTER TABLE executions ADD COLUMN workflow TEXT NOT NULL DEFAULT 'null'
    CHECK (json_valid(workflow));

  CREATE TABLE execution_checkpoints (
    execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    entry        TEXT NOT NULL CHECK (json_valid(entry)),
    PRIMARY KEY (execution_id, key)
  ) WITHOUT ROWID;
  `,
  // 3: secrets of a shared server (SPEC §11), each value encrypted by the server.
  `
  CREATE TABLE secrets (
    org        TEXT NOT NULL,
    name       TEXT NOT NULL,
    iv         TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org, name)
  ) WITHOUT ROWID;
  `,
  // 4: agent sessions of a shared server (SPEC §10), one JSON document each.
  `
  CREATE TABLE sessions (
    org        TEXT NOT NULL,
    name       TEXT NOT NULL,
    session    TEXT NOT NULL CHECK (json_valid(session)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org, name)
  ) WITHOUT ROWID;
  `,
];

/** Brings the schema up to date. Safe when several processes open the file at once. */
export function migrate(db: DatabaseSync): void {
  // IMMEDIATE takes the write lock before reading user_version, so two openers
  // cannot both decide to apply the same migration.
  db.exec("BEGIN IMMEDIATE");
  try {
    const { user_version: current } = db.prepare("PRAGMA user_version").get() as {
      user_version: number;
    };
    if (current > MIGRATIONS.length) {
      throw new StoreError(
        `the store's schema version ${current} is newer than this stigmer understands ` +
          `(${MIGRATIONS.length})`,
        { hint: "upgrade stigmer, or point it at another data directory" },
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    if (current < MIGRATIONS.length) db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

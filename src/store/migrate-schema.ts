import type Database from 'better-sqlite3';
import { EnsembleError } from '../core/index.js';

/**
 * Columns of `runs` that v1 created and v3's rebuild keeps, around the ones v3 adds. Both migrations
 * have shipped: the text must not change.
 */
const RUN_LEADING_COLUMNS = `run_key INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    workflow_name TEXT NOT NULL,
    workflow_id TEXT,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    owner_pid INTEGER NOT NULL,
    owner_host TEXT NOT NULL,`;
const RUN_TRAILING_COLUMNS = `cancel_requested_at INTEGER,
    task_count INTEGER NOT NULL,
    summary_json TEXT,
    error_json TEXT,
    -- Last: the spec can be megabytes, and columns before it are read without touching its overflow pages.
    spec_json TEXT NOT NULL`;

/**
 * Schema migrations, in order; migration `i` takes the database from `user_version` i to i + 1.
 * Append new migrations; never edit a shipped one.
 */
export const MIGRATIONS: readonly string[] = [
  // v1: runs, their events, and the task projection of those events.
  `
  CREATE TABLE runs (
    -- Numbers the run's events (see events.event_key).
    ${RUN_LEADING_COLUMNS}
    ${RUN_TRAILING_COLUMNS}
  );
  CREATE INDEX runs_by_created_at ON runs (created_at, run_id);

  -- event_key = run_key * 2^32 + seq is the (run, seq) primary key packed into the rowid: a duplicate
  -- seq fails loudly, and an append touches one b-tree at its right edge (SQLite's quick balance)
  -- instead of a table plus an index, about halving the pages each small commit writes.
  CREATE TABLE events (
    event_key INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    task_id TEXT,
    event_json TEXT NOT NULL
  );

  CREATE TABLE tasks (
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    agent_name TEXT NOT NULL,
    description TEXT NOT NULL,
    dependencies_json TEXT NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER,
    finished_at INTEGER,
    duration_ms REAL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    model TEXT,
    error_json TEXT,
    evidence_json TEXT,
    output TEXT,
    PRIMARY KEY (run_id, task_id)
  );
  -- Partial: only a task's move to 'succeeded' touches it, not every status change on the write path.
  CREATE INDEX tasks_succeeded_by_agent ON tasks (agent_name, finished_at, duration_ms) WHERE status = 'succeeded';
  `,
  // v2: each agent's conversation memory (chat), numbered per agent from 1.
  `
  CREATE TABLE agent_memories (
    agent_name TEXT NOT NULL,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'agent', 'note')),
    content TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- Estimated tokens of content, so prompts are budgeted without re-reading every entry.
    tokens INTEGER NOT NULL,
    -- The chat run that produced the entry, if any.
    run_id TEXT,
    PRIMARY KEY (agent_name, seq)
  );
  `,
  // v3: the owner's process start time, claim token and heartbeat (issue 6: a stale owner is
  // interrupted, a claim is one compare-and-set), kept before spec_json by rebuilding the table;
  // and outputs stored once, in `contents`, referenced from events and task rows.
  `
  CREATE TABLE runs_v3 (
    ${RUN_LEADING_COLUMNS}
    -- Clock ticks since boot at which the owner process started (Linux), to tell a reused pid apart.
    owner_start_ticks INTEGER,
    -- Random per claim: only the claim's holder may journal or renew the heartbeat.
    owner_token TEXT,
    heartbeat_at INTEGER,
    -- Set by the owner: a heartbeat older than this means the owner is gone, whatever its host.
    stale_after_ms INTEGER,
    ${RUN_TRAILING_COLUMNS}
  );
  INSERT INTO runs_v3 (run_key, run_id, workflow_name, workflow_id, status, created_at, updated_at, finished_at, owner_pid, owner_host,
    cancel_requested_at, task_count, summary_json, error_json, spec_json)
  SELECT run_key, run_id, workflow_name, workflow_id, status, created_at, updated_at, finished_at, owner_pid, owner_host,
    cancel_requested_at, task_count, summary_json, error_json, spec_json FROM runs;
  DROP TABLE runs;
  ALTER TABLE runs_v3 RENAME TO runs;
  CREATE INDEX runs_by_created_at ON runs (created_at, run_id);

  -- A large output is stored once here; task:complete, workflow:results and the task row refer to it.
  CREATE TABLE contents (
    content_id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX contents_by_run ON contents (run_id);
  ALTER TABLE tasks ADD COLUMN output_content_id INTEGER;
  `,
  // v4: runs counted per status from an index (issue 9: /metrics counts them at every scrape). Tasks
  // get no such index: it would cost every task's status change a second b-tree update on the
  // journal's hot path; counting them scans the task rows instead (~270 ms per 100,000 tasks).
  `
  CREATE INDEX runs_by_status ON runs (status);
  `,
  // v5: the shared codebase (issue 10). Tickets and reviews are the repository's queue and outlive
  // runs; leases and escalations belong to a run. Tickets and reviews are numbered by AUTOINCREMENT
  // so an id (T-<n>, R-<n>) is never given twice, even after the newest row was deleted.
  `
  CREATE TABLE tickets (
    ticket_number INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    priority INTEGER NOT NULL,
    dependencies_json TEXT NOT NULL,
    files_json TEXT NOT NULL,
    labels_json TEXT NOT NULL,
    capability TEXT,
    agent TEXT,
    verify_json TEXT,
    status TEXT NOT NULL,
    run_id TEXT,
    assignee TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    flags_json TEXT NOT NULL DEFAULT '[]',
    last_error_json TEXT,
    branch TEXT,
    review_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
  );
  CREATE INDEX tickets_by_status ON tickets (status);

  -- One row per (owner, pattern); expired rows are deleted by the next acquire, in its transaction.
  CREATE TABLE leases (
    owner TEXT NOT NULL,
    pattern TEXT NOT NULL,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    ticket_id TEXT,
    member TEXT,
    acquired_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (owner, pattern)
  );
  CREATE INDEX leases_by_run ON leases (run_id);

  -- Projected from escalation:* events; answered here while the run is down, delivered on resume.
  CREATE TABLE escalations (
    escalation_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    ticket_id TEXT,
    member TEXT,
    trigger_type TEXT NOT NULL,
    reason TEXT NOT NULL,
    context TEXT NOT NULL,
    options_json TEXT NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    deadline_at INTEGER,
    default_action TEXT,
    answer TEXT,
    answered_by TEXT,
    answered_at INTEGER,
    delivered INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX escalations_by_status ON escalations (status, priority, opened_at);
  CREATE INDEX escalations_by_run ON escalations (run_id, task_id);

  CREATE TABLE reviews (
    review_number INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    branch TEXT NOT NULL,
    worktree TEXT NOT NULL,
    base_commit TEXT NOT NULL,
    head_commit TEXT NOT NULL,
    status TEXT NOT NULL,
    conflicts_json TEXT NOT NULL,
    reason TEXT,
    merged_commit TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX reviews_by_status ON reviews (status);
  `,
  // v6: the result cache (a task's output, reused by an identical read-only task within its TTL) and
  // the log of host maintenance (`stop-all`, `cleanup`): what each did, for the record.
  `
  CREATE TABLE result_cache (
    cache_key TEXT PRIMARY KEY,
    agent_name TEXT NOT NULL,
    model TEXT NOT NULL,
    workspace TEXT NOT NULL,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    output TEXT NOT NULL,
    tokens_used INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    last_hit_at INTEGER
  );
  CREATE INDEX result_cache_by_expiry ON result_cache (expires_at);
  CREATE INDEX result_cache_by_agent ON result_cache (agent_name, created_at);

  CREATE TABLE maintenance_actions (
    action_id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    report_json TEXT NOT NULL
  );
  `,
];

/** The schema version this build writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link SCHEMA_VERSION}. Each step runs in an IMMEDIATE transaction that
 * re-reads `user_version`, so two processes opening a new file at once migrate it once.
 */
export function migrateSchema(database: Database.Database, path: string): void {
  const readVersion = (): number => database.pragma('user_version', { simple: true }) as number;
  assertKnownVersion(readVersion(), path);
  const step = database.transaction((): boolean => {
    const version = readVersion();
    assertKnownVersion(version, path);
    const migration = MIGRATIONS[version];
    if (migration === undefined) return false;
    database.exec(migration);
    database.pragma(`user_version = ${version + 1}`);
    return true;
  });
  let isMigrating = true;
  while (isMigrating) isMigrating = step.immediate();
}

function assertKnownVersion(version: number, path: string): void {
  if (version > SCHEMA_VERSION) {
    throw new EnsembleError(
      'JOURNAL_ERROR',
      `${path} has journal schema version ${version}, newer than this ensemble understands (${SCHEMA_VERSION}); upgrade ensemble`,
      { details: { path, version, supportedVersion: SCHEMA_VERSION } },
    );
  }
}

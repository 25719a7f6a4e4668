import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, migrateSchema } from './migrate-schema.js';
import { openRunStore } from './run-store.js';
import { openDatabase } from './open-database.js';
import { createTempFolder } from '../../test/helpers/temp-folder.js';

let folder: string;

beforeEach(() => {
  const temp = createTempFolder('ensemble-schema-');
  folder = temp.folder;
  return temp.remove;
});

describe('openDatabase and migrateSchema', () => {
  it('opens in WAL mode with synchronous NORMAL and a 5 s busy timeout, at the current schema version', () => {
    const database = openDatabase(join(folder, 'a', 'b', 'ensemble.db'));
    try {
      expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(database.pragma('synchronous', { simple: true })).toBe(1);
      expect(database.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const tables = database.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
      expect(SCHEMA_VERSION).toBe(6);
      // sqlite_sequence is SQLite's own, kept for the AUTOINCREMENT ticket and review numbers (v5) and maintenance actions (v6).
      expect(tables).toEqual(['agent_memories', 'contents', 'escalations', 'events', 'leases', 'maintenance_actions', 'result_cache', 'reviews', 'runs', 'sqlite_sequence', 'tasks', 'tickets']);
      // A new file gives the space of removed runs back in small steps (runs rm / runs prune).
      expect(database.pragma('auto_vacuum', { simple: true })).toBe(2);
    } finally {
      database.close();
    }
  });

  it('migrates once: reopening keeps the data and the version', () => {
    const path = join(folder, 'ensemble.db');
    const first = openDatabase(path);
    first.prepare("INSERT INTO runs (run_id, workflow_name, status, created_at, updated_at, owner_pid, owner_host, task_count, spec_json) VALUES ('r', 'w', 'running', 1, 1, 1, 'h', 0, '{}')").run();
    first.close();
    const second = openDatabase(path);
    try {
      expect(second.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(1);
      expect(second.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      migrateSchema(second, path);
      expect(second.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      second.close();
    }
  });

  it('migrates a version 1 journal to the current version, keeping its runs', () => {
    const path = join(folder, 'v1.db');
    writeOldJournal(path, 1);
    const migrated = openDatabase(path);
    try {
      expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(migrated.prepare('SELECT run_id FROM runs').pluck().all()).toEqual(['old']);
      migrated.prepare("INSERT INTO agent_memories (agent_name, seq, role, content, created_at, tokens) VALUES ('a', 1, 'user', 'hi', 1, 1)").run();
      expect(() => migrated.prepare("INSERT INTO agent_memories (agent_name, seq, role, content, created_at, tokens) VALUES ('a', 2, 'robot', 'x', 1, 1)").run()).toThrow(/CHECK/);
    } finally {
      migrated.close();
    }
  });

  it('migrates a version 2 journal to version 3 (owner heartbeat and claim, outputs stored once): its runs stay readable and resumable', () => {
    const path = join(folder, 'v2.db');
    writeOldJournal(path, 2);
    const store = openRunStore(path);
    try {
      const run = store.getRun('old');
      expect(run).toMatchObject({ runId: 'old', status: 'interrupted', owner: { pid: 7, host: 'h' }, taskCount: 1, lastSeq: 3 });
      expect(run?.heartbeatAt).toBeUndefined();
      expect(run?.spec.tasks.map((task) => task.id)).toEqual(['t']);
      // Outputs written inline by the older version read back as they were.
      expect(store.listTasks('old')).toMatchObject([{ taskId: 't', status: 'succeeded', output: 'old output' }]);
      expect(store.readEvents('old').find((event) => event.type === 'task:complete')).toMatchObject({ output: 'old output' });
      expect(store.claimRun('old', { pid: 8, host: 'h2' }).owner).toEqual({ pid: 8, host: 'h2' });
      // Columns read without the spec's overflow pages stay ahead of it.
      const columns = new Database(path, { readonly: true });
      const names = columns.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('runs');
      columns.close();
      expect(names.at(-1)).toBe('spec_json');
    } finally {
      store.close();
    }
  });

  it('refuses a journal written by a newer ensemble, naming the file and both versions', () => {
    const path = join(folder, 'future.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(
      expect.objectContaining({
        code: 'JOURNAL_ERROR',
        message: expect.stringContaining(`${path} has journal schema version ${SCHEMA_VERSION + 1}, newer than this ensemble understands (${SCHEMA_VERSION})`),
      }),
    );
  });

  it('reports a file that is not a database as JOURNAL_ERROR naming it', () => {
    const path = join(folder, 'not-a-db');
    writeFileSync(path, 'not a database, only text long enough to fill a header. '.repeat(20));
    expect(() => openDatabase(path)).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining(path) }));
  });

  it('opens an in-memory database', () => {
    const database = openDatabase(':memory:');
    try {
      expect(database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      database.close();
    }
  });
});

/** Writes a journal as version `version` of ensemble left it: its migrations only, one interrupted run with a finished task. */
function writeOldJournal(path: string, version: number): void {
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  for (const migration of MIGRATIONS.slice(0, version)) raw.exec(migration);
  raw.pragma(`user_version = ${version}`);
  const spec = { tasks: [{ id: 't', agentName: 'a', description: '', prompt: '', dependencies: [], priority: 5 }], config: { maxParallelAgents: 1, contextStrategy: 'shared', enableCommunication: true, pruningThreshold: 150000, retry: { max: 0, backoffMs: 1000, maxBackoffMs: 60000 }, abortGraceMs: 5000 }, parameters: {} };
  raw
    .prepare("INSERT INTO runs (run_key, run_id, workflow_name, status, created_at, updated_at, owner_pid, owner_host, task_count, spec_json) VALUES (1, 'old', 'w', 'interrupted', 1, 1, 7, 'h', 1, ?)")
    .run(JSON.stringify(spec));
  raw
    .prepare("INSERT INTO tasks (run_id, task_id, ordinal, agent_name, description, dependencies_json, priority, status, attempts, output) VALUES ('old', 't', 0, 'a', '', '[]', 5, 'succeeded', 1, 'old output')")
    .run();
  const events = [
    { type: 'workflow:start', runId: 'old', seq: 1, at: 1, workflowName: 'w', taskCount: 1, maxParallelAgents: 1, resumed: false, completedTaskCount: 0 },
    { type: 'task:added', runId: 'old', seq: 2, at: 1, taskId: 't', agentName: 'a', description: '', dependencies: [], priority: 5 },
    { type: 'task:complete', runId: 'old', seq: 3, at: 2, taskId: 't', agentName: 'a', duration: 1, tokensUsed: 0, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, costUsd: 0, attempt: 1, output: 'old output' },
  ];
  const insert = raw.prepare('INSERT INTO events (event_key, run_id, seq, type, at, task_id, event_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const event of events) insert.run(2 ** 32 + event.seq, 'old', event.seq, event.type, event.at, 'taskId' in event ? event.taskId : null, JSON.stringify(event));
  raw.close();
}

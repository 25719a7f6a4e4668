import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, migrateSchema } from './migrate-schema.js';
import { openDatabase } from './open-database.js';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-schema-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
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
      expect(tables).toEqual(['agent_memories', 'events', 'runs', 'tasks']);
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

  it('migrates a version 1 journal to version 2 (agent memories), keeping its runs', () => {
    const path = join(folder, 'v1.db');
    const current = openDatabase(path);
    current.prepare("INSERT INTO runs (run_id, workflow_name, status, created_at, updated_at, owner_pid, owner_host, task_count, spec_json) VALUES ('old', 'w', 'succeeded', 1, 1, 1, 'h', 0, '{}')").run();
    // What a version 1 file looks like: no agent_memories table.
    current.exec('DROP TABLE agent_memories');
    current.pragma('user_version = 1');
    current.close();
    const migrated = openDatabase(path);
    try {
      expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
      expect(migrated.prepare('SELECT run_id FROM runs').pluck().all()).toEqual(['old']);
      migrated.prepare("INSERT INTO agent_memories (agent_name, seq, role, content, created_at, tokens) VALUES ('a', 1, 'user', 'hi', 1, 1)").run();
      expect(() => migrated.prepare("INSERT INTO agent_memories (agent_name, seq, role, content, created_at, tokens) VALUES ('a', 2, 'robot', 'x', 1, 1)").run()).toThrow(/CHECK/);
    } finally {
      migrated.close();
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

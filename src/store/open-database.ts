import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { EnsembleError, isEnsembleError } from '../core/index.js';
import { migrateSchema } from './migrate-schema.js';

/** How long a writer waits for another process's lock before failing with SQLITE_BUSY, in ms. */
const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating if needed) the journal database at `path`, tuned and migrated. */
export function openDatabase(path: string): Database.Database {
  const isInMemory = path === ':memory:';
  let database: Database.Database | undefined;
  try {
    if (!isInMemory) mkdirSync(dirname(path), { recursive: true });
    database = new Database(path);
    // Before anything else, so the pragmas and migration below wait for other processes too.
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Only a file with no tables yet can take it: `runs rm`/`runs prune` then give space back in
    // small steps (incremental_vacuum) without the long exclusive lock of a VACUUM.
    if (!isInMemory && database.prepare('SELECT COUNT(*) FROM sqlite_schema').pluck().get() === 0) {
      database.pragma('auto_vacuum = INCREMENTAL');
    }
    // WAL: readers (CLI, dashboard) never block the writing run, and commits append to one file.
    if (!isInMemory) database.pragma('journal_mode = WAL');
    // NORMAL in WAL mode syncs at checkpoints only: a committed transaction survives kill -9 of
    // the process (it is in the WAL file, in the OS page cache); only an OS crash or power loss
    // can drop the last commits, and even then the database stays consistent.
    database.pragma('synchronous = NORMAL');
    migrateSchema(database, path);
    return database;
  } catch (error) {
    database?.close();
    if (isEnsembleError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnsembleError('JOURNAL_ERROR', `cannot open the run journal ${path}: ${reason}`, {
      details: { path },
      cause: error,
    });
  }
}

import type Database from 'better-sqlite3';
import { EnsembleError, type RunStatus } from '../core/index.js';
import { eventKeyRange } from './event-key.js';
import { parseStoredValue } from './parse-stored-json.js';
import type { OwnerJudge, RunClaims } from './run-claims.js';
import { prunableRunRowSchema } from './schema.js';

/** Which runs `runs prune` removes. Runs that are running under a live owner are never removed. */
export interface PruneCriteria {
  /** Only runs created more than this many ms before `now`. */
  readonly olderThanMs?: number;
  /** Only runs in this state. */
  readonly status?: RunStatus;
  /** Keep the newest N of the runs the status filter selects. */
  readonly keep?: number;
  /** Epoch ms. @default Date.now() */
  readonly now?: number;
}

/** A run that was (or, in a dry run, would be) removed. */
export interface RemovedRun {
  readonly runId: string;
  readonly workflowName: string;
  readonly status: RunStatus;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** How the file was given back its free space after a removal. */
export interface SpaceReport {
  /** `incremental`: freed pages returned in small steps; `full`: a VACUUM (an older file, nothing running); `deferred`: an older file with a run going on, so the space is only reused. */
  readonly vacuum: 'incremental' | 'full' | 'deferred';
  /** Bytes the database shrank by. */
  readonly freedBytes: number;
}

// Pages returned per incremental_vacuum step (8 MB at 4 KiB pages): a running run's next append waits for one step at most.
const VACUUM_STEP_PAGES = 2048;

/** Deletes runs with everything that belongs to them (events, task rows, stored outputs, escalations, leases), and gives the space back. */
export class RunRemover {
  private readonly statements: ReturnType<typeof prepareRemoveStatements>;
  private readonly removeTransaction: Database.Transaction<(runId: string, isOwnerAlive: OwnerJudge) => RemovedRun>;

  constructor(
    private readonly database: Database.Database,
    private readonly path: string,
    private readonly claims: RunClaims,
  ) {
    this.statements = prepareRemoveStatements(database);
    this.removeTransaction = database.transaction((runId: string, isOwnerAlive: OwnerJudge): RemovedRun => {
      const row = this.readRun(runId);
      if (row === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${this.path}`, { details: { runId } });
      const recorded = this.claims.readOwner(runId);
      if (recorded !== undefined && recorded.status === 'running' && isOwnerAlive(recorded.owner)) {
        const { pid, host } = recorded.owner;
        throw new EnsembleError('RUN_ACTIVE', `run "${runId}" is running in process ${pid} on ${host}; cancel it first (ensemble cancel ${runId})`, {
          details: { runId, owner: { pid, host } },
        });
      }
      const [first, last] = eventKeyRange(BigInt(row.runKey));
      this.statements.deleteEvents.run(first, last);
      this.statements.deleteTasks.run(runId);
      this.statements.deleteContents.run(runId);
      // Tickets and reviews stay: they belong to the repository's queue, not to the run that worked them.
      this.statements.deleteEscalations.run(runId);
      this.statements.deleteLeases.run(runId);
      this.statements.deleteRun.run(runId);
      return row.run;
    });
  }

  /**
   * Removes one run and everything that belongs to it, in one transaction.
   * @throws EnsembleError `RUN_ACTIVE` when it is running under a live owner, `UNKNOWN_RUN`.
   */
  remove(runId: string, isOwnerAlive: OwnerJudge): RemovedRun {
    return this.removeTransaction.immediate(runId, isOwnerAlive);
  }

  /** The runs `criteria` selects, newest first, leaving out those running under a live owner. */
  selectForPrune(criteria: PruneCriteria, isOwnerAlive: OwnerJudge): RemovedRun[] {
    const now = criteria.now ?? Date.now();
    const rows: unknown[] =
      criteria.status === undefined ? this.statements.listAll.all() : this.statements.listByStatus.all(criteria.status);
    const candidates = rows
      .map((value) => toRemovedRun(value))
      .filter((run) => {
        if (run.status !== 'running') return true;
        const recorded = this.claims.readOwner(run.runId);
        return recorded !== undefined && !isOwnerAlive(recorded.owner);
      });
    return candidates.filter((run, index) => {
      if (criteria.keep !== undefined && index < criteria.keep) return false;
      return criteria.olderThanMs === undefined || run.createdAt < now - criteria.olderThanMs;
    });
  }

  /**
   * Gives the space of deleted rows back to the file system. Files created with incremental
   * auto-vacuum return it in small steps; an older file is vacuumed whole (and switched to
   * incremental) only when no run is live, since VACUUM holds the write lock for its duration.
   */
  reclaimSpace(hasLiveRun: boolean): SpaceReport {
    const before = this.sizeBytes();
    let vacuum: SpaceReport['vacuum'] = 'incremental';
    const mode = this.database.pragma('auto_vacuum', { simple: true });
    if (mode === 2) {
      const freePages = Number(this.database.pragma('freelist_count', { simple: true }));
      // exec, not a prepared statement's run(): that steps the pragma once, freeing a single page.
      for (let steps = Math.ceil(freePages / VACUUM_STEP_PAGES); steps > 0; steps--) this.database.exec(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`);
    } else if (hasLiveRun) {
      vacuum = 'deferred';
    } else {
      this.database.pragma('auto_vacuum = INCREMENTAL');
      this.database.exec('VACUUM');
      vacuum = 'full';
    }
    // The WAL holds the moved pages until a checkpoint; TRUNCATE also empties the WAL file.
    if (this.path !== ':memory:') this.database.pragma('wal_checkpoint(TRUNCATE)');
    return { vacuum, freedBytes: Math.max(0, before - this.sizeBytes()) };
  }

  private sizeBytes(): number {
    return Number(this.database.pragma('page_count', { simple: true })) * Number(this.database.pragma('page_size', { simple: true }));
  }

  private readRun(runId: string): { runKey: number; run: RemovedRun } | undefined {
    const value: unknown = this.statements.selectRun.get(runId);
    if (value === undefined) return undefined;
    const run = toRemovedRun(value);
    const runKey = (value as { run_key: number }).run_key;
    return { runKey, run };
  }
}

function toRemovedRun(value: unknown): RemovedRun {
  const runId = typeof value === 'object' && value !== null && 'run_id' in value ? String(value.run_id) : '(unknown)';
  const row = parseStoredValue(prunableRunRowSchema, value, { runId, field: 'row' });
  return { runId: row.run_id, workflowName: row.workflow_name, status: row.status, createdAt: row.created_at };
}

const PRUNE_COLUMNS = 'run_key, run_id, workflow_name, status, created_at';

function prepareRemoveStatements(database: Database.Database) {
  return {
    selectRun: database.prepare(`SELECT ${PRUNE_COLUMNS} FROM runs WHERE run_id = ?`),
    listAll: database.prepare(`SELECT ${PRUNE_COLUMNS} FROM runs ORDER BY created_at DESC, run_id DESC`),
    listByStatus: database.prepare(`SELECT ${PRUNE_COLUMNS} FROM runs WHERE status = ? ORDER BY created_at DESC, run_id DESC`),
    deleteEvents: database.prepare('DELETE FROM events WHERE event_key BETWEEN ? AND ?'),
    deleteTasks: database.prepare('DELETE FROM tasks WHERE run_id = ?'),
    deleteContents: database.prepare('DELETE FROM contents WHERE run_id = ?'),
    deleteEscalations: database.prepare('DELETE FROM escalations WHERE run_id = ?'),
    deleteLeases: database.prepare('DELETE FROM leases WHERE run_id = ?'),
    deleteRun: database.prepare('DELETE FROM runs WHERE run_id = ?'),
  };
}

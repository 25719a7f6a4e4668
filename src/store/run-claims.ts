import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DEFAULT_STALE_AFTER_MS, EnsembleError, isHeartbeatStale, type RunStatus } from '../core/index.js';
import { parseStoredValue } from './parse-stored-json.js';
import type { RecordedOwner, RunClaim, RunOwner } from './run-record.js';
import { ownerRowSchema } from './schema.js';

/** Whether the recorded owner of a `running` run still runs it (heartbeat fresh, process alive). */
export type OwnerJudge = (owner: RecordedOwner) => boolean;

/** Options of {@link RunClaims.claim}. */
export interface ClaimOptions {
  /** Judges the recorded owner of a `running` run. @default every owner with a fresh heartbeat is alive */
  readonly isOwnerAlive?: OwnerJudge;
  /** How old the new owner's heartbeat may get before the run counts as interrupted, in ms. @default 30000 */
  readonly staleAfterMs?: number;
  /** Epoch ms. @default Date.now() */
  readonly now?: number;
}

/** What renewing a heartbeat found: the claim still held, the run cancelled from outside, or taken over by another process. */
export type HeartbeatResult = 'held' | 'cancelled' | 'lost';


/**
 * Who owns which run: creating a claim, taking one over as one compare-and-set, renewing its
 * heartbeat, and finding runs whose owner is gone. Every decision reads and writes the owner row in
 * one IMMEDIATE transaction, so two processes can never both hold a run.
 */
export class RunClaims {
  private readonly statements: ReturnType<typeof prepareClaimStatements>;
  private readonly claimTransaction: Database.Transaction<(runId: string, owner: RunOwner, options: ClaimOptions) => RunClaim>;

  constructor(
    database: Database.Database,
    private readonly path: string,
    private readonly afterClaim: (runId: string) => void,
  ) {
    this.statements = prepareClaimStatements(database);
    this.claimTransaction = database.transaction((runId: string, owner: RunOwner, options: ClaimOptions): RunClaim => {
      const recorded = this.readOwner(runId);
      if (recorded === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${this.path}`, { details: { runId } });
      if (recorded.status === 'succeeded') {
        throw new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" already succeeded; there is nothing to resume`, { details: { runId } });
      }
      const isOwnerAlive = options.isOwnerAlive ?? ((candidate: RecordedOwner) => !isHeartbeatStale(candidate, options.now ?? Date.now()));
      if (recorded.status === 'running' && isOwnerAlive(recorded.owner)) throw runningElsewhere(runId, recorded.owner, options.now ?? Date.now());
      const token = randomUUID();
      const now = options.now ?? Date.now();
      const result = this.statements.claim.run(owner.pid, owner.host, owner.startTicks ?? null, token, now, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS, now, runId);
      if (result.changes !== 1) throw new EnsembleError('INTERNAL', `run "${runId}" changed while it was being claimed`, { details: { runId } });
      this.afterClaim(runId);
      return { runId, token, owner };
    });
  }

  /**
   * Takes a run over for a resume as one compare-and-set: it must not have succeeded, and must not
   * be `running` under an owner that still runs it. Clears a pending cancel request.
   * @throws EnsembleError `RUN_NOT_RESUMABLE` naming the live owner, `UNKNOWN_RUN`.
   */
  claim(runId: string, owner: RunOwner, options: ClaimOptions = {}): RunClaim {
    return this.claimTransaction.immediate(runId, owner, options);
  }

  /**
   * Renews the claim's heartbeat. A run marked `interrupted` meanwhile (its owner slept past the stale
   * limit) is `running` again, since its claim is still held; a cancelled or taken-over run is not renewed.
   */
  renew(claim: RunClaim, now: number = Date.now()): HeartbeatResult {
    if (this.statements.renew.run(now, claim.runId, claim.token).changes === 1) return 'held';
    const recorded = this.readOwner(claim.runId);
    if (recorded !== undefined && recorded.owner.token === claim.token && recorded.status === 'cancelled') return 'cancelled';
    return 'lost';
  }

  /** Gives a claim up with the run in `status` (`interrupted` after a resume that could not start). */
  release(claim: RunClaim, status: 'interrupted' | 'cancelled' | 'failed'): void {
    this.statements.release.run(status, Date.now(), claim.runId, claim.token);
  }

  /** Marks `interrupted` every `running` run whose owner is gone; returns their ids. */
  reconcile(isOwnerAlive: OwnerJudge): string[] {
    const interrupted: string[] = [];
    for (const value of this.statements.selectRunning.all()) {
      const recorded = toRecorded(value);
      if (isOwnerAlive(recorded.owner)) continue;
      // The owner guard skips a run that another process claimed since the select.
      const result = this.statements.markInterrupted.run(Date.now(), recorded.runId, recorded.owner.pid, recorded.owner.host, recorded.owner.token ?? null);
      if (result.changes === 1) interrupted.push(recorded.runId);
    }
    return interrupted;
  }

  /** Cancels a run nobody runs (interrupted, or running under a gone owner) as one compare-and-set; false if someone claimed it meanwhile. */
  cancelUnowned(runId: string): boolean {
    return this.statements.cancelUnowned.run(Date.now(), Date.now(), runId).changes === 1;
  }

  /** The run's status and recorded owner, or undefined. */
  readOwner(runId: string): { runId: string; status: RunStatus; owner: RecordedOwner } | undefined {
    const value: unknown = this.statements.selectOwner.get(runId);
    return value === undefined ? undefined : toRecorded(value);
  }
}


function toRecorded(value: unknown): { runId: string; status: RunStatus; owner: RecordedOwner } {
  const runId = typeof value === 'object' && value !== null && 'run_id' in value ? String(value.run_id) : '(unknown)';
  const row = parseStoredValue(ownerRowSchema, value, { runId, field: 'owner row' });
  return {
    runId: row.run_id,
    status: row.status,
    owner: {
      pid: row.owner_pid,
      host: row.owner_host,
      ...(row.owner_start_ticks === null ? {} : { startTicks: row.owner_start_ticks }),
      // Runs written before heartbeats (schema v2): their last update stands in for one.
      heartbeatAt: row.heartbeat_at ?? row.updated_at,
      ...(row.stale_after_ms === null ? {} : { staleAfterMs: row.stale_after_ms }),
      ...(row.owner_token === null ? {} : { token: row.owner_token }),
    },
  };
}

function runningElsewhere(runId: string, owner: RecordedOwner, now: number): EnsembleError {
  const heartbeat = owner.heartbeatAt === undefined ? '' : `, last heartbeat ${Math.max(0, Math.round((now - owner.heartbeatAt) / 1000))} s ago`;
  return new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" is running in process ${owner.pid} on ${owner.host}${heartbeat}; cancel it first or wait for it to end`, {
    details: { runId, owner: { pid: owner.pid, host: owner.host } },
  });
}

const OWNER_COLUMNS = 'run_id, status, updated_at, owner_pid, owner_host, owner_start_ticks, owner_token, heartbeat_at, stale_after_ms';

function prepareClaimStatements(database: Database.Database) {
  return {
    selectOwner: database.prepare(`SELECT ${OWNER_COLUMNS} FROM runs WHERE run_id = ?`),
    selectRunning: database.prepare(`SELECT ${OWNER_COLUMNS} FROM runs WHERE status = 'running'`),
    claim: database.prepare(
      'UPDATE runs SET owner_pid = ?, owner_host = ?, owner_start_ticks = ?, owner_token = ?, heartbeat_at = ?, stale_after_ms = ?, ' +
        "status = 'running', cancel_requested_at = NULL, finished_at = NULL, updated_at = ? WHERE run_id = ?",
    ),
    renew: database.prepare(
      "UPDATE runs SET heartbeat_at = ?, status = 'running' WHERE run_id = ? AND owner_token = ? AND status IN ('running', 'interrupted')",
    ),
    release: database.prepare('UPDATE runs SET status = ?, updated_at = ? WHERE run_id = ? AND owner_token = ?'),
    markInterrupted: database.prepare(
      "UPDATE runs SET status = 'interrupted', updated_at = ? WHERE run_id = ? AND status = 'running' AND owner_pid = ? AND owner_host = ? " +
        'AND owner_token IS ?',
    ),
    cancelUnowned: database.prepare("UPDATE runs SET status = 'cancelled', finished_at = ?, updated_at = ? WHERE run_id = ? AND status = 'interrupted'"),
  };
}

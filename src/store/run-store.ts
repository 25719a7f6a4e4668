import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { guardStoreOperation } from './guard-store-operation.js';
import type { z } from 'zod';
import {
  assertJournalOrder,
  DEFAULT_STALE_AFTER_MS,
  EnsembleError,
  median,
  TASK_STATUSES,
  TERMINAL_RUN_STATUSES,
  toInputIssues,
  type Journal,
  type PriorTaskResult,
  type RunEvent,
  type RunStatus,
  type TaskSpec,
  type TaskStatus,
} from '../core/index.js';
import { CodebaseStore } from './codebase-store.js';
import { MaintenanceLog } from './maintenance-log.js';
import { ResultCacheStore } from './result-cache-store.js';
import { EventAppender } from './event-appender.js';
import { eventKeyRange } from './event-key.js';
import { openDatabase } from './open-database.js';
import { OutputContents } from './output-contents.js';
import { parseStoredValue } from './parse-stored-json.js';
import { RunRemover, type PruneCriteria, type RemovedRun, type SpaceReport } from './remove-runs.js';
import { RunClaims, type ClaimOptions, type HeartbeatResult, type OwnerJudge } from './run-claims.js';
import { RUN_COLUMNS, toRunRecord, type CreateRunInput, type RunClaim, type RunOwner, type RunRecord, type RunSpec } from './run-record.js';
import {
  completedTaskRowSchema,
  listRunsOptionsSchema,
  readEventsOptionsSchema,
  runStatusCountRowSchema,
  runStatusSchema,
  sampleSizeSchema,
  taskStatusCountRowSchema,
} from './schema.js';
import { TASK_COLUMNS, TASK_OUTPUT_COLUMN, toTaskRecord, type TaskRecord } from './task-record.js';
import { toRunEvent } from './to-run-event.js';

/** Options of {@link RunStore.listRuns}. */
export interface ListRunsOptions {
  /** Most runs returned. @default 50 */
  readonly limit?: number;
  /** Only runs in this state. */
  readonly status?: RunStatus;
  /** Only runs whose workflow id starts with this (`meeting:` lists the meetings). */
  readonly workflowIdPrefix?: string;
}

/** Options of {@link RunStore.readEvents}. */
export interface ReadEventsOptions {
  /** Only events with a greater seq (SSE `Last-Event-ID`). @default 0 */
  readonly afterSeq?: number;
  /** Most events returned. @default all */
  readonly limit?: number;
}

/**
 * The SQLite run journal: runs, their events, and the task rows projected from those events.
 * Writes go through {@link RunStore.journalFor}; everything read back is validated.
 */
export class RunStore {
  /** The database file, or `:memory:`. */
  readonly path: string;
  private readonly database: Database.Database;
  private readonly appender: EventAppender;
  private readonly contents: OutputContents;
  private readonly claims: RunClaims;
  private readonly remover: RunRemover;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private codebaseStore: CodebaseStore | undefined;

  constructor(path: string) {
    this.path = path;
    this.database = openDatabase(path);
    this.appender = new EventAppender(this.database);
    this.contents = new OutputContents(this.database);
    this.statements = prepareStatements(this.database);
    this.claims = new RunClaims(this.database, path, (runId) => this.restoreMissingTasks(runId));
    this.remover = new RunRemover(this.database, path, this.claims);
  }

  /** The shared codebase's tables in this journal file (tickets, leases, escalations, reviews); prepared on first use. */
  get codebase(): CodebaseStore {
    this.codebaseStore ??= new CodebaseStore(this.database, this.path);
    return this.codebaseStore;
  }

  private resultCacheStore: ResultCacheStore | undefined;

  /** The result cache's table in this journal file (reusable outputs of read-only tasks); prepared on first use. */
  get resultCache(): ResultCacheStore {
    this.resultCacheStore ??= new ResultCacheStore(this.database, this.path);
    return this.resultCacheStore;
  }

  private maintenanceLog: MaintenanceLog | undefined;

  /** The log of host maintenance (`stop-all`, `cleanup`) in this journal file; prepared on first use. */
  get maintenance(): MaintenanceLog {
    this.maintenanceLog ??= new MaintenanceLog(this.database, this.path);
    return this.maintenanceLog;
  }

  /** Records a new run, status `running`, before its first event; the returned claim lets its creator journal it and renew its heartbeat. */
  createRun(input: CreateRunInput): RunClaim {
    return this.guard(`create run "${input.runId}"`, () => {
      if (this.runKeyOf(input.runId) !== undefined) {
        throw new EnsembleError('JOURNAL_ERROR', `run "${input.runId}" already exists in ${this.path}`, { details: { runId: input.runId } });
      }
      const token = randomUUID();
      this.statements.insertRun.run(
        input.runId,
        input.workflowName,
        input.workflowId ?? null,
        input.createdAt,
        input.createdAt,
        input.owner.pid,
        input.owner.host,
        input.owner.startTicks ?? null,
        token,
        input.createdAt,
        input.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
        input.spec.tasks.length,
        JSON.stringify(input.spec),
      );
      return { runId: input.runId, token, owner: input.owner };
    });
  }

  /**
   * The journal of one run, for the scheduler: `append` writes the events and their projection in
   * one transaction and returns once they are committed. With a claim, a batch is refused once
   * another process has taken the run over.
   * @throws EnsembleError `UNKNOWN_RUN` when the run was not created; `append` throws `JOURNAL_ERROR`.
   */
  journalFor(runId: string, claim?: RunClaim): Journal {
    const target = this.guard(`open the journal of run "${runId}"`, () => {
      const runKey = this.runKeyOf(runId);
      if (runKey === undefined) throw unknownRun(runId, this.path);
      return { runId, runKey, ...(claim === undefined ? {} : { ownerToken: claim.token }) };
    });
    // Declaration position of the next task:added, and the run's last seq; read from the tables on the first append.
    let nextOrdinal: number | undefined;
    let lastSeq: number | undefined;
    return {
      append: (events: readonly RunEvent[]): void => {
        lastSeq ??= this.lastSeq(runId);
        assertJournalOrder(runId, lastSeq, events);
        nextOrdinal = this.appender.append(target, events, nextOrdinal);
        lastSeq = events.at(-1)?.seq ?? lastSeq;
      },
    };
  }

  /** The run, or undefined if the journal has no such run. */
  getRun(runId: string): RunRecord | undefined {
    return this.guard(`read run "${runId}"`, () => {
      const row: unknown = this.statements.selectRun.get(runId);
      if (row === undefined) return undefined;
      const record = toRunRecord(row);
      // One run is read to be used: validate its spec now, so corruption surfaces here, named.
      void record.spec;
      return record;
    });
  }

  /** Runs, newest first. */
  listRuns(options: ListRunsOptions = {}): RunRecord[] {
    const { limit, status, workflowIdPrefix } = parseOptions(listRunsOptionsSchema, options, 'listRuns');
    return this.guard('list runs', () => {
      const rows: unknown[] =
        workflowIdPrefix !== undefined
          ? // substr, not LIKE: the prefix is data, and `_`/`%` in it must not match anything.
            this.statements.listRunsByWorkflowPrefix.all(workflowIdPrefix.length, workflowIdPrefix, status ?? null, status ?? null, limit)
          : status === undefined
            ? this.statements.listRuns.all(limit)
            : this.statements.listRunsByStatus.all(status, limit);
      return rows.map((row) => toRunRecord(row));
    });
  }

  /** Runs per status over the whole journal (every process's runs), counted on the index `runs_by_status`. */
  countRunsByStatus(): Record<RunStatus, number> {
    return this.guard('count runs by status', () => {
      const counts = zeroCounts(runStatusSchema.options);
      for (const value of this.statements.countRunsByStatus.all()) {
        const row = parseStoredValue(runStatusCountRowSchema, value, { runId: '*', field: 'status count' });
        counts[row.status] = row.count;
      }
      return counts;
    });
  }

  /** Tasks per status over every run in the journal: a scan of the task rows (no index: see the v4 migration), outputs not read. */
  countTasksByStatus(): Record<TaskStatus, number> {
    return this.guard('count tasks by status', () => {
      const counts = zeroCounts(TASK_STATUSES);
      for (const value of this.statements.countTasksByStatus.all()) {
        const row = parseStoredValue(taskStatusCountRowSchema, value, { runId: '*', field: 'task status count' });
        counts[row.status] = row.count;
      }
      return counts;
    });
  }

  /** The run's tasks in declaration order. */
  listTasks(runId: string): TaskRecord[] {
    return this.guard(`list the tasks of run "${runId}"`, () => {
      const rows: unknown[] = this.statements.listTasks.all(runId);
      return rows.map((row) => toTaskRecord(runId, row));
    });
  }

  /** The run's events in seq order. */
  /** Tasks added to the run's graph while it ran (`task:added` events carrying the whole task), in order: a resume rebuilds its graph with them. */
  addedTasks(runId: string): TaskSpec[] {
    return this.guard(`read the tasks added to run "${runId}"`, () => {
      const runKey = this.runKeyOf(runId);
      if (runKey === undefined) return [];
      const rows: unknown[] = this.statements.addedTasks.all(...eventKeyRange(runKey, 0));
      const tasks: TaskSpec[] = [];
      for (const row of rows) {
        const event = toRunEvent(runId, row, this.contents);
        if (event.type === 'task:added' && event.task !== undefined) tasks.push(event.task);
      }
      return tasks;
    });
  }

  readEvents(runId: string, options: ReadEventsOptions = {}): RunEvent[] {
    const { afterSeq, limit } = parseOptions(readEventsOptionsSchema, options, 'readEvents');
    return this.guard(`read the events of run "${runId}"`, () => {
      const runKey = this.runKeyOf(runId);
      if (runKey === undefined) return [];
      // LIMIT -1 is SQLite for "no limit".
      const rows: unknown[] = this.statements.readEvents.all(...eventKeyRange(runKey, afterSeq), limit ?? -1);
      return rows.map((row) => toRunEvent(runId, row, this.contents));
    });
  }

  /** Seq of the run's last journaled event; 0 if none. */
  lastSeq(runId: string): number {
    return this.guard(`read the last seq of run "${runId}"`, () => {
      const runKey = this.runKeyOf(runId);
      const value: unknown = runKey === undefined ? undefined : this.statements.lastSeq.get(...eventKeyRange(runKey));
      return typeof value === 'number' ? value : 0;
    });
  }

  /** Tasks of the run that succeeded, with what resume hands to the scheduler instead of running them again. */
  completedTasks(runId: string): Map<string, PriorTaskResult> {
    return this.guard(`read the completed tasks of run "${runId}"`, () => {
      const completed = new Map<string, PriorTaskResult>();
      for (const value of this.statements.completedTasks.all(runId)) {
        const row = parseStoredValue(completedTaskRowSchema, value, { runId, field: 'completed task row' });
        completed.set(row.task_id, {
          output: row.output ?? '',
          usage: { inputTokens: row.input_tokens, outputTokens: row.output_tokens, totalTokens: row.total_tokens },
          costUsd: row.cost_usd,
          durationMs: row.duration_ms ?? 0,
        });
      }
      return completed;
    });
  }

  /**
   * Median duration (ms) of each agent's last `sampleSize` succeeded tasks, across all runs.
   * Agents without a succeeded task are absent from the map.
   */
  agentMedianDurations(agentNames: readonly string[], sampleSize?: number): Map<string, number> {
    const limit = parseOptions(sampleSizeSchema, sampleSize, 'agentMedianDurations sampleSize');
    return this.guard('read agent durations', () => {
      const medians = new Map<string, number>();
      for (const agentName of new Set(agentNames)) {
        const durations = this.statements.agentDurations.all(agentName, limit).filter((value): value is number => typeof value === 'number');
        if (durations.length > 0) medians.set(agentName, median(durations));
      }
      return medians;
    });
  }

  /**
   * Takes a run over for a resume, as one compare-and-set in an IMMEDIATE transaction: the run must
   * not have succeeded, nor be `running` under an owner `options.isOwnerAlive` judges alive. Records
   * the new owner with a fresh heartbeat, sets it `running` and clears a pending cancel request. If
   * the first execution died before its `task:added` events were journaled, the task rows are
   * restored from the stored spec (resume does not repeat `task:added`).
   * @throws EnsembleError `RUN_NOT_RESUMABLE` naming the live owner (nothing was changed), `UNKNOWN_RUN`.
   */
  claimRun(runId: string, owner: RunOwner, options: ClaimOptions = {}): RunClaim {
    return this.guard(`claim run "${runId}"`, () => this.claims.claim(runId, owner, options));
  }

  /** Renews the heartbeat of a held claim: `held`, or `cancelled` (marked so from outside) or `lost` (another process claimed it), when the holder must stop. */
  renewHeartbeat(claim: RunClaim, now?: number): HeartbeatResult {
    return this.guard(`renew the heartbeat of run "${claim.runId}"`, () => this.claims.renew(claim, now));
  }

  /** Gives a claim up, leaving the run in `status`, if the claim is still held (a resume that could not start leaves it `interrupted`). */
  releaseClaim(claim: RunClaim, status: 'interrupted' | 'cancelled' | 'failed'): void {
    this.guard(`release run "${claim.runId}"`, () => this.claims.release(claim, status));
  }

  /** Replaces what the run was started with (a resume whose options override the stored settings keeps them for the next resume). */
  updateSpec(runId: string, spec: RunSpec): void {
    this.guard(`update the settings of run "${runId}"`, () => {
      if (this.statements.updateSpec.run(JSON.stringify(spec), Date.now(), runId).changes === 0) throw unknownRun(runId, this.path);
    });
  }

  /** Cancels a run that nobody runs (`interrupted`) as one compare-and-set; false when it is not interrupted (any more). */
  cancelInterrupted(runId: string): boolean {
    return this.guard(`cancel run "${runId}"`, () => this.claims.cancelUnowned(runId));
  }

  /**
   * Removes a run and everything that belongs to it (events, task rows, stored outputs). Call
   * {@link RunStore.reclaimSpace} after removing to give the space back.
   * @throws EnsembleError `RUN_ACTIVE` when it is running under a live owner, `UNKNOWN_RUN`.
   */
  removeRun(runId: string, isOwnerAlive: OwnerJudge): RemovedRun {
    return this.guard(`remove run "${runId}"`, () => this.remover.remove(runId, isOwnerAlive));
  }

  /** The runs `criteria` selects for pruning, newest first; runs running under a live owner are left out. */
  selectRunsToPrune(criteria: PruneCriteria, isOwnerAlive: OwnerJudge): RemovedRun[] {
    return this.guard('select runs to prune', () => this.remover.selectForPrune(criteria, isOwnerAlive));
  }

  /** Gives the space of removed runs back to the file system (see {@link SpaceReport}). */
  reclaimSpace(isOwnerAlive: OwnerJudge): SpaceReport {
    return this.guard('reclaim free space', () => {
      const hasLiveRun = this.statements.selectRunningIds.all().some((runId) => {
        const recorded = this.claims.readOwner(String(runId));
        return recorded !== undefined && recorded.status === 'running' && isOwnerAlive(recorded.owner);
      });
      return this.remover.reclaimSpace(hasLiveRun);
    });
  }

  /** Asks the run's owner, wherever it is, to cancel; the owner polls {@link RunStore.isCancelRequested}. */
  requestCancel(runId: string): void {
    this.guard(`request the cancellation of run "${runId}"`, () => {
      const now = Date.now();
      if (this.statements.requestCancel.run(now, now, runId).changes === 0) throw unknownRun(runId, this.path);
    });
  }

  /** A run's status alone (no spec is read): one indexed read, cheap enough to poll. */
  runStatus(runId: string): RunStatus | undefined {
    return this.guard(`read the status of run "${runId}"`, () => {
      const status: unknown = this.statements.runStatus.get(runId);
      return status === undefined ? undefined : parseStoredValue(runStatusSchema, status, { runId, field: 'status' });
    });
  }

  /** Whether a cancel was requested since the run was last claimed; one indexed read, cheap enough to poll. */
  isCancelRequested(runId: string): boolean {
    return this.guard(`read the cancel flag of run "${runId}"`, () => this.statements.isCancelRequested.get(runId) === 1);
  }

  /** Sets the run's status outside its event stream (a cancelled interrupted run, a failed start). */
  markRunStatus(runId: string, status: RunStatus): void {
    this.guard(`mark run "${runId}" ${status}`, () => {
      const now = Date.now();
      const finishedAt = TERMINAL_RUN_STATUSES.has(status) ? now : null;
      if (this.statements.markRunStatus.run(status, finishedAt, now, runId).changes === 0) throw unknownRun(runId, this.path);
    });
  }

  /** Marks `interrupted` every `running` run whose owner is gone (stale heartbeat, dead or reused pid); returns their ids. */
  reconcileInterrupted(isOwnerAlive: OwnerJudge): string[] {
    return this.guard('reconcile interrupted runs', () => this.claims.reconcile(isOwnerAlive));
  }

  /** Closes the database; the WAL is checkpointed into the main file. Safe to call twice. */
  close(): void {
    if (this.database.open) this.database.close();
  }

  private runKeyOf(runId: string): bigint | undefined {
    const value: unknown = this.statements.runKey.get(runId);
    return typeof value === 'number' ? BigInt(value) : undefined;
  }

  private restoreMissingTasks(runId: string): void {
    if (this.statements.countTasks.get(runId) === this.statements.taskCount.get(runId)) return;
    const run = this.getRun(runId);
    run?.spec.tasks.forEach((task, ordinal) => {
      const dependencies = JSON.stringify(task.dependencies);
      this.statements.restoreTask.run(runId, task.id, ordinal, task.agentName, task.description, dependencies, task.priority);
    });
  }

  /** Runs a store operation, reporting SQLite failures as `JOURNAL_ERROR`. */
  private guard<T>(action: string, body: () => T): T {
    return guardStoreOperation(this.path, action, body);
  }

}

/** Opens (creating folders and file as needed) the run journal at `path`, or in memory for `:memory:`. */
export function openRunStore(path: string): RunStore {
  return new RunStore(path);
}

/** Every statement of the store except the write path's, prepared once. */
function prepareStatements(database: Database.Database) {
  const prepare = (sql: string): Database.Statement => database.prepare(sql);
  return {
    insertRun: prepare(
      'INSERT INTO runs (run_id, workflow_name, workflow_id, status, created_at, updated_at, owner_pid, owner_host, owner_start_ticks, ' +
        "owner_token, heartbeat_at, stale_after_ms, task_count, spec_json) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    runKey: prepare('SELECT run_key FROM runs WHERE run_id = ?').pluck(),
    selectRun: prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`),
    listRuns: prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, run_id DESC LIMIT ?`),
    listRunsByStatus: prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = ? ORDER BY created_at DESC, run_id DESC LIMIT ?`),
    listRunsByWorkflowPrefix: prepare(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE substr(workflow_id, 1, ?) = ? AND (? IS NULL OR status = ?) ORDER BY created_at DESC, run_id DESC LIMIT ?`,
    ),
    listTasks: prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ? ORDER BY ordinal`),
    countRunsByStatus: prepare('SELECT status, COUNT(*) AS count FROM runs GROUP BY status'),
    countTasksByStatus: prepare('SELECT status, COUNT(*) AS count FROM tasks GROUP BY status'),
    readEvents: prepare('SELECT seq, event_json FROM events WHERE event_key BETWEEN ? AND ? ORDER BY event_key LIMIT ?'),
    addedTasks: prepare("SELECT seq, event_json FROM events WHERE event_key BETWEEN ? AND ? AND type = 'task:added' AND event_json LIKE '%\"task\":{%' ORDER BY event_key"),
    lastSeq: prepare('SELECT seq FROM events WHERE event_key BETWEEN ? AND ? ORDER BY event_key DESC LIMIT 1').pluck(),
    completedTasks: prepare(
      `SELECT task_id, ${TASK_OUTPUT_COLUMN} AS output, input_tokens, output_tokens, total_tokens, cost_usd, duration_ms ` +
        "FROM tasks WHERE run_id = ? AND status = 'succeeded'",
    ),
    // `status = 'succeeded'` verbatim, so the planner uses the partial index tasks_succeeded_by_agent.
    agentDurations: prepare(
      "SELECT duration_ms FROM tasks WHERE agent_name = ? AND status = 'succeeded' AND duration_ms IS NOT NULL " +
        'ORDER BY finished_at DESC LIMIT ?',
    ).pluck(),
    countTasks: prepare('SELECT COUNT(*) FROM tasks WHERE run_id = ?').pluck(),
    taskCount: prepare('SELECT task_count FROM runs WHERE run_id = ?').pluck(),
    restoreTask: prepare(
      'INSERT OR IGNORE INTO tasks (run_id, task_id, ordinal, agent_name, description, dependencies_json, priority, status) ' +
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
    ),
    requestCancel: prepare('UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, ?), updated_at = ? WHERE run_id = ?'),
    isCancelRequested: prepare('SELECT cancel_requested_at IS NOT NULL FROM runs WHERE run_id = ?').pluck(),
    runStatus: prepare('SELECT status FROM runs WHERE run_id = ?').pluck(),
    markRunStatus: prepare('UPDATE runs SET status = ?, finished_at = ?, updated_at = ? WHERE run_id = ?'),
    selectRunningIds: prepare("SELECT run_id FROM runs WHERE status = 'running'").pluck(),
    updateSpec: prepare('UPDATE runs SET spec_json = ?, updated_at = ? WHERE run_id = ?'),
  };
}

function zeroCounts<Status extends string>(statuses: readonly Status[]): Record<Status, number> {
  return Object.fromEntries(statuses.map((status) => [status, 0])) as Record<Status, number>;
}

function unknownRun(runId: string, path: string): EnsembleError {
  return new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${path}`, { details: { runId } });
}

function parseOptions<Schema extends z.ZodType>(schema: Schema, value: unknown, name: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error, name);
  throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}

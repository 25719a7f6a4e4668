import type Database from 'better-sqlite3';
import { guardStoreOperation } from './guard-store-operation.js';
import type { z } from 'zod';
import {
  EnsembleError,
  median,
  TERMINAL_RUN_STATUSES,
  toInputIssues,
  type Journal,
  type PriorTaskResult,
  type RunEvent,
  type RunStatus,
} from '../core/index.js';
import { EventAppender } from './event-appender.js';
import { eventKeyRange } from './event-key.js';
import { openDatabase } from './open-database.js';
import { parseStoredValue } from './parse-stored-json.js';
import { RUN_COLUMNS, toRunRecord, type CreateRunInput, type RunOwner, type RunRecord } from './run-record.js';
import {
  completedTaskRowSchema,
  listRunsOptionsSchema,
  ownerRowSchema,
  readEventsOptionsSchema,
  runStatusSchema,
  sampleSizeSchema,
} from './schema.js';
import { TASK_COLUMNS, toTaskRecord, type TaskRecord } from './task-record.js';
import { toRunEvent } from './to-run-event.js';

/** Options of {@link RunStore.listRuns}. */
export interface ListRunsOptions {
  /** Most runs returned. @default 50 */
  readonly limit?: number;
  /** Only runs in this state. */
  readonly status?: RunStatus;
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
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly claim: Database.Transaction<(runId: string, owner: RunOwner, now: number) => void>;

  constructor(path: string) {
    this.path = path;
    this.database = openDatabase(path);
    this.appender = new EventAppender(this.database);
    this.statements = prepareStatements(this.database);
    this.claim = this.database.transaction((runId: string, owner: RunOwner, now: number): void => {
      const result = this.statements.claimRun.run(owner.pid, owner.host, now, runId);
      if (result.changes === 0) throw unknownRun(runId, this.path);
      this.restoreMissingTasks(runId);
    });
  }

  /** Records a new run, status `running`, before its first event. */
  createRun(input: CreateRunInput): void {
    this.guard(`create run "${input.runId}"`, () => {
      if (this.runKeyOf(input.runId) !== undefined) {
        throw new EnsembleError('JOURNAL_ERROR', `run "${input.runId}" already exists in ${this.path}`, { details: { runId: input.runId } });
      }
      this.statements.insertRun.run(
        input.runId,
        input.workflowName,
        input.workflowId ?? null,
        input.createdAt,
        input.createdAt,
        input.owner.pid,
        input.owner.host,
        input.spec.tasks.length,
        JSON.stringify(input.spec),
      );
    });
  }

  /**
   * The journal of one run, for the scheduler: `append` writes the events and their projection in
   * one transaction and returns once they are committed.
   * @throws EnsembleError `UNKNOWN_RUN` when the run was not created; `append` throws `JOURNAL_ERROR`.
   */
  journalFor(runId: string): Journal {
    const target = this.guard(`open the journal of run "${runId}"`, () => {
      const runKey = this.runKeyOf(runId);
      if (runKey === undefined) throw unknownRun(runId, this.path);
      return { runId, runKey };
    });
    // Declaration position of the next task:added; read from the table on the first append.
    let nextOrdinal: number | undefined;
    return {
      append: (events: readonly RunEvent[]): void => {
        nextOrdinal = this.appender.append(target, events, nextOrdinal);
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
    const { limit, status } = parseOptions(listRunsOptionsSchema, options, 'listRuns');
    return this.guard('list runs', () => {
      const rows: unknown[] =
        status === undefined ? this.statements.listRuns.all(limit) : this.statements.listRunsByStatus.all(status, limit);
      return rows.map((row) => toRunRecord(row));
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
  readEvents(runId: string, options: ReadEventsOptions = {}): RunEvent[] {
    const { afterSeq, limit } = parseOptions(readEventsOptionsSchema, options, 'readEvents');
    return this.guard(`read the events of run "${runId}"`, () => {
      const runKey = this.runKeyOf(runId);
      if (runKey === undefined) return [];
      // LIMIT -1 is SQLite for "no limit".
      const rows: unknown[] = this.statements.readEvents.all(...eventKeyRange(runKey, afterSeq), limit ?? -1);
      return rows.map((row) => toRunEvent(runId, row));
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
   * Takes a run over for a resume: records the new owner, sets it `running` and clears a pending
   * cancel request. If the first execution died before its `task:added` events were journaled, the
   * task rows are restored from the stored spec (resume does not repeat `task:added`).
   */
  claimRun(runId: string, owner: RunOwner): void {
    this.guard(`claim run "${runId}"`, () => this.claim.immediate(runId, owner, Date.now()));
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

  /** Marks `interrupted` every `running` run whose owner process is gone; returns their ids. */
  reconcileInterrupted(isOwnerAlive: (owner: RunOwner) => boolean): string[] {
    return this.guard('reconcile interrupted runs', () => {
      const interrupted: string[] = [];
      for (const value of this.statements.selectRunning.all()) {
        const row = parseStoredValue(ownerRowSchema, value, { runId: '(running runs)', field: 'owner row' });
        if (isOwnerAlive({ pid: row.owner_pid, host: row.owner_host })) continue;
        // The owner guard skips a run that another process claimed since the select.
        const result = this.statements.markInterrupted.run(Date.now(), row.run_id, row.owner_pid, row.owner_host);
        if (result.changes === 1) interrupted.push(row.run_id);
      }
      return interrupted;
    });
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
      'INSERT INTO runs (run_id, workflow_name, workflow_id, status, created_at, updated_at, owner_pid, owner_host, task_count, spec_json) ' +
        "VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
    ),
    runKey: prepare('SELECT run_key FROM runs WHERE run_id = ?').pluck(),
    selectRun: prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`),
    listRuns: prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, run_id DESC LIMIT ?`),
    listRunsByStatus: prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = ? ORDER BY created_at DESC, run_id DESC LIMIT ?`),
    listTasks: prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE run_id = ? ORDER BY ordinal`),
    readEvents: prepare('SELECT seq, event_json FROM events WHERE event_key BETWEEN ? AND ? ORDER BY event_key LIMIT ?'),
    lastSeq: prepare('SELECT seq FROM events WHERE event_key BETWEEN ? AND ? ORDER BY event_key DESC LIMIT 1').pluck(),
    completedTasks: prepare(
      'SELECT task_id, output, input_tokens, output_tokens, total_tokens, cost_usd, duration_ms ' +
        "FROM tasks WHERE run_id = ? AND status = 'succeeded'",
    ),
    // `status = 'succeeded'` verbatim, so the planner uses the partial index tasks_succeeded_by_agent.
    agentDurations: prepare(
      "SELECT duration_ms FROM tasks WHERE agent_name = ? AND status = 'succeeded' AND duration_ms IS NOT NULL " +
        'ORDER BY finished_at DESC LIMIT ?',
    ).pluck(),
    claimRun: prepare(
      "UPDATE runs SET owner_pid = ?, owner_host = ?, status = 'running', cancel_requested_at = NULL, finished_at = NULL, updated_at = ? " +
        'WHERE run_id = ?',
    ),
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
    selectRunning: prepare("SELECT run_id, owner_pid, owner_host FROM runs WHERE status = 'running'"),
    markInterrupted: prepare(
      "UPDATE runs SET status = 'interrupted', updated_at = ? WHERE run_id = ? AND status = 'running' AND owner_pid = ? AND owner_host = ?",
    ),
  };
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

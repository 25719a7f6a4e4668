import type Database from 'better-sqlite3';
import { z } from 'zod';
import { EnsembleError, toInputIssues } from '../core/index.js';
import { guardStoreOperation } from './guard-store-operation.js';
import { parseStoredJson, parseStoredValue } from './parse-stored-json.js';

/** What host maintenance can be done to a journal: `stop-all` (cancel every running run) and `cleanup` (remove what crashed runs left). */
export const MAINTENANCE_ACTIONS = ['stop-all', 'cleanup'] as const;
export type MaintenanceActionName = (typeof MAINTENANCE_ACTIONS)[number];

/** One `stop-all` or `cleanup` invocation as the journal keeps it. Times are epoch ms. */
export interface MaintenanceAction {
  /** Numbered from 1 (AUTOINCREMENT: never given twice). */
  readonly actionId: number;
  readonly action: MaintenanceActionName;
  /** The host and pid of the process that did it. */
  readonly host: string;
  readonly pid: number;
  readonly startedAt: number;
  /** Absent while it is going on, or when its process died before it finished. */
  readonly finishedAt?: number;
  /** What it did (its report object), or, before it finished, what it was asked to do. */
  readonly report: Readonly<Record<string, unknown>>;
}

const startInputSchema = z.strictObject({
  action: z.enum(MAINTENANCE_ACTIONS),
  host: z.string().min(1),
  pid: z.int().positive(),
  startedAt: z.number().nonnegative(),
  /** What it was asked to do (`{dryRun: true}`), kept until the report replaces it. */
  request: z.record(z.string(), z.unknown()).default({}),
});

const listOptionsSchema = z.strictObject({
  /** Most actions returned, newest first. */
  limit: z.int().min(1).max(100_000).default(50),
  action: z.enum(MAINTENANCE_ACTIONS).optional(),
});

const actionRowSchema = z.object({
  action_id: z.number().int().positive(),
  action: z.enum(MAINTENANCE_ACTIONS),
  host: z.string(),
  pid: z.number().int(),
  started_at: z.number(),
  finished_at: z.number().nullable(),
  report_json: z.string(),
});

const reportSchema = z.record(z.string(), z.unknown());

/** What {@link MaintenanceLog.start} takes. */
export type MaintenanceStartInput = z.input<typeof startInputSchema>;
/** Options of {@link MaintenanceLog.list}. */
export type ListMaintenanceOptions = z.input<typeof listOptionsSchema>;

/** Where a row that does not read back is named in the error (rows of this table belong to no run). */
const LOCATION_RUN = '(maintenance)';
const ACTION_COLUMNS = 'action_id, action, host, pid, started_at, finished_at, report_json';

/**
 * The `maintenance_actions` table (schema v6): each `stop-all` and `cleanup` is recorded as it
 * starts, then finished with its report, so what host maintenance did to a journal, and when,
 * stays on record beside the runs it touched. Synchronous; every row read back is validated.
 */
export class MaintenanceLog {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(
    database: Database.Database,
    /** The database file, for error messages. */
    private readonly path: string,
  ) {
    this.statements = prepareStatements(database);
  }

  /** Records an action as started (its report is the request until it finishes); returns its id. */
  start(input: MaintenanceStartInput): number {
    const parsed = parseInput(startInputSchema, input, 'start');
    return this.guard(`record the start of ${parsed.action}`, () => {
      const result = this.statements.insert.run(parsed.action, parsed.host, parsed.pid, parsed.startedAt, JSON.stringify(parsed.request));
      return Number(result.lastInsertRowid);
    });
  }

  /**
   * Records an action as finished with its report (a JSON object).
   * @throws EnsembleError `NOT_FOUND` for an unknown action id, `INVALID_INPUT` for a report that is not a JSON object.
   */
  finish(actionId: number, report: Readonly<Record<string, unknown>>, finishedAt: number): void {
    const parsedReport = parseInput(reportSchema, report, 'report');
    const text = JSON.stringify(parsedReport);
    this.guard(`record the end of maintenance action ${actionId}`, () => {
      if (this.statements.finish.run(finishedAt, text, actionId).changes === 0) {
        throw new EnsembleError('NOT_FOUND', `no maintenance action ${actionId} in ${this.path}`, { details: { actionId } });
      }
    });
  }

  /** The action, or undefined. */
  get(actionId: number): MaintenanceAction | undefined {
    return this.guard(`read maintenance action ${actionId}`, () => {
      const row: unknown = this.statements.select.get(actionId);
      return row === undefined ? undefined : toMaintenanceAction(row);
    });
  }

  /** Actions, newest first. */
  list(options: ListMaintenanceOptions = {}): MaintenanceAction[] {
    const { limit, action } = parseInput(listOptionsSchema, options, 'list');
    return this.guard('list maintenance actions', () => {
      const rows: unknown[] = this.statements.list.all(action ?? null, action ?? null, limit);
      return rows.map((row) => toMaintenanceAction(row));
    });
  }

  private guard<T>(action: string, body: () => T): T {
    return guardStoreOperation(this.path, action, body);
  }
}

function toMaintenanceAction(value: unknown): MaintenanceAction {
  const row = parseStoredValue(actionRowSchema, value, { runId: LOCATION_RUN, field: 'maintenance action row' });
  const report = parseStoredJson(reportSchema, row.report_json, { runId: LOCATION_RUN, field: `maintenance action ${row.action_id} report_json` });
  return {
    actionId: row.action_id,
    action: row.action,
    host: row.host,
    pid: row.pid,
    startedAt: row.started_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    report,
  };
}

function prepareStatements(database: Database.Database) {
  return {
    insert: database.prepare('INSERT INTO maintenance_actions (action, host, pid, started_at, report_json) VALUES (?, ?, ?, ?, ?)'),
    finish: database.prepare('UPDATE maintenance_actions SET finished_at = ?, report_json = ? WHERE action_id = ?'),
    select: database.prepare(`SELECT ${ACTION_COLUMNS} FROM maintenance_actions WHERE action_id = ?`),
    list: database.prepare(`SELECT ${ACTION_COLUMNS} FROM maintenance_actions WHERE (? IS NULL OR action = ?) ORDER BY action_id DESC LIMIT ?`),
  };
}

function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, name: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error, name);
  throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}

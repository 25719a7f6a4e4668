import type { SerializedError } from '../core/index.js';
import { parseStoredJson, parseStoredValue } from './parse-stored-json.js';
import { serializedErrorSchema } from './schema.js';
import { stringListSchema, ticketRowSchema, type TicketStatus } from './codebase-schema.js';

/** A ticket of the repository's queue. Times are epoch ms. */
export interface TicketRecord {
  /** `T-<n>`, numbered from 1 per database and never reused. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** 1 (lowest) to 10. */
  readonly priority: number;
  /** Tickets that must be done first. */
  readonly dependencies: readonly string[];
  /** Workspace-relative globs the ticket expects to touch. */
  readonly files: readonly string[];
  readonly labels: readonly string[];
  readonly capability?: string;
  /** The agent that should work it, if the user chose one. */
  readonly agent?: string;
  /** argv of the command that verifies the work. */
  readonly verify?: readonly string[];
  readonly status: TicketStatus;
  /** The run that works (or last worked) it. */
  readonly runId?: string;
  /** The team member working it. */
  readonly assignee?: string;
  readonly attempts: number;
  /** `complex`, … */
  readonly flags: readonly string[];
  readonly lastError?: SerializedError;
  readonly branch?: string;
  readonly reviewId?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
}

/** Columns selected for {@link toTicketRecord}. */
export const TICKET_COLUMNS =
  'ticket_number, title, description, priority, dependencies_json, files_json, labels_json, capability, agent, verify_json, status, ' +
  'run_id, assignee, attempts, flags_json, last_error_json, branch, review_id, created_at, updated_at, started_at, finished_at';

/** `T-7` → 7; undefined for anything that is not a ticket id. */
export function toTicketNumber(id: string): number | undefined {
  const match = /^T-([1-9]\d{0,14})$/.exec(id);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Reads a `tickets` row back through the schemas; a corrupt row fails with `JOURNAL_ERROR` naming the ticket. */
export function toTicketRecord(value: unknown): TicketRecord {
  const row = parseStoredValue(ticketRowSchema, value, { runId: '(codebase)', field: 'ticket row' });
  const id = `T-${row.ticket_number}`;
  const where = (column: string): { runId: string; field: string } => ({ runId: row.run_id ?? '(codebase)', field: `ticket "${id}" ${column}` });
  return {
    id,
    title: row.title,
    description: row.description,
    priority: row.priority,
    dependencies: parseStoredJson(stringListSchema, row.dependencies_json, where('dependencies_json')),
    files: parseStoredJson(stringListSchema, row.files_json, where('files_json')),
    labels: parseStoredJson(stringListSchema, row.labels_json, where('labels_json')),
    ...(row.capability === null ? {} : { capability: row.capability }),
    ...(row.agent === null ? {} : { agent: row.agent }),
    ...(row.verify_json === null ? {} : { verify: parseStoredJson(stringListSchema, row.verify_json, where('verify_json')) }),
    status: row.status,
    ...(row.run_id === null ? {} : { runId: row.run_id }),
    ...(row.assignee === null ? {} : { assignee: row.assignee }),
    attempts: row.attempts,
    flags: parseStoredJson(stringListSchema, row.flags_json, where('flags_json')),
    ...(row.last_error_json === null ? {} : { lastError: parseStoredJson(serializedErrorSchema, row.last_error_json, where('last_error_json')) }),
    ...(row.branch === null ? {} : { branch: row.branch }),
    ...(row.review_id === null ? {} : { reviewId: row.review_id }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.started_at === null ? {} : { startedAt: row.started_at }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
  };
}

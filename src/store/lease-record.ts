import { parseStoredValue } from './parse-stored-json.js';
import { leaseRowSchema } from './codebase-schema.js';

/** A path or glob one owner holds for writing until `expiresAt` (epoch ms). */
export interface LeaseRecord {
  /** Workspace-relative POSIX glob, as requested. */
  readonly pattern: string;
  /** Opaque; the ticket runner uses `<runId>:<ticketId>`. */
  readonly owner: string;
  readonly runId: string;
  readonly taskId: string;
  readonly ticketId?: string;
  readonly member?: string;
  readonly acquiredAt: number;
  readonly expiresAt: number;
}

/** Columns selected for {@link toLeaseRecord}. */
export const LEASE_COLUMNS = 'owner, pattern, run_id, task_id, ticket_id, member, acquired_at, expires_at';

/** Reads a `leases` row back through its schema. */
export function toLeaseRecord(value: unknown): LeaseRecord {
  const row = parseStoredValue(leaseRowSchema, value, { runId: runIdOf(value), field: 'lease row' });
  return {
    pattern: row.pattern,
    owner: row.owner,
    runId: row.run_id,
    taskId: row.task_id,
    ...(row.ticket_id === null ? {} : { ticketId: row.ticket_id }),
    ...(row.member === null ? {} : { member: row.member }),
    acquiredAt: row.acquired_at,
    expiresAt: row.expires_at,
  };
}

/** The run a row names, for an error message about the row itself. */
export function runIdOf(value: unknown): string {
  return typeof value === 'object' && value !== null && 'run_id' in value && typeof value.run_id === 'string' ? value.run_id : '(codebase)';
}

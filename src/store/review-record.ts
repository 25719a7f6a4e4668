import type { ConflictPrediction } from '../core/index.js';
import { parseStoredJson, parseStoredValue } from './parse-stored-json.js';
import { conflictPredictionSchema, reviewRowSchema, type ReviewStatus } from './codebase-schema.js';
import { runIdOf } from './lease-record.js';

/** A ticket's branch waiting for a person's approval. Times are epoch ms. */
export interface ReviewRecord {
  /** `R-<n>`, numbered from 1 per database and never reused. */
  readonly id: string;
  readonly ticketId: string;
  readonly runId: string;
  readonly branch: string;
  readonly worktree: string;
  readonly baseCommit: string;
  readonly headCommit: string;
  readonly status: ReviewStatus;
  readonly conflicts: readonly ConflictPrediction[];
  /** Why it was rejected or sent back. */
  readonly reason?: string;
  readonly mergedCommit?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Columns selected for {@link toReviewRecord}. */
export const REVIEW_COLUMNS =
  'review_number, ticket_id, run_id, branch, worktree, base_commit, head_commit, status, conflicts_json, reason, merged_commit, created_at, updated_at';

/** `R-3` → 3; undefined for anything that is not a review id. */
export function toReviewNumber(id: string): number | undefined {
  const match = /^R-([1-9]\d{0,14})$/.exec(id);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Reads a `reviews` row back through its schema. */
export function toReviewRecord(value: unknown): ReviewRecord {
  const runId = runIdOf(value);
  const row = parseStoredValue(reviewRowSchema, value, { runId, field: 'review row' });
  const id = `R-${row.review_number}`;
  return {
    id,
    ticketId: row.ticket_id,
    runId: row.run_id,
    branch: row.branch,
    worktree: row.worktree,
    baseCommit: row.base_commit,
    headCommit: row.head_commit,
    status: row.status,
    conflicts: parseStoredJson(conflictPredictionSchema.array(), row.conflicts_json, { runId, field: `review "${id}" conflicts_json` }),
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.merged_commit === null ? {} : { mergedCommit: row.merged_commit }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

import { z } from 'zod';
import { serializedErrorSchema } from './schema.js';

// The shared codebase's tables (schema v5): what callers pass in, and every row read back.

const nonEmptyString = z.string().min(1);
const nonEmptyStrings = z.array(nonEmptyString);
/** A ticket id as `addTicket` gives it. */
export const ticketIdSchema = z.string().regex(/^T-[1-9]\d*$/, 'expected a ticket id such as "T-1"');

export const TICKET_STATUSES = ['queued', 'in-progress', 'waiting', 'review', 'done', 'failed', 'agent-failed', 'rejected', 'cancelled'] as const;
export const ticketStatusSchema = z.enum(TICKET_STATUSES);
export type TicketStatus = z.infer<typeof ticketStatusSchema>;

export const ESCALATION_STATUSES = ['open', 'answered', 'expired', 'cancelled'] as const;
export const escalationStatusSchema = z.enum(ESCALATION_STATUSES);
export type EscalationStatus = z.infer<typeof escalationStatusSchema>;

export const REVIEW_STATUSES = ['open', 'merged', 'rejected', 'needs-retry'] as const;
export const reviewStatusSchema = z.enum(REVIEW_STATUSES);
export type ReviewStatus = z.infer<typeof reviewStatusSchema>;

export const conflictPredictionSchema = z.object({
  against: nonEmptyString,
  clean: z.boolean(),
  files: z.array(z.string()),
});

/** What `addTicket` takes; defaults live here. */
export const ticketInputSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  description: z.string().default(''),
  priority: z.int().min(1).max(10).default(5),
  dependencies: z.array(ticketIdSchema).default([]),
  files: nonEmptyStrings.default([]),
  labels: nonEmptyStrings.default([]),
  capability: nonEmptyString.optional(),
  agent: nonEmptyString.optional(),
  verify: nonEmptyStrings.min(1).optional(),
});

/** What `updateTicket` changes; `null` clears an optional field. */
export const ticketPatchSchema = z.strictObject({
  status: ticketStatusSchema.optional(),
  runId: nonEmptyString.nullable().optional(),
  assignee: nonEmptyString.nullable().optional(),
  attempts: z.int().min(0).optional(),
  flags: nonEmptyStrings.optional(),
  lastError: serializedErrorSchema.nullable().optional(),
  startedAt: z.number().nullable().optional(),
  finishedAt: z.number().nullable().optional(),
  branch: nonEmptyString.nullable().optional(),
  reviewId: nonEmptyString.nullable().optional(),
});

export const listTicketsOptionsSchema = z.strictObject({
  status: ticketStatusSchema.optional(),
  limit: z.int().min(1).max(100_000).optional(),
});

export const acquireLeasesInputSchema = z.strictObject({
  owner: nonEmptyString,
  runId: nonEmptyString,
  taskId: nonEmptyString,
  ticketId: nonEmptyString.optional(),
  member: nonEmptyString.optional(),
  patterns: nonEmptyStrings.min(1),
  ttlMs: z.int().min(1),
});

export const listLeasesOptionsSchema = z.strictObject({ includeExpired: z.boolean().optional() });

export const listEscalationsOptionsSchema = z.strictObject({
  status: escalationStatusSchema.optional(),
  runId: nonEmptyString.optional(),
});

export const answerEscalationInputSchema = z.strictObject({
  guidance: z.string().trim().min(1),
  answeredBy: nonEmptyString.optional(),
});

export const reviewInputSchema = z.strictObject({
  ticketId: ticketIdSchema,
  runId: nonEmptyString,
  branch: nonEmptyString,
  worktree: nonEmptyString,
  baseCommit: nonEmptyString,
  headCommit: nonEmptyString,
  conflicts: z.array(conflictPredictionSchema).default([]),
});

/** What `updateReview` changes; `null` clears an optional field. */
export const reviewPatchSchema = z.strictObject({
  status: reviewStatusSchema.optional(),
  conflicts: z.array(conflictPredictionSchema).optional(),
  headCommit: nonEmptyString.optional(),
  baseCommit: nonEmptyString.optional(),
  reason: nonEmptyString.nullable().optional(),
  mergedCommit: nonEmptyString.nullable().optional(),
});

export const listReviewsOptionsSchema = z.strictObject({ status: reviewStatusSchema.optional() });

// Rows as the codebase store selects them.

export const ticketRowSchema = z.object({
  ticket_number: z.int().min(1),
  title: z.string(),
  description: z.string(),
  priority: z.int(),
  dependencies_json: z.string(),
  files_json: z.string(),
  labels_json: z.string(),
  capability: z.string().nullable(),
  agent: z.string().nullable(),
  verify_json: z.string().nullable(),
  status: ticketStatusSchema,
  run_id: z.string().nullable(),
  assignee: z.string().nullable(),
  attempts: z.int().min(0),
  flags_json: z.string(),
  last_error_json: z.string().nullable(),
  branch: z.string().nullable(),
  review_id: z.string().nullable(),
  created_at: z.number(),
  updated_at: z.number(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
});
export type TicketRow = z.infer<typeof ticketRowSchema>;

export const stringListSchema = z.array(z.string());

export const leaseRowSchema = z.object({
  owner: z.string(),
  pattern: z.string(),
  run_id: z.string(),
  task_id: z.string(),
  ticket_id: z.string().nullable(),
  member: z.string().nullable(),
  acquired_at: z.number(),
  expires_at: z.number(),
});

export const escalationRowSchema = z.object({
  escalation_id: z.string(),
  run_id: z.string(),
  task_id: z.string(),
  agent_name: z.string(),
  attempt: z.int(),
  ticket_id: z.string().nullable(),
  member: z.string().nullable(),
  trigger_type: z.string(),
  reason: z.string(),
  context: z.string(),
  options_json: z.string(),
  priority: z.int(),
  status: escalationStatusSchema,
  opened_at: z.number(),
  deadline_at: z.number().nullable(),
  default_action: z.string().nullable(),
  answer: z.string().nullable(),
  answered_by: z.string().nullable(),
  answered_at: z.number().nullable(),
  delivered: z.union([z.literal(0), z.literal(1)]),
});

export const reviewRowSchema = z.object({
  review_number: z.int().min(1),
  ticket_id: z.string(),
  run_id: z.string(),
  branch: z.string(),
  worktree: z.string(),
  base_commit: z.string(),
  head_commit: z.string(),
  status: reviewStatusSchema,
  conflicts_json: z.string(),
  reason: z.string().nullable(),
  merged_commit: z.string().nullable(),
  created_at: z.number(),
  updated_at: z.number(),
});

import { z } from 'zod';
import { contextStrategySchema, resourceSettingsSchema, resultCacheSettingsSchema, retryPolicySchema, RUN_STATUSES } from '../core/index.js';
import { ESCALATION_STATUSES, REVIEW_STATUSES, TICKET_STATUSES } from '../store/index.js';

/** Most bytes a request body may have (a workflow of many tasks fits; a runaway upload does not). */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The run settings an HTTP caller may choose (`config` of `POST /api/workflows/execute`). Where a
 * run works, its agent folders and its permission ceiling are the server's, never the caller's.
 */
export const executeConfigSchema = z.strictObject({
  maxParallelAgents: z.int().min(1).max(1000).optional(),
  contextStrategy: contextStrategySchema.optional(),
  enableCommunication: z.boolean().optional(),
  /** Whole-run timeout, in ms. */
  globalTimeout: z.int().positive().max(7 * 24 * 3_600_000).optional(),
  pruningThreshold: z.int().positive().optional(),
  retry: retryPolicySchema.optional(),
  /** Run-wide caps: no model call starts that would cross one. */
  maxTokens: z.int().positive().optional(),
  maxCost: z.number().positive().optional(),
  /** How host load limits the run's process agents (`{pressureControl, cpuTarget, memoryFloorMb, agentMemoryMb}`). */
  resources: resourceSettingsSchema.optional(),
  /** Reuse outputs of identical read-only tasks finished within `ttl` (`{ttl: '1h'}`). */
  cache: resultCacheSettingsSchema.optional(),
});

/** `POST /api/workflows/execute`: a built-in template by id, or custom tasks in the workflow file's task shape. */
export const executeBodySchema = z
  .strictObject({
    workflowId: z.string().min(1).max(200).optional(),
    workflowName: z.string().min(1).max(200).optional(),
    tasks: z.array(z.unknown()).min(1, 'a workflow needs at least one task').max(100_000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    config: executeConfigSchema.optional(),
  })
  .refine((body) => body.workflowId !== undefined || body.tasks !== undefined, {
    message: 'give a workflowId (a built-in template, see GET /api/workflows/list) or tasks',
    path: ['workflowId'],
  })
  .refine((body) => body.workflowId === undefined || body.tasks === undefined, {
    message: 'give either a workflowId or tasks, not both',
    path: ['tasks'],
  });

export type ExecuteBody = z.infer<typeof executeBodySchema>;
export type ExecuteConfig = z.infer<typeof executeConfigSchema>;

/** `POST /api/agents/:name/chat`. */
export const chatBodySchema = z.strictObject({
  message: z.string().min(1, 'the message is empty').max(200_000),
  /** A tier alias or `provider:model` for this reply. */
  model: z.string().min(1).max(200).optional(),
});

/** `GET /api/runs` query. */
export const runListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  status: z.enum(RUN_STATUSES).optional(),
});

/** `GET /api/workflows/list` query. */
export const workflowListQuerySchema = z.strictObject({
  category: z.string().min(1).optional(),
  /** Comma-separated; a workflow must carry every tag. */
  tags: z.string().optional(),
});

/** `GET /api/agents` query. */
export const agentListQuerySchema = z.strictObject({
  category: z.string().min(1).optional(),
});

/** A run's event stream query: `lastEventId` for clients that cannot send the header, `token` for EventSource. */
export const eventStreamQuerySchema = z.strictObject({
  lastEventId: z.coerce.number().int().min(0).optional(),
  token: z.string().optional(),
});

/** Longest answer to an escalation, in characters: guidance for a next attempt, not a document. */
export const MAX_GUIDANCE_LENGTH = 8000;

/** `POST /api/escalations/:id/answer`. */
export const answerEscalationBodySchema = z.strictObject({
  guidance: z.string().trim().min(1, 'the guidance is empty; say what the agent should do').max(MAX_GUIDANCE_LENGTH),
  /** Who answered (shown in the journal's `escalation:answered`). */
  answeredBy: z.string().trim().min(1).max(200).optional(),
});

/** `GET /api/escalations` query; `all` lists every status. */
export const escalationListQuerySchema = z.strictObject({
  status: z.enum([...ESCALATION_STATUSES, 'all']).default('open'),
});

/** `POST /api/tickets`: the `TicketInput` of the codebase store, bounded for a request. */
/**
 * `POST /api/tickets/run`: the ticket run options of `ensemble tickets run`, the team as the CLI's
 * `--agents` list (`"developer:2,tester"`).
 */
export const ticketRunBodySchema = z.strictObject({
  mode: z.enum(['queue', 'locks', 'branches']).optional(),
  agents: z.string().trim().min(1, 'name at least one agent ("developer:2,tester")').max(1_000),
  follow: z.boolean().optional(),
  overlapThreshold: z.number().min(0).max(1).optional(),
  leaseTtlMs: z.int().min(1_000).optional(),
  maxTries: z.int().min(1).max(20).optional(),
  backoffMs: z.array(z.int().min(0)).min(1).optional(),
  escalationDeadlineMs: z.int().min(1_000).optional(),
  ticketTimeoutMs: z.int().min(1_000).optional(),
});
export type TicketRunBody = z.output<typeof ticketRunBodySchema>;

export const ticketBodySchema = z.strictObject({
  title: z.string().trim().min(1, 'the title is empty').max(200),
  description: z.string().max(100_000).optional(),
  priority: z.int().min(1).max(10).optional(),
  dependencies: z.array(z.string().min(1).max(50)).max(1000).optional(),
  files: z.array(z.string().min(1).max(1000)).max(1000).optional(),
  labels: z.array(z.string().min(1).max(100)).max(100).optional(),
  capability: z.string().min(1).max(200).optional(),
  agent: z.string().min(1).max(200).optional(),
  /** The verify command as argv (no shell). */
  verify: z.array(z.string().min(1).max(10_000)).min(1).max(1000).optional(),
});

/** `GET /api/tickets` query. */
export const ticketListQuerySchema = z.strictObject({
  status: z.enum(TICKET_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
});

/** `GET /api/reviews` query. */
export const reviewListQuerySchema = z.strictObject({
  status: z.enum(REVIEW_STATUSES).optional(),
});

/** `POST /api/reviews/:id/reject`; an empty body is no reason and no requeue. */
export const rejectReviewBodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(2000).optional(),
  /** Queue the ticket again (a fresh attempt) rather than closing it as rejected. */
  requeue: z.boolean().optional(),
});

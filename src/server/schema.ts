import { z } from 'zod';
import { contextStrategySchema, retryPolicySchema, RUN_STATUSES } from '../core/index.js';

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

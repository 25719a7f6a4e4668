// zod/mini checks the same shapes as zod and tree-shakes: the dashboard bundle stays small (classic zod adds ~440 KB).
import * as z from 'zod/mini';
import { ERROR_CODES, RUN_EVENT_TYPES } from '../../src/core/index.js';

// What the dashboard reads from its server (the API of src/server). Objects are loose and unknown
// codes fall back, so a newer server's extra fields do not break an older page.

/** The body of every failed call: `{error: {code, message}}`. */
export const apiErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.catch(z.enum(ERROR_CODES), 'INTERNAL'),
    message: z.string(),
  }),
});

/** One run of `GET /api/runs` (and the `run` of `GET /api/runs/:id`). Times are epoch ms. */
export const runListItemSchema = z.looseObject({
  runId: z.string(),
  workflowName: z.string(),
  workflowId: z.nullish(z.string()),
  /** `running`, `succeeded`, `failed`, `cancelled`, `interrupted`; kept as text so a new status still shows. */
  status: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.nullish(z.number()),
  totalTasks: z.number(),
  finishedTasks: z.number(),
  successfulTasks: z.number(),
  failedTasks: z.number(),
  totalTokens: z.number(),
  /** Dollars. */
  totalCost: z.number(),
  isLocal: z.boolean(),
});
export type RunListItem = z.infer<typeof runListItemSchema>;

export const runListResponseSchema = z.looseObject({ runs: z.array(runListItemSchema) });

/** A task as the run was given it: what the journal's events do not carry (the prompt). */
export const runTaskSpecSchema = z.looseObject({
  id: z.string(),
  agentName: z.string(),
  description: z.string(),
  prompt: z.string(),
  dependencies: z.array(z.string()),
  priority: z.number(),
});
export type RunTaskSpec = z.infer<typeof runTaskSpecSchema>;

export const runDetailResponseSchema = z.looseObject({
  run: runListItemSchema,
  tasks: z.array(runTaskSpecSchema),
  error: z.optional(z.looseObject({ code: z.string(), message: z.string() })),
});
export type RunDetail = z.infer<typeof runDetailResponseSchema>;

/** A workflow parameter declaration (src/workflows `WorkflowParameter`). */
export const workflowParameterSchema = z.looseObject({
  /** `string`, `number`, `integer`, `boolean`, `array`, `object`. */
  type: z.string(),
  description: z.optional(z.string()),
  required: z.optional(z.boolean()),
  default: z.optional(z.unknown()),
  /** The values allowed (of each item, for an array); the API may call them `enum`. */
  values: z.optional(z.array(z.string())),
  enum: z.optional(z.array(z.string())),
  /** The type of each item of an `array`. */
  items: z.optional(z.string()),
  minimum: z.optional(z.number()),
  maximum: z.optional(z.number()),
});
export type WorkflowParameter = z.infer<typeof workflowParameterSchema>;

export const workflowListItemSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
  /** Seconds. */
  estimatedDuration: z.number(),
  complexity: z.string(),
  parameters: z._default(z.record(z.string(), workflowParameterSchema), {}),
});
export type WorkflowListItem = z.infer<typeof workflowListItemSchema>;

export const workflowListResponseSchema = z.looseObject({ workflows: z.array(workflowListItemSchema) });

/** `202` of `POST /api/workflows/execute` with `Accept: application/json`. */
export const executeAcceptedSchema = z.looseObject({
  runId: z.string(),
  workflowName: z.string(),
  taskCount: z.number(),
  events: z.string(),
});

/** `202` of `POST /api/runs/:id/cancel` and `/resume`. */
export const runActionAcceptedSchema = z.looseObject({ runId: z.string() });

/** The envelope every SSE frame carries; the payload is the journal's own, which the server read through the store's event schema. */
export const runEventEnvelopeSchema = z.looseObject({
  type: z.enum(RUN_EVENT_TYPES),
  runId: z.string(),
  seq: z.int().check(z.positive()),
  at: z.number(),
});

/** One escalation of `GET /api/escalations` (the store's record and its run's status). Times are epoch ms. */
export const escalationSchema = z.looseObject({
  id: z.string(),
  runId: z.string(),
  taskId: z.string(),
  agentName: z.string(),
  ticketId: z.optional(z.string()),
  member: z.optional(z.string()),
  triggerType: z.string(),
  reason: z.string(),
  context: z.string(),
  options: z.array(z.string()),
  priority: z.number(),
  /** `open`, `answered`, `expired`, `cancelled`; kept as text so a new status still shows. */
  status: z.string(),
  openedAt: z.number(),
  deadlineAt: z.optional(z.number()),
  defaultAction: z.optional(z.string()),
  answer: z.optional(z.string()),
  runStatus: z.optional(z.string()),
});
export type Escalation = z.infer<typeof escalationSchema>;

export const escalationListResponseSchema = z.looseObject({ escalations: z.array(escalationSchema) });

/** `200` of `POST /api/escalations/:id/answer`. */
export const escalationAnsweredSchema = z.looseObject({ escalation: escalationSchema });

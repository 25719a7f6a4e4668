import { z } from 'zod';
import { ERROR_CODES, formatIssuePath, MESSAGE_TYPES, PERMISSION_CEILINGS, taskSpecSchema } from '../core/index.js';
import type { ActivityEventType, BudgetCaps, OutgoingMessage, RunMessage, SerializedError, TaskOutcome, TaskRequest, TokenUsage } from '../core/index.js';
import { AGENT_RUNTIMES, type AgentDefinition } from '../agents/index.js';

/** The version of {@link TaskJob} this code writes; a worker refuses any other. */
export const TASK_JOB_VERSION = 1;

/** The run settings a worker needs to execute a task as the coordinator would. */
export interface TaskJobRunSettings {
  readonly provider?: string;
  readonly model?: string;
  readonly defaultModel?: string;
  readonly simulatedLatencyMs?: number;
  readonly enableCommunication: boolean;
  readonly caps?: BudgetCaps;
}

/** The data of one BullMQ job: one attempt of one task, with everything a worker needs to run it. */
export interface TaskJob {
  readonly version: typeof TASK_JOB_VERSION;
  readonly request: TaskRequest;
  /** Absolute path of the workspace on the coordinator; a worker may map it (`--workspace`). */
  readonly workspace: string;
  /** The coordinator's resolved definition of `request.task.agentName` (plain data). */
  readonly agent?: AgentDefinition;
  readonly run: TaskJobRunSettings;
  /** Messages the task had received when it was dispatched. */
  readonly received: readonly RunMessage[];
  /** The team member working the attempt (a ticket run). */
  readonly member?: string;
}

const runMessageSchema = z.looseObject({
  messageId: z.string(),
  runId: z.string(),
  taskId: z.string(),
  from: z.string(),
  to: z.string(),
  messageType: z.enum(MESSAGE_TYPES),
  content: z.string(),
  inReplyTo: z.string().optional(),
  at: z.number(),
});

const budgetCapShape = z.looseObject({ tokens: z.number().optional(), costUsd: z.number().optional() });

// Strict only where the worker's behaviour depends on it (the task, the ids); the rest is passed
// through, so a newer coordinator's extra fields never break an older worker.
export const taskJobSchema = z.looseObject({
  version: z.literal(TASK_JOB_VERSION),
  request: z.looseObject({
    runId: z.string().min(1),
    task: taskSpecSchema,
    attempt: z.int().positive(),
    executionId: z.string().min(1),
    inputs: z.array(z.looseObject({ taskId: z.string(), agentName: z.string(), output: z.string() })),
    context: z.array(z.looseObject({ key: z.string(), relation: z.string(), source: z.string(), agentName: z.string(), text: z.string() })),
    permissions: z.enum(PERMISSION_CEILINGS),
  }),
  workspace: z.string().min(1),
  agent: z
    .looseObject({
      name: z.string().min(1),
      description: z.string(),
      category: z.string(),
      runtime: z.enum(AGENT_RUNTIMES),
      tools: z.array(z.string()),
      prompt: z.string(),
      source: z.string(),
      extra: z.record(z.string(), z.unknown()),
    })
    .optional(),
  run: z.looseObject({
    provider: z.string().optional(),
    model: z.string().optional(),
    defaultModel: z.string().optional(),
    simulatedLatencyMs: z.number().nonnegative().optional(),
    enableCommunication: z.boolean(),
    caps: z
      .looseObject({ run: budgetCapShape.optional(), agents: z.record(z.string(), budgetCapShape).optional(), tasks: z.record(z.string(), budgetCapShape).optional() })
      .optional(),
  }),
  received: z.array(runMessageSchema),
  member: z.string().optional(),
});

/** A job's data checked against {@link taskJobSchema}: the job, or the first problem naming its field. */
export type TaskJobParse = { readonly ok: true; readonly job: TaskJob } | { readonly ok: false; readonly problem: string };

/** Validates a job's data as a worker receives it (never throws). */
export function parseTaskJob(data: unknown): TaskJobParse {
  const parsed = taskJobSchema.safeParse(data);
  if (parsed.success) return { ok: true, job: parsed.data as unknown as TaskJob };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: issue === undefined ? 'invalid task job' : `${formatIssuePath('job', issue.path)}: ${issue.message}` };
}

/**
 * The BullMQ job id of an execution. BullMQ 5 accepts a custom id holding ':' only when it splits
 * into exactly three parts, so `<runId>:<taskId>:<attempt>` is used verbatim when the task id has
 * no ':'; otherwise each ':' of the task-id part (between the first and the last ':') becomes
 * `%3A` (task ids cannot hold '%', so the mapping stays one-to-one).
 */
export function toJobId(executionId: string): string {
  const parts = executionId.split(':');
  if (parts.length <= 3) return executionId;
  const first = executionId.indexOf(':');
  const last = executionId.lastIndexOf(':');
  return `${executionId.slice(0, first)}:${executionId.slice(first + 1, last).replaceAll(':', '%3A')}${executionId.slice(last)}`;
}

/** An EnsembleError as plain data (`serializeError`), as it crosses Redis. */
export const serializedErrorSchema = z.looseObject({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const ACTIVITY_EVENT_TYPES: readonly ActivityEventType[] = ['provider:pause', 'provider:circuit', 'agent:process', 'agent:tool', 'lease:refused'] as const;

const workerIdentitySchema = z.looseObject({ id: z.string(), host: z.string(), pid: z.number() });

/** One item of an execution's stream (worker to coordinator), discriminated on `kind`. */
export const streamItemSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('started'), worker: workerIdentitySchema, at: z.number() }),
  z.looseObject({ kind: z.literal('output'), delta: z.string(), restart: z.boolean().optional() }),
  z.looseObject({
    kind: z.literal('usage'),
    usage: z.looseObject({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() }),
    costUsd: z.number(),
  }),
  z.looseObject({ kind: z.literal('event'), type: z.enum(ACTIVITY_EVENT_TYPES as unknown as readonly [ActivityEventType, ...ActivityEventType[]]), payload: z.record(z.string(), z.unknown()) }),
  z.looseObject({ kind: z.literal('warning'), code: z.literal('MESSAGE_MALFORMED'), message: z.string() }),
  z.looseObject({
    kind: z.literal('message'),
    message: z.looseObject({ to: z.string(), messageType: z.enum(MESSAGE_TYPES), content: z.string(), inReplyTo: z.string().optional() }),
  }),
  z.looseObject({ kind: z.literal('shared'), key: z.string(), value: z.string() }),
  z.looseObject({ kind: z.literal('suspend'), id: z.string() }),
  z.looseObject({ kind: z.literal('resume'), id: z.string() }),
  z.looseObject({ kind: z.literal('result'), outcome: z.looseObject({ output: z.string() }) }),
  z.looseObject({ kind: z.literal('failure'), error: serializedErrorSchema }),
]);

/** One item of an execution's stream (worker to coordinator), discriminated on `kind`. */
export type StreamItem =
  /** A worker began the job (written again by a second worker after the first stalled). */
  | { readonly kind: 'started'; readonly worker: { readonly id: string; readonly host: string; readonly pid: number }; readonly at: number }
  | { readonly kind: 'output'; readonly delta: string; readonly restart?: boolean }
  | { readonly kind: 'usage'; readonly usage: TokenUsage; readonly costUsd: number }
  | { readonly kind: 'event'; readonly type: ActivityEventType; readonly payload: Readonly<Record<string, unknown>> }
  | { readonly kind: 'warning'; readonly code: 'MESSAGE_MALFORMED'; readonly message: string }
  | { readonly kind: 'message'; readonly message: OutgoingMessage }
  | { readonly kind: 'shared'; readonly key: string; readonly value: string }
  /** The attempt waits on something not its own work: the coordinator stops its timeout clock until `resume` with the same id. */
  | { readonly kind: 'suspend'; readonly id: string }
  | { readonly kind: 'resume'; readonly id: string }
  | { readonly kind: 'result'; readonly outcome: TaskOutcome }
  | { readonly kind: 'failure'; readonly error: SerializedError };

/** Validates one item read back from a stream (never throws). */
export function parseStreamItem(data: unknown): StreamItem | undefined {
  const parsed = streamItemSchema.safeParse(data);
  return parsed.success ? (parsed.data as unknown as StreamItem) : undefined;
}

/** The items that end an execution. */
export type TerminalItem = Extract<StreamItem, { kind: 'result' | 'failure' }>;

/** Whether an item ends its execution. */
export function isTerminalItem(item: StreamItem): item is TerminalItem {
  return item.kind === 'result' || item.kind === 'failure';
}

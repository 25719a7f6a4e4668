import { z } from 'zod';
import {
  AGENT_NAME_PATTERN,
  ERROR_CODES,
  MESSAGE_TYPES,
  contextStrategySchema,
  PERMISSION_CEILINGS,
  RUN_STATUSES,
  runConfigSchema,
  taskSpecSchema,
  type RunEvent,
  type RunEventType,
  type RunStatus,
  type RunSummary,
  type SerializedError,
  type TaskEvidence,
  type TaskStatus,
  type TokenUsage,
} from '../core/index.js';

// Journal rows read back are a boundary: every JSON column and row goes through these schemas.

export const runStatusSchema = z.enum(RUN_STATUSES);
export const taskStatusSchema = z.enum(['pending', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'cancelled', 'waiting']);

export const serializedErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().exactOptional(),
  details: z.record(z.string(), z.unknown()).exactOptional(),
});

export const tokenUsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
});

export const taskEvidenceSchema = z.object({
  exitCode: z.number().exactOptional(),
  command: z.array(z.string()).exactOptional(),
  stderr: z.string().exactOptional(),
  diff: z.string().exactOptional(),
  diffShared: z.boolean().exactOptional(),
  runtime: z.string().exactOptional(),
  simulated: z.boolean().exactOptional(),
  outputFormat: z.string().exactOptional(),
  outputNote: z.string().exactOptional(),
  permissions: z.enum(PERMISSION_CEILINGS).exactOptional(),
  refusals: z.array(z.object({ tool: z.string(), detail: z.string().exactOptional() })).exactOptional(),
  reportedChanges: z.array(z.object({ path: z.string(), kind: z.string() })).exactOptional(),
  commands: z.array(z.object({ command: z.string(), exitCode: z.number().nullable() })).exactOptional(),
  linesAdded: z.number().exactOptional(),
  linesRemoved: z.number().exactOptional(),
  failedToolCalls: z.number().exactOptional(),
  toolCalls: z.number().exactOptional(),
});

export const runSummarySchema = z.object({
  totalTasks: z.number(),
  successfulTasks: z.number(),
  failedTasks: z.number(),
  skippedTasks: z.number(),
  // Journals written before the cancelled task status have no count: they had no cancelled tasks.
  cancelledTasks: z.number().default(0),
  totalTokens: z.number(),
  totalCost: z.number(),
  totalDuration: z.number(),
  // Journals written before agents had tools hold no count: they made no tool calls.
  toolCalls: z.number().default(0),
  // Journals written before context strategies hold no count: nothing was measured.
  contextTokens: z.number().default(0),
  budgetStops: z.array(z.object({ taskId: z.string(), cap: z.string(), name: z.string() })).exactOptional(),
});

export const taskResultSchema = z.object({
  taskId: z.string(),
  agentName: z.string(),
  status: taskStatusSchema,
  output: z.string().exactOptional(),
  error: serializedErrorSchema.exactOptional(),
  attempts: z.number(),
  durationMs: z.number(),
  tokensUsed: z.number(),
  costUsd: z.number(),
});

/** Where a run works and which provider and model it uses (absent in runs journaled before they were kept). */
export const runSettingsSchema = z.object({
  workspaceDir: z.string().exactOptional(),
  agentDirs: z.array(z.string()).exactOptional(),
  provider: z.string().exactOptional(),
  model: z.string().exactOptional(),
  /** The Redis of a distributed run (`--redis`), without its credentials: a resume finds its queue again. */
  redis: z.string().exactOptional(),
});

/** What a run was started with: enough to resume it in another process. */
export const runSpecSchema = z.object({
  tasks: z.array(taskSpecSchema),
  config: runConfigSchema,
  parameters: z.record(z.string(), z.unknown()),
  settings: runSettingsSchema.exactOptional(),
});

export const dependenciesSchema = z.array(z.string());

/** A `runs` row as selected by the run store. */
export const runRowSchema = z.object({
  run_id: z.string(),
  workflow_name: z.string(),
  workflow_id: z.string().nullable(),
  status: runStatusSchema,
  created_at: z.number(),
  updated_at: z.number(),
  finished_at: z.number().nullable(),
  owner_pid: z.number(),
  owner_host: z.string(),
  owner_start_ticks: z.number().nullable(),
  heartbeat_at: z.number().nullable(),
  stale_after_ms: z.number().nullable(),
  cancel_requested_at: z.number().nullable(),
  summary_json: z.string().nullable(),
  error_json: z.string().nullable(),
  spec_json: z.string(),
  task_count: z.number(),
  last_seq: z.number().nullable(),
});

/** A `tasks` row as selected by the run store. */
export const taskRowSchema = z.object({
  task_id: z.string(),
  agent_name: z.string(),
  description: z.string(),
  dependencies_json: z.string(),
  priority: z.number(),
  ordinal: z.number(),
  status: taskStatusSchema,
  attempts: z.number(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
  duration_ms: z.number().nullable(),
  output: z.string().nullable(),
  error_json: z.string().nullable(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number(),
  model: z.string().nullable(),
  evidence_json: z.string().nullable(),
});

/** A succeeded `tasks` row, as selected for resume. */
export const completedTaskRowSchema = z.object({
  task_id: z.string(),
  output: z.string().nullable(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number(),
  duration_ms: z.number().nullable(),
});

/** A run's status and owner with its heartbeat, as selected to find interrupted runs and to claim one. */
export const ownerRowSchema = z.object({
  run_id: z.string(),
  status: runStatusSchema,
  updated_at: z.number(),
  owner_pid: z.number(),
  owner_host: z.string(),
  owner_start_ticks: z.number().nullable(),
  owner_token: z.string().nullable(),
  heartbeat_at: z.number().nullable(),
  stale_after_ms: z.number().nullable(),
});

/** A run as selected to remove or prune it. */
export const prunableRunRowSchema = z.object({
  run_key: z.number(),
  run_id: z.string(),
  workflow_name: z.string(),
  status: runStatusSchema,
  created_at: z.number(),
});

/** A row of `RunStore.countRunsByStatus`. */
export const runStatusCountRowSchema = z.object({ status: runStatusSchema, count: z.int().min(0) });

/** A row of `RunStore.countTasksByStatus`. */
export const taskStatusCountRowSchema = z.object({ status: taskStatusSchema, count: z.int().min(0) });

/** An `events` row as selected for reading back. */
export const eventRowSchema = z.object({ seq: z.number(), event_json: z.string() });

/** Options of `RunStore.listRuns`. */
export const listRunsOptionsSchema = z.strictObject({
  limit: z.int().min(1).max(100_000).default(50),
  status: runStatusSchema.optional(),
  workflowIdPrefix: z.string().min(1).max(200).optional(),
});

/** Options of `RunStore.readEvents`. */
export const readEventsOptionsSchema = z.strictObject({
  afterSeq: z.int().min(0).default(0),
  limit: z.int().min(1).optional(),
});

/** Arguments of `RunStore.agentMedianDurations`. */
export const sampleSizeSchema = z.int().min(1).max(100_000).default(50);

/** The environment variables the store reads; an empty value counts as unset. */
export const storeEnvironmentSchema = z.looseObject({
  ENSEMBLE_HOME: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
});

const contextReceiptSchema = z.looseObject({
  strategy: contextStrategySchema,
  tokenizer: z.string(),
  tokens: z.number(),
  entries: z.array(
    z.looseObject({
      key: z.string(),
      relation: z.enum(['dependency', 'ancestor', 'pool', 'message', 'shared']),
      treatment: z.enum(['whole', 'trimmed', 'summary']),
      tokens: z.number(),
      sourceTokens: z.number(),
    }),
  ),
});

const envelope = {
  runId: z.string(),
  seq: z.int().min(1),
  at: z.number(),
};
const taskRef = { taskId: z.string(), agentName: z.string() };
const conflictPredictionSchema = z.object({ against: z.string(), clean: z.boolean(), files: z.array(z.string()) });
// Failed, retried and aborted attempts carry their spend; journals written before they did read back as zero.
const attemptSpend = {
  usage: tokenUsageSchema.default({ inputTokens: 0, outputTokens: 0, totalTokens: 0 }),
  costUsd: z.number().default(0),
};

/** Every journaled event, read back. Unknown fields are kept, so events from a newer writer replay whole. */
export const runEventSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('workflow:start'),
    ...envelope,
    workflowName: z.string(),
    workflowId: z.string().exactOptional(),
    taskCount: z.number(),
    maxParallelAgents: z.number(),
    resumed: z.boolean(),
    completedTaskCount: z.number(),
  }),
  z.looseObject({
    type: z.literal('task:added'),
    ...envelope,
    ...taskRef,
    description: z.string(),
    dependencies: z.array(z.string()),
    priority: z.number(),
    task: taskSpecSchema.exactOptional(),
  }),
  z.looseObject({ type: z.literal('task:start'), ...envelope, ...taskRef, description: z.string(), attempt: z.number() }),
  z.looseObject({
    type: z.literal('agent:invoke'),
    ...envelope,
    ...taskRef,
    model: z.string(),
    runtime: z.string(),
    attempt: z.number(),
  }),
  z.looseObject({
    type: z.literal('agent:message'),
    ...envelope,
    ...taskRef,
    from: z.string(),
    to: z.string(),
    messageType: z.enum(MESSAGE_TYPES),
    content: z.string(),
    messageId: z.string().exactOptional(),
    attempt: z.number().exactOptional(),
    inReplyTo: z.string().exactOptional(),
  }),
  z.looseObject({
    type: z.literal('task:context'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    receipt: contextReceiptSchema,
  }),
  z.looseObject({
    type: z.literal('context:pruned'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    thresholdTokens: z.number(),
    beforeTokens: z.number(),
    afterTokens: z.number(),
    entries: z.array(
      z.looseObject({
        key: z.string(),
        treatment: z.enum(['whole', 'trimmed', 'summary', 'dropped']),
        beforeTokens: z.number(),
        afterTokens: z.number(),
      }),
    ),
  }),
  z.looseObject({
    type: z.literal('context:update'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    key: z.string(),
    value: z.string(),
    version: z.number(),
  }),
  z.looseObject({
    type: z.literal('run:warning'),
    ...envelope,
    code: z.enum(['MESSAGE_UNKNOWN_RECIPIENT', 'MESSAGE_LIMIT', 'MESSAGES_DISABLED', 'MESSAGE_MALFORMED', 'CONTEXT_UPDATE_LIMIT', 'RESOURCES_LIMITED']),
    message: z.string(),
    taskId: z.string().exactOptional(),
    agentName: z.string().exactOptional(),
  }),
  z.looseObject({ type: z.literal('task:output'), ...envelope, ...taskRef, attempt: z.number(), delta: z.string(), restart: z.boolean().exactOptional() }),
  z.looseObject({
    type: z.literal('provider:pause'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    provider: z.string(),
    reason: z.enum(['rate-limited', 'backoff', 'circuit-open', 'queued']),
    waitMs: z.number(),
    error: serializedErrorSchema.exactOptional(),
  }),
  z.looseObject({
    type: z.literal('provider:circuit'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    provider: z.string(),
    state: z.enum(['open', 'half-open', 'closed']),
    failures: z.number().exactOptional(),
  }),
  z.looseObject({
    type: z.literal('agent:process'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    state: z.enum(['started', 'exited']),
    pid: z.number(),
    pgid: z.number(),
    host: z.string(),
    startTicks: z.number().exactOptional(),
    cgroup: z.string().exactOptional(),
  }),
  z.looseObject({
    type: z.literal('agent:tool'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    callId: z.string(),
    tool: z.string(),
    state: z.enum(['start', 'end']),
    input: z.string(),
    ok: z.boolean().exactOptional(),
    resultChars: z.number().exactOptional(),
    durationMs: z.number().exactOptional(),
    error: z.string().exactOptional(),
    files: z.array(z.string()).exactOptional(),
  }),
  z.looseObject({
    type: z.literal('task:retry'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    delayMs: z.number(),
    error: serializedErrorSchema,
    ...attemptSpend,
  }),
  z.looseObject({
    type: z.literal('task:complete'),
    ...envelope,
    ...taskRef,
    duration: z.number(),
    tokensUsed: z.number(),
    usage: tokenUsageSchema,
    costUsd: z.number(),
    model: z.string().exactOptional(),
    attempt: z.number(),
    output: z.string(),
    evidence: taskEvidenceSchema.exactOptional(),
    cached: z.literal(true).exactOptional(),
    cachedFrom: z.object({ runId: z.string(), taskId: z.string(), completedAt: z.number(), tokensSaved: z.number() }).exactOptional(),
  }),
  z.looseObject({
    type: z.literal('task:error'),
    ...envelope,
    ...taskRef,
    duration: z.number(),
    attempt: z.number(),
    error: serializedErrorSchema,
    ...attemptSpend,
  }),
  z.looseObject({
    type: z.literal('task:skipped'),
    ...envelope,
    ...taskRef,
    reason: z.enum(['dependency-failed', 'cancelled', 'run-timeout']),
    blockedBy: z.string().exactOptional(),
  }),
  z.looseObject({
    type: z.literal('task:cancelled'),
    ...envelope,
    ...taskRef,
    reason: z.enum(['cancelled', 'run-timeout']),
    attempt: z.number().exactOptional(),
    duration: z.number().exactOptional(),
    ...attemptSpend,
  }),
  z.looseObject({ type: z.literal('wave:start'), ...envelope, wave: z.number(), taskCount: z.number() }),
  z.looseObject({ type: z.literal('wave:complete'), ...envelope, wave: z.number(), taskCount: z.number() }),
  z.looseObject({ type: z.literal('workflow:results'), ...envelope, results: z.array(taskResultSchema) }),
  z.looseObject({
    type: z.literal('escalation:open'),
    ...envelope,
    ...taskRef,
    attempt: z.number(),
    escalationId: z.string(),
    ticketId: z.string().exactOptional(),
    member: z.string().exactOptional(),
    triggerType: z.string(),
    reason: z.string(),
    context: z.string(),
    options: z.array(z.string()),
    priority: z.number(),
    deadlineAt: z.number().exactOptional(),
    defaultAction: z.string().exactOptional(),
    duration: z.number(),
    ...attemptSpend,
  }),
  z.looseObject({ type: z.literal('escalation:answered'), ...envelope, ...taskRef, escalationId: z.string(), guidance: z.string(), answeredBy: z.string().exactOptional() }),
  z.looseObject({ type: z.literal('escalation:expired'), ...envelope, ...taskRef, escalationId: z.string(), action: z.enum(['guidance', 'fail']), guidance: z.string().exactOptional() }),
  z.looseObject({ type: z.literal('ticket:assigned'), ...envelope, ...taskRef, ticketId: z.string(), member: z.string(), attempt: z.number(), reason: z.string() }),
  z.looseObject({ type: z.literal('ticket:deferred'), ...envelope, ...taskRef, ticketId: z.string(), reason: z.string() }),
  z.looseObject({ type: z.literal('ticket:committed'), ...envelope, ...taskRef, ticketId: z.string(), commit: z.string(), files: z.array(z.string()) }),
  z.looseObject({ type: z.literal('ticket:review'), ...envelope, ...taskRef, ticketId: z.string(), reviewId: z.string(), branch: z.string(), conflicts: z.array(conflictPredictionSchema) }),
  z.looseObject({ type: z.literal('ticket:checkin'), ...envelope, ...taskRef, ticketId: z.string(), member: z.string(), pane: z.string() }),
  z.looseObject({ type: z.literal('ticket:flagged'), ...envelope, ...taskRef, ticketId: z.string(), flag: z.literal('complex'), reason: z.string() }),
  z.looseObject({ type: z.literal('lease:acquired'), ...envelope, ...taskRef, ticketId: z.string().exactOptional(), owner: z.string(), paths: z.array(z.string()), expiresAt: z.number() }),
  z.looseObject({
    type: z.literal('lease:released'),
    ...envelope,
    ...taskRef,
    ticketId: z.string().exactOptional(),
    owner: z.string(),
    paths: z.array(z.string()),
    reason: z.enum(['commit', 'failed', 'cancelled', 'review', 'waiting']),
  }),
  z.looseObject({ type: z.literal('lease:refused'), ...envelope, ...taskRef, attempt: z.number(), ticketId: z.string().exactOptional(), tool: z.string(), path: z.string(), holder: z.string().exactOptional() }),
  z.looseObject({
    type: z.literal('resources:pressure'),
    ...envelope,
    cpuPercent: z.number(),
    loadAverage: z.number(),
    memoryAvailableMb: z.number(),
    memoryTotalMb: z.number(),
    limit: z.number(),
    previousLimit: z.number(),
    reason: z.enum(['cpu-above-target', 'memory-below-floor', 'memory-ceiling', 'below-band']),
    running: z.number(),
    held: z.number(),
  }),
  z.looseObject({ type: z.literal('workflow:complete'), ...envelope, status: runStatusSchema, summary: runSummarySchema }),
  z.looseObject({
    type: z.literal('workflow:error'),
    ...envelope,
    status: runStatusSchema,
    error: serializedErrorSchema,
    summary: runSummarySchema,
  }),
]);

// The schemas must produce the core types; tsc fails here when core and store drift apart.
type Assert<T extends true> = T;
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Extends<A, B> = [A] extends [B] ? true : false;
type ParsedEvent = z.output<typeof runEventSchema>;
type _SchemaChecks = [
  Assert<Equals<z.output<typeof runStatusSchema>, RunStatus>>,
  Assert<Equals<z.output<typeof taskStatusSchema>, TaskStatus>>,
  Assert<Extends<z.output<typeof serializedErrorSchema>, SerializedError>>,
  Assert<Extends<z.output<typeof taskEvidenceSchema>, TaskEvidence>>,
  // The same fields too: one added to the evidence but not here would be dropped when read back (issue 12).
  Assert<Equals<keyof z.output<typeof taskEvidenceSchema>, keyof TaskEvidence>>,
  Assert<Extends<z.output<typeof runSummarySchema>, RunSummary>>,
  Assert<Extends<z.output<typeof tokenUsageSchema>, TokenUsage>>,
  Assert<Extends<ParsedEvent, RunEvent>>,
  Assert<Equals<ParsedEvent['type'], RunEventType>>,
];

/** Who wrote a memory entry: the person chatting, the agent replying, or a note added by hand. */
export const MEMORY_ROLES = ['user', 'agent', 'note'] as const;
export type MemoryRole = (typeof MEMORY_ROLES)[number];

export const memoryAgentNameSchema = z
  .string({ error: 'expected an agent name' })
  .regex(AGENT_NAME_PATTERN, 'must be 1-128 letters, digits, "-" or "_", starting with a letter or digit');

/** One entry handed to `MemoryStore.append`. */
export const memoryEntryInputSchema = z.strictObject({
  role: z.enum(MEMORY_ROLES, { error: `expected one of ${MEMORY_ROLES.join(', ')}` }),
  content: z.string({ error: 'expected text' }),
  tokens: z.int().min(0).optional(),
  runId: z.string().min(1).optional(),
  createdAt: z.int().min(0).optional(),
});

export const listMemoriesOptionsSchema = z.strictObject({
  limit: z.int().min(1).max(1_000_000).optional(),
});

/** An `agent_memories` row as selected by the memory store. */
export const memoryRowSchema = z.object({
  agent_name: z.string(),
  seq: z.number(),
  role: z.enum(MEMORY_ROLES),
  content: z.string(),
  created_at: z.number(),
  tokens: z.number(),
  run_id: z.string().nullable(),
});

import { z } from 'zod';

/** Task and agent ids: letters, digits and `-_.:`; they appear in file names, URLs and logs. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** Agent names, as in Claude Code subagent files. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const retryPolicySchema = z.strictObject({
  /** Retries after the first attempt. */
  max: z.int().min(0).max(100),
  /** Delay before the first retry; doubles on each further retry (with jitter). */
  backoffMs: z.int().min(0).max(3_600_000).default(1000),
  /** Upper bound of one backoff delay. */
  maxBackoffMs: z.int().min(0).max(86_400_000).default(60_000),
});

/** A spending cap. Either bound may be omitted. */
export const budgetCapSchema = z.strictObject({
  /** Total tokens (input + output). */
  tokens: z.int().positive().optional(),
  /** Dollars. */
  costUsd: z.number().positive().finite().optional(),
});

export const taskSpecSchema = z.strictObject({
  id: z.string().regex(ID_PATTERN, 'must be 1-128 characters of letters, digits, "-", "_", "." or ":"'),
  agentName: z.string().regex(AGENT_NAME_PATTERN, 'must be letters, digits, "-" or "_"'),
  description: z.string().max(2000).default(''),
  prompt: z.string().max(1_000_000).default(''),
  dependencies: z.array(z.string()).max(10_000).default([]),
  priority: z.int().min(1).max(10).default(5),
  maxTokens: z.int().positive().optional(),
  model: z.string().min(1).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  timeoutMs: z.int().positive().optional(),
  retry: retryPolicySchema.optional(),
  estimatedMs: z.number().nonnegative().finite().optional(),
  /** Cap on what this task's model calls may spend. */
  budget: budgetCapSchema.optional(),
  /**
   * `worktree`: the task works in its own copy of the workspace (a git worktree of the workspace's
   * HEAD, or a copy of the folder where it is not a git repository); its change is kept as a patch
   * and never touches the workspace itself (bugfix attempts).
   */
  isolation: z.enum(['worktree']).optional(),
  /**
   * `all-succeeded` (default): the task runs once every dependency succeeded, and is skipped when
   * one fails. `any-succeeded`: it runs once every dependency has ended and at least one
   * succeeded, with the outputs of those that did (a selector among parallel attempts); it is
   * skipped only when none succeeded.
   */
  dependencyMode: z.enum(['all-succeeded', 'any-succeeded']).optional(),
  /** `review-findings`: the task answers with structured review findings (see `src/workflows` review findings). @default text */
  responseFormat: z.enum(['text', 'review-findings']).optional(),
});

export const contextStrategySchema = z.enum(['shared', 'isolated', 'hierarchical']);

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** A duration: a number of ms, or text such as `90s`, `30m`, `12h`, `7d`; parsed to ms. */
export const durationMsSchema = z.union([
  z.int().positive().max(366 * 86_400_000),
  z
    .string()
    .trim()
    .regex(DURATION_PATTERN, 'expected a duration such as 90s, 30m, 12h or 7d (or a number of ms)')
    .transform((text) => {
      const [, amount, unit] = DURATION_PATTERN.exec(text) as unknown as [string, string, keyof typeof DURATION_UNITS_MS];
      return Math.round(Number(amount) * DURATION_UNITS_MS[unit]);
    })
    .pipe(z.int().positive('must be longer than 0').max(366 * 86_400_000, 'must be at most 366 days')),
]);

/**
 * The result cache, opt-in per workflow (`config.cache`) or per agent (front matter `cache`): a task
 * whose agent, model, prompt, inputs and workspace state hash the same as a task that finished
 * within `ttl` reuses its output. Never for agents that may write or run commands.
 */
export const resultCacheSettingsSchema = z.strictObject({
  /** How long a finished task's output may be reused: ms, or `30m`, `12h`, `7d`. */
  ttl: durationMsSchema,
});

/** How host load limits the process agents (`cli`, `command`) of a run. Every field has a default. */
export const resourceSettingsSchema = z.strictObject({
  /** Shrink the number of running process agents when the host is loaded, grow it back when it is not. @default true */
  pressureControl: z.boolean().optional(),
  /** Host CPU utilisation, in %, above which fewer process agents start; below it minus 20 points more may. @default 60 */
  cpuTarget: z.number().min(5, 'must be at least 5 (%)').max(100, 'must be at most 100 (%)').optional(),
  /** Memory, in MB, kept available: no process agent starts that its memory limit could push below it. @default 10 % of the host's memory, at least 512 */
  memoryFloorMb: z.int().min(0).max(16_777_216).optional(),
  /** Memory limit, in MB, of a process agent whose file sets no `limits.memoryMb`. @default 768 */
  agentMemoryMb: z.int().min(16, 'must be at least 16 (MB)').max(16_777_216).optional(),
});

/**
 * What agents may do to the workspace: `read` (read and search files), `edit` (also write and
 * edit files inside the workspace), `full` (also run shell commands). Coding CLIs get their own
 * flags for it (Claude `--permission-mode`, Gemini `--approval-mode`, Codex `--sandbox`).
 */
export const PERMISSION_CEILINGS = ['read', 'edit', 'full'] as const;
export const permissionCeilingSchema = z.enum(PERMISSION_CEILINGS, { error: 'expected read, edit or full' });
/** Edits confined to the workspace show up in the task's diff; a shell can do anything the user can, so it is asked for explicitly. */
export const DEFAULT_PERMISSION_CEILING = 'edit';

export const runConfigSchema = z.strictObject({
  maxParallelAgents: z.int().min(1).max(1000).default(3),
  contextStrategy: contextStrategySchema.default('shared'),
  /** What agents may do to the workspace; see {@link PERMISSION_CEILINGS}. */
  permissions: permissionCeilingSchema.default(DEFAULT_PERMISSION_CEILING),
  enableCommunication: z.boolean().default(true),
  /** Whole-run deadline in ms. */
  globalTimeout: z.int().positive().optional(),
  pruningThreshold: z.int().positive().default(150_000),
  /** Retry policy for tasks that set none. */
  retry: retryPolicySchema.default({ max: 0, backoffMs: 1000, maxBackoffMs: 60_000 }),
  /** How long an aborted task may take to stop before it is recorded as stopped anyway. */
  abortGraceMs: z.int().min(0).max(600_000).default(5000),
  /** How host load limits the run's process agents; fields left out come from the environment, the config file, then the defaults. */
  resources: resourceSettingsSchema.optional(),
  /** Reuse the outputs of identical read-only tasks finished within `ttl` (see {@link resultCacheSettingsSchema}). @default off */
  cache: resultCacheSettingsSchema.optional(),
  /** Caps on model spending: for the whole run, and per agent name. */
  budget: z
    .strictObject({
      run: budgetCapSchema.optional(),
      agents: z.record(z.string(), budgetCapSchema).optional(),
    })
    .optional(),
});

/** A task as users write it (defaults not yet applied). */
export type TaskInput = z.input<typeof taskSpecSchema>;
/** A task with every default filled in. */
export type TaskSpec = Readonly<z.output<typeof taskSpecSchema>>;
export type RetryPolicy = Readonly<z.output<typeof retryPolicySchema>>;
export type BudgetCap = Readonly<z.output<typeof budgetCapSchema>>;
export type ContextStrategy = z.output<typeof contextStrategySchema>;
/** One of {@link PERMISSION_CEILINGS}. */
export type PermissionCeiling = z.output<typeof permissionCeilingSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type ResourceSettings = Readonly<z.output<typeof resourceSettingsSchema>>;
export type ResultCacheSettings = Readonly<z.output<typeof resultCacheSettingsSchema>>;
export type RunConfig = Readonly<z.output<typeof runConfigSchema>>;

/** One problem in user input, with the path of the offending field (`tasks[2].priority`). */
export interface InputIssue {
  readonly path: string;
  readonly message: string;
}

/** Renders a zod path as `tasks[2].dependencies[0]`. */
export function formatIssuePath(prefix: string, path: readonly PropertyKey[]): string {
  let result = prefix;
  for (const key of path) {
    if (typeof key === 'number') result += `[${key}]`;
    else result += result === '' ? String(key) : `.${String(key)}`;
  }
  return result === '' ? '(root)' : result;
}

export function toInputIssues(error: z.ZodError, prefix = ''): InputIssue[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return {
        path: formatIssuePath(prefix, issue.path),
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`,
      };
    }
    return { path: formatIssuePath(prefix, issue.path), message: issue.message };
  });
}

import { z } from 'zod';
import { AGENT_NAME_PATTERN, PERMISSION_CEILINGS, resultCacheSettingsSchema } from '../core/index.js';

/** How an agent's work is executed: `llm` (a model), `cli` (a coding-agent CLI), `command` (a plain program), `simulated` (offline). */
export const AGENT_RUNTIMES = ['llm', 'cli', 'command', 'simulated'] as const;
/** One of {@link AGENT_RUNTIMES}. */
export type AgentRuntimeKind = (typeof AGENT_RUNTIMES)[number];

/**
 * How a `cli` agent's stdout is read: plain `text`, Claude Code's `--output-format json` result,
 * Gemini CLI's `--output-format json` object, or Codex's `exec --json` event lines.
 */
export const CLI_OUTPUT_FORMATS = ['text', 'claude-json', 'gemini-json', 'codex-jsonl'] as const;
/** One of {@link CLI_OUTPUT_FORMATS}. */
export type CliOutputFormat = (typeof CLI_OUTPUT_FORMATS)[number];

/** The placeholder a `cli`/`command` argv element may be, replaced by the task's prompt. */
export const PROMPT_PLACEHOLDER = '{prompt}';
/** The placeholder a `cli` argv element may be, replaced by the arguments `permissions:` gives for the run's ceiling. */
export const PERMISSIONS_PLACEHOLDER = '{permissions}';
/** What a `cli` agent's refused tool call means: the attempt fails (`fail`), or the refusal is recorded and the answer stands (`warn`). */
export const REFUSAL_POLICIES = ['fail', 'warn'] as const;
export type RefusalPolicy = (typeof REFUSAL_POLICIES)[number];

/** Front-matter keys ensemble reads; every other key is kept in `extra` and ignored. */
export const KNOWN_FRONT_MATTER_KEYS: ReadonlySet<string> = new Set([
  'name',
  'description',
  'category',
  'runtime',
  'command',
  'model',
  'tools',
  'timeoutMs',
  'limits',
  'outputFormat',
  'env',
  'permissions',
  'onRefusal',
  'maxTurns',
  'cache',
]);

/** Model steps an `llm` agent may take (each a model call, with the tool calls it asks for) when its file sets no `maxTurns`. */
export const DEFAULT_MAX_TURNS = 30;

const requiredString = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'required' : `expected ${what}`) });

const argvSchema = z
  .array(requiredString('a string').min(1, 'must not be empty'), {
    error: 'expected a list of arguments (argv), e.g. ["npm", "test"]; a command is never run through a shell',
  })
  .min(1, 'must name a program')
  .superRefine((argv, context) => {
    argv.forEach((argument, index) => {
      for (const placeholder of [PROMPT_PLACEHOLDER, PERMISSIONS_PLACEHOLDER]) {
        if (argument !== placeholder && argument.includes(placeholder)) {
          context.addIssue({
            code: 'custom',
            path: [index],
            message: `"${placeholder}" must be a whole argument, not part of ${JSON.stringify(argument)}`,
          });
        }
      }
    });
  });

// Claude Code writes `tools: Read, Grep`; YAML lists work too. Empty means "not restricted".
const toolsSchema = z
  .union([z.string(), z.array(requiredString('a tool name'))], { error: 'expected a comma-separated string or a list of tool names' })
  .transform((tools) => (typeof tools === 'string' ? tools.split(',') : tools).map((tool) => tool.trim()).filter((tool) => tool !== ''));

/**
 * Resource limits of a `command`/`cli` agent, enforced on its whole process group. Crossing one
 * kills the group and fails the attempt with `AGENT_LIMIT_EXCEEDED` naming the limit.
 */
export const agentLimitsSchema = z.strictObject(
  {
    /** Resident memory of all the agent's processes together, in MB (MiB). Linux only. */
    memoryMb: z.number({ error: 'expected a number of megabytes' }).positive('must be positive').finite().optional(),
    /** CPU time (user + system) of all the agent's processes together, in seconds. Linux only. */
    cpuSeconds: z.number({ error: 'expected a number of seconds' }).positive('must be positive').finite().optional(),
    /** Wall time of one attempt, in ms; independent of the task's `timeoutMs`. */
    wallTimeMs: z.int({ error: 'expected a whole number of milliseconds' }).positive('must be positive').optional(),
    /** Bytes of stdout accepted; replaces the runtime's default (10 MiB). */
    outputBytes: z.int({ error: 'expected a whole number of bytes' }).positive('must be positive').optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' ? 'expected a mapping such as {memoryMb: 512, cpuSeconds: 60, wallTimeMs: 600000, outputBytes: 1048576}' : undefined,
  },
);

/** Resource limits of a process agent (see {@link agentLimitsSchema}). */
export type AgentLimits = z.output<typeof agentLimitsSchema>;

/** Variables ensemble sets for every task of a process agent; an agent file cannot declare them. */
export const ENSEMBLE_TASK_VARIABLES = [
  'ENSEMBLE_RUN_ID',
  'ENSEMBLE_TASK_ID',
  'ENSEMBLE_EXECUTION_ID',
  'ENSEMBLE_ATTEMPT',
  'ENSEMBLE_AGENT_NAME',
  'ENSEMBLE_PROMPT',
  'ENSEMBLE_PROMPT_FILE',
  'ENSEMBLE_INPUTS',
  'ENSEMBLE_CONTEXT',
  'ENSEMBLE_MESSAGES',
  'ENSEMBLE_PROCESS_TAG',
] as const;

const ENVIRONMENT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
// A name, a prefix ending in `*` (`AIDER_*`), or `*` alone (the whole environment).
const ENVIRONMENT_PASS_PATTERN = /^(?:\*|[A-Za-z_][A-Za-z0-9_]*\*?)$/;
const ENVIRONMENT_HINT = 'expected a list of variable names to pass through (["ANTHROPIC_API_KEY", "AIDER_*"]) or a mapping of names to values ({CI: "1", OPENAI_API_KEY: null})';

/**
 * What a process agent adds to the allow-listed environment: `passThrough` names (or `PREFIX*`
 * patterns, or `*` for everything) copied from ensemble's own environment when set, and `values` set as given.
 */
export interface AgentEnvironment {
  readonly passThrough: readonly string[];
  readonly values: Readonly<Record<string, string>>;
}

/**
 * `env:` of a `command`/`cli` agent. A list names variables to pass through; a mapping sets
 * values, and a name mapped to nothing (`NAME:` or `NAME: null`) is passed through.
 */
export const agentEnvironmentSchema = z.unknown().transform((input, context): AgentEnvironment => {
  const passThrough: string[] = [];
  const values: Record<string, string> = {};
  const problem = (path: readonly (string | number)[], message: string): void => {
    context.addIssue({ code: 'custom', path: [...path], message });
  };
  const checkName = (name: string, path: readonly (string | number)[], pattern: RegExp): boolean => {
    if (!pattern.test(name)) {
      problem(path, `${JSON.stringify(name)} is not an environment variable name${pattern === ENVIRONMENT_PASS_PATTERN ? ' (letters, digits and "_", optionally ending in "*")' : ''}`);
      return false;
    }
    if ((ENSEMBLE_TASK_VARIABLES as readonly string[]).includes(name)) {
      problem(path, `${name} is set by ensemble for every task and cannot be declared`);
      return false;
    }
    return true;
  };
  if (Array.isArray(input)) {
    input.forEach((name, index) => {
      if (typeof name !== 'string') problem([index], 'expected a variable name');
      else if (checkName(name, [index], ENVIRONMENT_PASS_PATTERN)) passThrough.push(name);
    });
  } else if (typeof input === 'object' && input !== null) {
    for (const [name, value] of Object.entries(input)) {
      if (!checkName(name, [name], ENVIRONMENT_NAME_PATTERN)) continue;
      if (value === null || value === undefined) passThrough.push(name);
      else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values[name] = String(value);
      else problem([name], 'expected a string value, or nothing to pass the variable through');
    }
  } else {
    problem([], ENVIRONMENT_HINT);
  }
  return { passThrough, values };
});

const permissionArgumentsSchema = z.array(requiredString('an argument'), { error: 'expected a list of arguments, e.g. ["--permission-mode", "acceptEdits"]' });

/** What a `cli` agent adds for one permission ceiling: arguments at `{permissions}`, and environment values. */
export interface CliPermissionMode {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

const permissionModeSchema = z.union(
  [
    permissionArgumentsSchema.transform((args): CliPermissionMode => ({ args, env: {} })),
    z
      .strictObject({ args: permissionArgumentsSchema.default([]), env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}) })
      .transform((mode): CliPermissionMode => mode),
  ],
  { error: 'expected a list of arguments, or {args: [...], env: {NAME: value}}' },
);

/**
 * `permissions:` of a `cli` agent: for each ceiling (`read`, `edit`, `full`), the CLI's own flags
 * that grant that much and no more, put where the argv has `{permissions}`. All three are required,
 * so no ceiling silently runs with the CLI's defaults.
 */
export const cliPermissionsSchema = z.strictObject(
  { read: permissionModeSchema, edit: permissionModeSchema, full: permissionModeSchema },
  { error: `expected a mapping of ${PERMISSION_CEILINGS.join(', ')} to the CLI's arguments for each` },
);
export type CliPermissions = z.output<typeof cliPermissionsSchema>;

/**
 * `cache:` of an agent: `{ttl: 12h}` reuses its tasks' outputs (when it is read-only: see src/cache),
 * overriding the run's `config.cache`; `false` never caches its tasks, whatever the run says.
 */
export const agentCacheSettingSchema = z.union([z.literal(false), resultCacheSettingsSchema], {
  error: 'expected {ttl: 12h} (a duration such as 30m, 12h, 7d, or ms) or false',
});
/** An agent's `cache:` (see {@link agentCacheSettingSchema}). */
export type AgentCacheSetting = z.output<typeof agentCacheSettingSchema>;

/** The fields of an agent definition's YAML front matter that ensemble reads (other keys pass through). */
export const agentFrontMatterSchema = z
  .looseObject({
    name: requiredString('a string').regex(AGENT_NAME_PATTERN, 'must be 1-128 letters, digits, "-" or "_", starting with a letter or digit'),
    description: requiredString('a string').transform((text) => text.trim()),
    category: requiredString('a string')
      .transform((text) => text.trim().toLowerCase())
      .pipe(z.string().regex(/^[a-z0-9][a-z0-9 _-]{0,63}$/, 'must be 1-64 letters, digits, spaces, "-" or "_"'))
      .default('general'),
    runtime: z.enum(AGENT_RUNTIMES, { error: `expected one of ${AGENT_RUNTIMES.join(', ')}` }).default('llm'),
    command: argvSchema.optional(),
    // `inherit` is Claude Code's "use the caller's model": for us, the run's model.
    model: requiredString('a model tier or provider:model')
      .transform((model) => model.trim())
      .transform((model) => (model === 'inherit' || model === '' ? undefined : model))
      .optional(),
    tools: toolsSchema.default([]),
    // llm only (Claude Code's key): model steps of the tool loop before the task fails with what it has.
    maxTurns: z.int({ error: 'expected a whole number of turns' }).min(1, 'must be at least 1').max(1000, 'must be at most 1000').optional(),
    timeoutMs: z.int({ error: 'expected a whole number of milliseconds' }).positive('must be positive').optional(),
    // command/cli only; other runtimes run no process of their own and ignore it.
    limits: agentLimitsSchema.optional(),
    // command/cli only: what the agent receives beyond the allow-listed environment.
    env: agentEnvironmentSchema.optional(),
    // cli only; absent means inferred from the command (see resolveCliOutputFormat).
    outputFormat: z.enum(CLI_OUTPUT_FORMATS, { error: `expected one of ${CLI_OUTPUT_FORMATS.join(', ')}` }).optional(),
    // cli only: the CLI's flags for each permission ceiling, and what a refused tool call means.
    permissions: cliPermissionsSchema.optional(),
    onRefusal: z.enum(REFUSAL_POLICIES, { error: `expected ${REFUSAL_POLICIES.join(' or ')}` }).optional(),
    // The result cache for this agent's tasks, over the run's `config.cache`; `false` opts the agent out.
    cache: agentCacheSettingSchema.optional(),
  })
  .superRefine((frontMatter, context) => {
    if ((frontMatter.runtime === 'cli' || frontMatter.runtime === 'command') && frontMatter.command === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['command'],
        message: `required for runtime "${frontMatter.runtime}" (an argv list such as ["npm", "test"])`,
      });
    }
    for (const key of ['outputFormat', 'permissions', 'onRefusal'] as const) {
      if (frontMatter[key] !== undefined && frontMatter.runtime !== 'cli') {
        context.addIssue({ code: 'custom', path: [key], message: `only for runtime "cli" (this agent is "${frontMatter.runtime}")` });
      }
    }
    const hasPlaceholder = frontMatter.command?.includes(PERMISSIONS_PLACEHOLDER) === true;
    if (frontMatter.permissions !== undefined && !hasPlaceholder) {
      context.addIssue({ code: 'custom', path: ['command'], message: `must have a "${PERMISSIONS_PLACEHOLDER}" argument where the arguments of permissions: go` });
    }
    if (frontMatter.permissions === undefined && hasPlaceholder) {
      context.addIssue({ code: 'custom', path: ['permissions'], message: `required when the command has "${PERMISSIONS_PLACEHOLDER}" (the arguments for read, edit and full)` });
    }
  });

export type AgentFrontMatter = z.output<typeof agentFrontMatterSchema>;

/** Options of the command runtime, with their defaults. */
export const commandRuntimeOptionsSchema = z.strictObject({
  maxOutputBytes: z.int().positive().default(10 * 1024 * 1024),
  killGraceMs: z.int().min(0).max(600_000).default(2000),
  limitSampleIntervalMs: z.int().min(10).max(10_000).default(150),
  processTracking: z.enum(['auto', 'proc']).default('auto'),
});

/** Options of the simulated runtime. */
export const simulatedRuntimeOptionsSchema = z.strictObject({
  latencyMs: z.int().min(0).max(600_000).optional(),
});

/** Largest accepted ENSEMBLE_SIMULATED_LATENCY_MS: ten minutes. */
export const MAX_SIMULATED_LATENCY_MS = 600_000;

/** ENSEMBLE_SIMULATED_LATENCY_MS: a whole number of ms. */
export const simulatedLatencySchema = z
  .string()
  .trim()
  .regex(/^\d+$/)
  .transform(Number)
  .pipe(z.int().max(MAX_SIMULATED_LATENCY_MS));

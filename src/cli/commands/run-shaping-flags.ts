import { resolve } from 'node:path';
import { contextStrategySchema, durationMsSchema, EnsembleError, permissionCeilingSchema, resourceSettingsSchema, type BudgetCap, type ResourceSettings, type RunConfigInput } from '../../core/index.js';
import { PROVIDER_NAMES, providerNameSchema } from '../../config/index.js';
import type { Command } from '../action.js';
import { parseRedisUrl } from '../../distributed/index.js';
import { parseDollarFlag, parseIntegerFlag } from '../cli-context.js';

/**
 * The Redis a new run, a server or a worker uses: `--redis`, else ENSEMBLE_REDIS_URL, else the config
 * file's `redis`; undefined for local execution. Each is checked, naming where a bad one came from.
 */
export function resolveRedisUrl(flag: string | undefined, env: NodeJS.ProcessEnv, configFile?: { readonly redis?: string; readonly file?: string }): string | undefined {
  if (flag !== undefined) return parseRedisUrl(flag, '--redis');
  const fromEnv = env.ENSEMBLE_REDIS_URL?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return parseRedisUrl(fromEnv, 'ENSEMBLE_REDIS_URL');
  if (configFile?.redis !== undefined) return parseRedisUrl(configFile.redis, `${configFile.file ?? 'ensemble.config.yaml'}: redis`);
  return undefined;
}

/** Flags that shape how a run runs, shared by `run` and `resume` (on `resume` they override the run's stored settings). */
export interface RunShapingFlags {
  readonly provider?: string;
  readonly model?: string;
  readonly concurrency?: string;
  readonly context?: string;
  readonly pruningThreshold?: string;
  readonly permissions?: string;
  readonly timeout?: string;
  readonly maxTokens?: string;
  readonly maxCost?: string;
  readonly workspace?: string;
  readonly redis?: string;
  /** `--cpu-target <percent>`. */
  readonly cpuTarget?: string;
  /** `--pressure-control` (true) or `--no-pressure-control` (false); absent when neither was given. */
  readonly pressureControl?: boolean;
  /** `--cache <ttl>`: reuse outputs of identical read-only tasks finished within it. */
  readonly cache?: string;
}

/** What the flags set, parsed; only the flags given are present. */
export interface RunShaping {
  readonly config: Omit<RunConfigInput, 'budget'>;
  /** `--max-tokens` / `--max-cost`: caps on the whole run. */
  readonly runCap?: BudgetCap;
  readonly provider?: string;
  readonly model?: string;
  /** Absolute. */
  readonly workspaceDir?: string;
  /** `--redis`: the run's tasks go to `ensemble worker` processes through this Redis. */
  readonly redis?: string;
}

/** The flag that sets each overridable setting, for messages such as `resume: --concurrency 50 overrides the run's 1`. */
export const FLAG_OF_SETTING: Readonly<Record<string, string>> = {
  maxParallelAgents: '--concurrency',
  contextStrategy: '--context',
  pruningThreshold: '--pruning-threshold',
  permissions: '--permissions',
  globalTimeout: '--timeout',
  'budget.run.tokens': '--max-tokens',
  'budget.run.costUsd': '--max-cost',
  provider: '--provider',
  model: '--model',
  workspaceDir: '--workspace',
  agentDirs: '--agents-dir',
  redis: '--redis',
  'resources.cpuTarget': '--cpu-target',
  cache: '--cache',
};

/** Adds the run-shaping flags; `workspaceDefault` ends the `--workspace` help (`run`: here; `resume`: none, the run's own). */
export function addRunShapingOptions(command: Command, workspaceDefault?: string): Command {
  const workspaceHelp = 'folder the agents work in (cwd of command and cli agents; ./agents and ensemble.config.yaml are read there';
  return command
    .option('--provider <name>', `model provider for llm agents: ${PROVIDER_NAMES.join(', ')} (default: from ensemble.config.yaml or the environment)`)
    .option('--model <model>', 'model for llm agents: a tier (haiku, sonnet, opus, fast, balanced, best) or provider:model')
    .option('-c, --concurrency <n>', 'maximum agents running at once (1-1000)')
    .option('--context <strategy>', 'context strategy: shared, isolated or hierarchical')
    .option('--pruning-threshold <tokens>', "tokens of context past which a task's context is pruned (default 150000)")
    .option('--permissions <ceiling>', 'what agents may do to the workspace: read (read and search), edit (also write files), full (also run shell commands); default: edit')
    .option('--timeout <ms>', 'global timeout for the whole run, in ms')
    .option('--max-tokens <n>', 'token cap for the whole run: no model call starts that could cross it')
    .option('--max-cost <usd>', 'dollar cap for the whole run: no model call starts that could cross it')
    .option('--workspace <dir>', `${workspaceHelp}${workspaceDefault === undefined ? '' : `; default: ${workspaceDefault}`})`)
    .option('--redis <url>', 'run the tasks on `ensemble worker` processes through a BullMQ queue on this Redis (redis://host:6379); default ENSEMBLE_REDIS_URL, then the config file\'s `redis`')
    .option('--cpu-target <percent>', 'host CPU utilisation (5-100 %) above which fewer process agents (cli, command) start; default ENSEMBLE_CPU_TARGET, then the config file\'s, then 60')
    .option('--pressure-control', 'let host CPU and memory pressure limit how many process agents run at once (the default, unless ENSEMBLE_PRESSURE_CONTROL=off)')
    .option('--no-pressure-control', 'start process agents up to --concurrency whatever the host\'s load')
    .option('--cache <ttl>', 'reuse the output of an identical read-only task (same agent, model, prompt, inputs and workspace state) finished within ttl: 90s, 30m, 12h, 7d');
}

/** Parses the run-shaping flags, naming the flag of any bad value; paths are resolved against `cwd`. */
export function parseRunShapingFlags(flags: RunShapingFlags, cwd: string): RunShaping {
  const config: { -readonly [K in keyof RunShaping['config']]: RunShaping['config'][K] } = {};
  if (flags.concurrency !== undefined) config.maxParallelAgents = parseIntegerFlag('--concurrency', flags.concurrency, 1, 1000);
  if (flags.timeout !== undefined) config.globalTimeout = parseIntegerFlag('--timeout', flags.timeout, 1, 2_147_483_647);
  if (flags.pruningThreshold !== undefined) config.pruningThreshold = parseIntegerFlag('--pruning-threshold', flags.pruningThreshold, 1, 100_000_000);
  if (flags.context !== undefined) {
    const strategy = contextStrategySchema.safeParse(flags.context);
    if (!strategy.success) throw new EnsembleError('INVALID_INPUT', `--context: expected shared, isolated or hierarchical, got "${flags.context}"`);
    config.contextStrategy = strategy.data;
  }
  if (flags.permissions !== undefined) {
    const ceiling = permissionCeilingSchema.safeParse(flags.permissions);
    if (!ceiling.success) throw new EnsembleError('INVALID_INPUT', `--permissions: expected read, edit or full, got "${flags.permissions}"`);
    config.permissions = ceiling.data;
  }
  const resources = parseResourceFlags(flags);
  if (resources !== undefined) config.resources = resources;
  if (flags.cache !== undefined) {
    const ttl = durationMsSchema.safeParse(flags.cache);
    if (!ttl.success) throw new EnsembleError('INVALID_INPUT', `--cache: expected a duration such as 90s, 30m, 12h or 7d, got "${flags.cache}"`);
    config.cache = { ttl: ttl.data };
  }
  if (flags.provider !== undefined && !providerNameSchema.safeParse(flags.provider).success) {
    throw new EnsembleError('INVALID_INPUT', `--provider: expected one of ${PROVIDER_NAMES.join(', ')}, got "${flags.provider}"`);
  }
  const runCap = {
    ...(flags.maxTokens === undefined ? {} : { tokens: parseIntegerFlag('--max-tokens', flags.maxTokens, 1, Number.MAX_SAFE_INTEGER) }),
    ...(flags.maxCost === undefined ? {} : { costUsd: parseDollarFlag('--max-cost', flags.maxCost) }),
  };
  return {
    config,
    ...(Object.keys(runCap).length === 0 ? {} : { runCap }),
    ...(flags.provider === undefined ? {} : { provider: flags.provider }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
    ...(flags.workspace === undefined ? {} : { workspaceDir: resolve(cwd, flags.workspace) }),
    ...(flags.redis === undefined ? {} : { redis: parseRedisUrl(flags.redis, '--redis') }),
  };
}

/** `--cpu-target` (`60` or `60%`, 5-100) and `--[no-]pressure-control` as a run config's `resources`; undefined when neither was given. */
function parseResourceFlags(flags: RunShapingFlags): ResourceSettings | undefined {
  if (flags.cpuTarget === undefined && flags.pressureControl === undefined) return undefined;
  let cpuTarget: number | undefined;
  if (flags.cpuTarget !== undefined) {
    const text = flags.cpuTarget.trim().replace(/%$/, '');
    const parsed = resourceSettingsSchema.shape.cpuTarget.safeParse(/^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN);
    if (!parsed.success || parsed.data === undefined) {
      throw new EnsembleError('INVALID_INPUT', `--cpu-target: expected a percentage from 5 to 100, got "${flags.cpuTarget}"`);
    }
    cpuTarget = parsed.data;
  }
  return { ...(flags.pressureControl === undefined ? {} : { pressureControl: flags.pressureControl }), ...(cpuTarget === undefined ? {} : { cpuTarget }) };
}

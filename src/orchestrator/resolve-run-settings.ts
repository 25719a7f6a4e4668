import { isDeepStrictEqual } from 'node:util';
import { resolve } from 'node:path';
import { runConfigSchema, type BudgetCap, type ResourceSettings, type RunConfig } from '../core/index.js';
import type { EnsembleConfig } from '../config/index.js';
import type { RunSpec } from '../store/index.js';
import { withoutCredentials } from '../distributed/index.js';
import type { ParsedOrchestratorOptions } from './schema.js';

/** Where a run works and which provider and model it uses, resolved: paths are absolute. */
export interface ResolvedRunSettings {
  /** Absolute: cwd of process agents, root of file tools, where ./agents and ensemble.config.yaml are read. */
  readonly workspaceDir: string;
  /** Absolute agent folders searched first. */
  readonly agentDirs: readonly string[];
  readonly provider?: string;
  readonly model?: string;
  /** The Redis a distributed run's tasks are queued on (with credentials when the caller gave them). */
  readonly redis?: string;
}

/** What the caller of `execute()` or `resume()` set explicitly (nothing defaulted). */
export interface ExplicitSettings {
  readonly config: Partial<RunConfig>;
  readonly workspaceDir?: string;
  readonly agentDirs?: readonly string[];
  readonly provider?: string;
  readonly model?: string;
  readonly redis?: string;
}

/** One stored setting of a run that the options of a resume replaced: `field` is a config path (`maxParallelAgents`, `budget.run.tokens`) or a setting (`workspaceDir`, `model`). */
export interface SettingOverride {
  readonly field: string;
  /** The run's value (undefined: it had none). */
  readonly from: unknown;
  readonly to: unknown;
}

/** A resume's settings: the run's own, with the caller's explicit ones over them field by field. */
export interface ResumeSettings {
  readonly config: RunConfig;
  readonly settings: ResolvedRunSettings;
  /** What the caller changed, old → new (fields given with the run's own value are not listed). */
  readonly overrides: readonly SettingOverride[];
}

/** The run config fields the options set explicitly (nothing defaulted): a new run's config over the file's budget, a resume's overrides. */
export function toExplicitRunConfig(options: ParsedOrchestratorOptions): Partial<RunConfig> {
  // Every run config field, from the schema itself: a field added there (`cache`, issue 13) cannot be forgotten here.
  const entries = RUN_CONFIG_KEYS.map((key) => [key, options[key]] as const);
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as Partial<RunConfig>;
}

const RUN_CONFIG_KEYS = Object.keys(runConfigSchema.shape) as readonly (keyof RunConfig)[];

/** What the options set explicitly (nothing defaulted): a resume's overrides. */
export function toExplicitSettings(options: ParsedOrchestratorOptions): ExplicitSettings {
  const { workspaceDir, agentDirs, provider, model, redis } = options;
  return {
    config: toExplicitRunConfig(options),
    ...(workspaceDir === undefined ? {} : { workspaceDir }),
    ...(agentDirs === undefined ? {} : { agentDirs }),
    ...(provider === undefined ? {} : { provider }),
    ...(model === undefined ? {} : { model }),
    ...(redis === undefined ? {} : { redis }),
  };
}

/**
 * A new run's config: the explicit fields over the config file's budget, field by field (a run's
 * `tokens` cap keeps the file's `costUsd`), and over the file's permission ceiling.
 */
export function resolveNewRunConfig(explicit: Partial<RunConfig>, file: Pick<EnsembleConfig, 'budget' | 'permissions'>): RunConfig {
  const fileBudget = file.budget;
  if (file.permissions !== undefined && explicit.permissions === undefined) explicit = { ...explicit, permissions: file.permissions };
  if (fileBudget === undefined) return runConfigSchema.parse(explicit);
  const run = { ...fileBudget.run, ...explicit.budget?.run };
  const agents: Record<string, BudgetCap> = { ...fileBudget.agents };
  for (const [name, cap] of Object.entries(explicit.budget?.agents ?? {})) agents[name] = { ...agents[name], ...cap };
  const budget = { ...(Object.keys(run).length === 0 ? {} : { run }), ...(Object.keys(agents).length === 0 ? {} : { agents }) };
  return runConfigSchema.parse({ ...explicit, budget });
}

/** The settings as the journal keeps them: the Redis URL without its user and password. */
export function toStoredSettings(settings: ResolvedRunSettings): ResolvedRunSettings {
  return settings.redis === undefined ? settings : { ...settings, redis: withoutCredentials(settings.redis) };
}

/** The settings of a new run: the workspace made absolute (default `cwd`), agent folders made absolute against it. */
export function resolveNewRunSettings(explicit: Omit<ExplicitSettings, 'config'>, cwd: string): ResolvedRunSettings {
  const workspaceDir = resolve(cwd, explicit.workspaceDir ?? '.');
  return {
    workspaceDir,
    agentDirs: (explicit.agentDirs ?? []).map((dir) => resolve(workspaceDir, dir)),
    ...(explicit.provider === undefined ? {} : { provider: explicit.provider }),
    ...(explicit.model === undefined ? {} : { model: explicit.model }),
    ...(explicit.redis === undefined ? {} : { redis: explicit.redis }),
  };
}

/**
 * Settles what a resume runs with: the run's stored config and settings, with what the caller gave
 * over them field by field (a budget cap by cap). A run journaled before settings were kept works
 * in `cwd`, as it did then.
 */
export function resolveResumeSettings(stored: RunSpec, explicit: ExplicitSettings, cwd: string): ResumeSettings {
  const overrides: SettingOverride[] = [];
  const note = (field: string, from: unknown, to: unknown): void => {
    if (to !== undefined && !isDeepStrictEqual(from, to)) overrides.push({ field, from, to });
  };

  const { budget: explicitBudget, resources: explicitResources, ...explicitConfig } = explicit.config;
  for (const [key, value] of Object.entries(explicitConfig)) note(key, stored.config[key as keyof RunConfig], value);
  const budget = mergeBudget(stored.config.budget, explicitBudget, note);
  const resources = mergeResources(stored.config.resources, explicitResources, note);
  const config = runConfigSchema.parse({ ...stored.config, ...explicitConfig, ...(budget === undefined ? {} : { budget }), ...(resources === undefined ? {} : { resources }) });

  const storedSettings = stored.settings ?? {};
  const workspaceDir = explicit.workspaceDir === undefined ? (storedSettings.workspaceDir ?? resolve(cwd)) : resolve(cwd, explicit.workspaceDir);
  // A run journaled before settings were kept has none to override: nothing to report.
  if (storedSettings.workspaceDir !== undefined) note('workspaceDir', storedSettings.workspaceDir, workspaceDir);
  const agentDirs = explicit.agentDirs === undefined ? (storedSettings.agentDirs ?? []) : explicit.agentDirs.map((dir) => resolve(workspaceDir, dir));
  if (storedSettings.agentDirs !== undefined) note('agentDirs', storedSettings.agentDirs, agentDirs);
  note('provider', storedSettings.provider, explicit.provider);
  note('model', storedSettings.model, explicit.model);
  // The journal keeps the URL without credentials: the same server given with its password is no override.
  if (explicit.redis !== undefined && withoutCredentials(explicit.redis) !== storedSettings.redis) note('redis', storedSettings.redis, withoutCredentials(explicit.redis));
  const provider = explicit.provider ?? storedSettings.provider;
  const model = explicit.model ?? storedSettings.model;
  const redis = explicit.redis ?? storedSettings.redis;
  return {
    config,
    settings: { workspaceDir, agentDirs, ...(provider === undefined ? {} : { provider }), ...(model === undefined ? {} : { model }), ...(redis === undefined ? {} : { redis }) },
    overrides,
  };
}

type Budget = NonNullable<RunConfig['budget']>;

/** The stored budget with the given one over it cap by cap, noting each changed bound. */
function mergeBudget(stored: Budget | undefined, given: Budget | undefined, note: (field: string, from: unknown, to: unknown) => void): Budget | undefined {
  if (given === undefined) return stored;
  const run = mergeCap(stored?.run, given.run, 'budget.run', note);
  const agents: Record<string, BudgetCap> = { ...stored?.agents };
  for (const [name, cap] of Object.entries(given.agents ?? {})) {
    const merged = mergeCap(agents[name], cap, `budget.agents.${name}`, note);
    if (merged !== undefined) agents[name] = merged;
  }
  return { ...(run === undefined ? {} : { run }), ...(Object.keys(agents).length === 0 ? {} : { agents }) };
}

/** The stored resource settings with the given ones over them field by field (`--cpu-target` keeps the run's memory floor), noting each change. */
function mergeResources(stored: ResourceSettings | undefined, given: ResourceSettings | undefined, note: (field: string, from: unknown, to: unknown) => void): ResourceSettings | undefined {
  if (given === undefined) return stored;
  for (const [key, value] of Object.entries(given)) note(`resources.${key}`, stored?.[key as keyof ResourceSettings], value);
  return { ...stored, ...given };
}

function mergeCap(stored: BudgetCap | undefined, given: BudgetCap | undefined, path: string, note: (field: string, from: unknown, to: unknown) => void): BudgetCap | undefined {
  if (given === undefined) return stored;
  note(`${path}.tokens`, stored?.tokens, given.tokens);
  note(`${path}.costUsd`, stored?.costUsd, given.costUsd);
  return { ...stored, ...given };
}

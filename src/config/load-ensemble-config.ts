import { existsSync } from 'node:fs';
import type { McpServerEntry } from '../tools/index.js';
import { isAbsolute, relative, resolve } from 'node:path';
import { EnsembleError, toInputIssues } from '../core/index.js';
import type { ResourceSettings, RunConfig } from '../core/index.js';
import type { ProviderSettings } from './provider-settings.js';
import { readConfigFile } from './read-config-file.js';
import { providerEnvSchema } from './schema.js';
import { selectProvider } from './select-provider.js';
import type { EnsembleConfigFile, ModelPrice, ProviderName, TierTable } from './schema.js';
import type { ProviderPolicyInput } from './provider-policy.js';

/** File names looked for in the project folder, in order. */
export const CONFIG_FILE_NAMES = ['ensemble.config.yaml', 'ensemble.config.yml'] as const;

/** Options of {@link loadEnsembleConfig}. */
export interface LoadEnsembleConfigOptions {
  /** Project folder: where `ensemble.config.yaml` is looked for, and what `file` is relative to. */
  readonly cwd: string;
  /** Environment with the provider variables (usually `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A config file to read instead of looking for one; it must exist. */
  readonly file?: string;
  /** Provider named by the caller (`--provider`); wins over the file and the environment. */
  readonly provider?: string;
}

/** Everything the `llm` runtime and the orchestrator need from the config file and the environment. */
export interface EnsembleConfig {
  /** Absolute path of the config file that was read, if any. */
  readonly file?: string;
  /** Provider of `llm` agents; absent when none is configured (agents then run simulated). */
  readonly provider?: ProviderName;
  /** Default model reference (ENSEMBLE_MODEL, else the file's `model`): a tier, a model id or `provider:model`. */
  readonly model?: string;
  /** Settings of every provider the file or the environment mentions. */
  readonly providers: Readonly<Partial<Record<ProviderName, ProviderSettings>>>;
  /** Tier → model overrides per provider. */
  readonly tiers: Readonly<Partial<Record<ProviderName, TierTable>>>;
  /** Price overrides, keyed `provider:model` (or `provider:*`). */
  readonly costs: Readonly<Record<string, ModelPrice>>;
  /** Spending caps for runs (merged under a run's own `budget`). */
  readonly budget?: RunConfig['budget'];
  /** Permission ceiling of runs that set none. */
  readonly permissions?: RunConfig['permissions'];
  /** The file's MCP servers (the workspace's `.mcp.json` adds its own). */
  readonly mcpServers?: Readonly<Record<string, McpServerEntry>>;
  /** The file's `providerPolicy` (validated; defaults not filled, so the library's own can be merged over it). */
  readonly providerPolicy?: ProviderPolicyInput;
  /** The file's `redis` URL (the CLI's `--redis` and ENSEMBLE_REDIS_URL win over it). */
  readonly redis?: string;
  /** The file's `resources:` (host pressure, agent memory); the run's own and the environment win over it, field by field. */
  readonly resources?: ResourceSettings;
}

/**
 * Reads the optional `ensemble.config.yaml` and merges it with the environment
 * (ANTHROPIC_API_KEY, OPENAI_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY, OLLAMA_BASE_URL,
 * OPENAI_BASE_URL, ENSEMBLE_MODEL); an environment variable wins over the file's value.
 * OPENAI_BASE_URL configures `openai-compatible` (OPENAI_API_KEY then is its key, not OpenAI's).
 * The provider is `options.provider`, else the file's `provider`, else the first configured of
 * anthropic, openai, google, ollama, openai-compatible. Throws INVALID_CONFIG for a bad file or
 * variable, PROVIDER_NOT_CONFIGURED when the named provider lacks its key or address.
 */
export function loadEnsembleConfig(options: LoadEnsembleConfigOptions): EnsembleConfig {
  const filePath = findConfigFile(options.cwd, options.file);
  const file: EnsembleConfigFile = filePath === undefined ? {} : readConfigFile(filePath, displayPath(options.cwd, filePath));
  const env = readProviderEnv(options.env);
  const providers = mergeProviders(file, env);
  const { provider, providers: withDefaults } = selectProvider({ requested: options.provider, fromFile: file.provider, providers });
  const model = env.ENSEMBLE_MODEL ?? file.model;
  return {
    ...(filePath === undefined ? {} : { file: filePath }),
    ...(provider === undefined ? {} : { provider }),
    ...(model === undefined ? {} : { model }),
    providers: withDefaults,
    tiers: file.tiers ?? {},
    costs: file.costs ?? {},
    ...(file.budget === undefined ? {} : { budget: file.budget }),
    ...(file.permissions === undefined ? {} : { permissions: file.permissions }),
    ...(file.mcpServers === undefined ? {} : { mcpServers: file.mcpServers }),
    ...(file.providerPolicy === undefined ? {} : { providerPolicy: file.providerPolicy }),
    ...(file.redis === undefined ? {} : { redis: file.redis }),
    ...(file.resources === undefined ? {} : { resources: file.resources }),
  };
}

function findConfigFile(cwd: string, file: string | undefined): string | undefined {
  if (file !== undefined) return resolve(cwd, file);
  return CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
}

function displayPath(cwd: string, path: string): string {
  const fromCwd = relative(cwd, path);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
}

type ProviderEnv = ReturnType<typeof providerEnvSchema.parse>;

function readProviderEnv(env: Readonly<Record<string, string | undefined>>): ProviderEnv {
  // An empty variable (`OPENAI_API_KEY=`) is unset, as shells and dotenv files commonly leave them.
  const present = Object.fromEntries(
    Object.keys(providerEnvSchema.shape)
      .map((name) => [name, env[name]?.trim()] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = providerEnvSchema.safeParse(present);
  if (!parsed.success) {
    const issues = toInputIssues(parsed.error);
    throw new EnsembleError('INVALID_CONFIG', issues.map((issue) => `environment variable ${issue.path}: ${issue.message}`).join('\n'), {
      details: { issues },
    });
  }
  return parsed.data;
}

function mergeProviders(file: EnsembleConfigFile, env: ProviderEnv): Partial<Record<ProviderName, ProviderSettings>> {
  const fromFile = file.providers ?? {};
  const isCompatibleFromEnv = env.OPENAI_BASE_URL !== undefined;
  const entries: [ProviderName, ProviderSettings | undefined][] = [
    ['anthropic', settings(env.ANTHROPIC_API_KEY ?? fromFile.anthropic?.apiKey, fromFile.anthropic?.baseURL)],
    ['openai', settings((isCompatibleFromEnv ? undefined : env.OPENAI_API_KEY) ?? fromFile.openai?.apiKey, fromFile.openai?.baseURL)],
    ['google', settings(env.GOOGLE_GENERATIVE_AI_API_KEY ?? fromFile.google?.apiKey, fromFile.google?.baseURL)],
    ['ollama', settings(undefined, env.OLLAMA_BASE_URL ?? fromFile.ollama?.baseURL)],
    [
      'openai-compatible',
      settings(
        (isCompatibleFromEnv ? env.OPENAI_API_KEY : undefined) ?? fromFile['openai-compatible']?.apiKey,
        env.OPENAI_BASE_URL ?? fromFile['openai-compatible']?.baseURL,
        fromFile['openai-compatible']?.name,
      ),
    ],
  ];
  const providers: Partial<Record<ProviderName, ProviderSettings>> = {};
  for (const [name, value] of entries) if (value !== undefined) providers[name] = value;
  return providers;
}

function settings(apiKey: string | undefined, baseURL: string | undefined, name?: string): ProviderSettings | undefined {
  if (apiKey === undefined && baseURL === undefined) return undefined;
  return {
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(baseURL === undefined ? {} : { baseURL: baseURL.replace(/\/+$/, '') }),
    ...(name === undefined ? {} : { name }),
  };
}

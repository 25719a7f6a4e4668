import { z } from 'zod';
import { mcpServersConfigSchema } from '../tools/index.js';
import { resourceSettingsSchema, runConfigSchema } from '../core/index.js';
import { providerPolicyInputSchema } from './provider-policy.js';

/** Model providers of the `llm` runtime, in the order a provider is picked when none is named. */
export const PROVIDER_NAMES = ['anthropic', 'openai', 'google', 'ollama', 'openai-compatible'] as const;
/** One of {@link PROVIDER_NAMES}. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** A provider name, with a message listing the known ones. */
export const providerNameSchema = z.enum(PROVIDER_NAMES, { error: `expected one of ${PROVIDER_NAMES.join(', ')}` });

/** Model tier aliases: Claude Code's names, and the neutral ones (`fast` = `haiku`, `balanced` = `sonnet`, `best` = `opus`). */
export const MODEL_TIERS = ['haiku', 'sonnet', 'opus', 'fast', 'balanced', 'best'] as const;
/** One of {@link MODEL_TIERS}. */
export type ModelTier = (typeof MODEL_TIERS)[number];

const baseUrlSchema = z
  .string()
  .trim()
  .refine((value) => /^https?:\/\/[^\s]+$/.test(value), 'expected an http(s) URL such as http://127.0.0.1:11434');

const apiKeySchema = z.string().trim().min(1, 'must not be empty');

const hostedProviderSchema = z.strictObject({
  apiKey: apiKeySchema.optional(),
  baseURL: baseUrlSchema.optional(),
});

const modelIdSchema = z.string().trim().min(1, 'must not be empty');

/** Tier → model id for one provider; every key optional. */
export const tierTableSchema = z.strictObject({
  haiku: modelIdSchema.optional(),
  sonnet: modelIdSchema.optional(),
  opus: modelIdSchema.optional(),
  fast: modelIdSchema.optional(),
  balanced: modelIdSchema.optional(),
  best: modelIdSchema.optional(),
});

/** USD per million input and output tokens of one model. */
export const modelPriceSchema = z.strictObject({
  inputPerMillion: z.number().nonnegative().finite(),
  outputPerMillion: z.number().nonnegative().finite(),
});

/** Cost-table keys: `provider:model`, or `provider:*` for every model of a provider. */
const costTableSchema = z.record(z.string(), modelPriceSchema).superRefine((costs, context) => {
  for (const key of Object.keys(costs)) {
    if (!PROVIDER_NAMES.some((provider) => key.startsWith(`${provider}:`) && key.length > provider.length + 1)) {
      context.addIssue({ code: 'custom', path: [key], message: `expected "provider:model" with a provider among ${PROVIDER_NAMES.join(', ')}` });
    }
  }
});

/** `ensemble.config.yaml`: strict, so typos surface. */
export const ensembleConfigFileSchema = z.strictObject({
  /** Provider of `llm` agents; overrides the one found in the environment. */
  provider: providerNameSchema.optional(),
  /** Default model: a tier alias, a model id of the provider, or `provider:model`. */
  model: modelIdSchema.optional(),
  providers: z
    .strictObject({
      anthropic: hostedProviderSchema.optional(),
      openai: hostedProviderSchema.optional(),
      google: hostedProviderSchema.optional(),
      ollama: z.strictObject({ baseURL: baseUrlSchema }).optional(),
      'openai-compatible': z
        .strictObject({
          baseURL: baseUrlSchema,
          apiKey: apiKeySchema.optional(),
          /** Label of the server in provider metadata. */
          name: z.string().trim().min(1).max(100).optional(),
        })
        .optional(),
    })
    .optional(),
  tiers: z.partialRecord(providerNameSchema, tierTableSchema).optional(),
  costs: costTableSchema.optional(),
  /** Spending caps, as a run config's `budget`. */
  budget: runConfigSchema.shape.budget,
  /** What agents may do to the workspace (`read`, `edit`, `full`) when the run does not say. @default 'edit' */
  permissions: runConfigSchema.shape.permissions.unwrap().optional(),
  /** MCP servers for tool-using agents, as in Claude Code's `.mcp.json` (`{command, args, env}` or `{type: http, url, headers}`); a name here wins over the workspace's `.mcp.json`. */
  mcpServers: mcpServersConfigSchema.optional(),
  /** How model calls are governed: concurrency, circuit breaker, stream idle timeout, llm task defaults. */
  providerPolicy: providerPolicyInputSchema.optional(),
  /** Redis of the worker queue (`redis://host:6379`): runs go to `ensemble worker` processes; `--redis` and ENSEMBLE_REDIS_URL win over it. */
  redis: z.string().trim().min(1).optional(),
  /** How host load limits process agents, as a run config's `resources`; a run's own and ENSEMBLE_PRESSURE_CONTROL / ENSEMBLE_CPU_TARGET win over it. */
  resources: resourceSettingsSchema.optional(),
});

/** A validated `ensemble.config.yaml`. */
export type EnsembleConfigFile = z.output<typeof ensembleConfigFileSchema>;
/** USD per million input and output tokens. */
export type ModelPrice = Readonly<z.output<typeof modelPriceSchema>>;
/** Tier → model id for one provider. */
export type TierTable = Readonly<z.output<typeof tierTableSchema>>;

/** The environment variables ensemble reads for providers; empty values count as unset. */
export const providerEnvSchema = z.object({
  ANTHROPIC_API_KEY: apiKeySchema.optional(),
  OPENAI_API_KEY: apiKeySchema.optional(),
  GOOGLE_GENERATIVE_AI_API_KEY: apiKeySchema.optional(),
  OLLAMA_BASE_URL: baseUrlSchema.optional(),
  OPENAI_BASE_URL: baseUrlSchema.optional(),
  ENSEMBLE_MODEL: modelIdSchema.optional(),
});

import { EnsembleError } from '../core/index.js';
import { MODEL_TIERS, PROVIDER_NAMES } from '../config/index.js';
import type { ModelTier, ProviderName, TierTable } from '../config/index.js';

/** Tier used when neither the task, the run, the agent nor the configuration names a model. */
export const DEFAULT_MODEL_REFERENCE = 'sonnet';

/** Each tier's twin: `fast` is `haiku`, `balanced` is `sonnet`, `best` is `opus`, and back. */
const TIER_TWINS: Readonly<Record<ModelTier, ModelTier>> = {
  haiku: 'fast',
  sonnet: 'balanced',
  opus: 'best',
  fast: 'haiku',
  balanced: 'sonnet',
  best: 'opus',
};

/**
 * Concrete models of each tier per provider (overridable with `tiers` in ensemble.config.yaml).
 * `openai-compatible` has none: such a server serves whatever it was started with, so its tiers
 * come from `tiers` or the default model (ENSEMBLE_MODEL).
 */
export const DEFAULT_MODEL_TIERS: Readonly<Record<ProviderName, TierTable>> = {
  anthropic: { haiku: 'claude-haiku-4-5', sonnet: 'claude-sonnet-4-5', opus: 'claude-opus-4-5' },
  openai: { haiku: 'gpt-4.1-mini', sonnet: 'gpt-4.1', opus: 'o3' },
  google: { haiku: 'gemini-2.5-flash-lite', sonnet: 'gemini-2.5-flash', opus: 'gemini-2.5-pro' },
  ollama: { haiku: 'llama3.2:3b', sonnet: 'llama3.1:8b', opus: 'llama3.3:70b' },
  'openai-compatible': {},
};

/** Providers that run on the user's own server, which usually serves one model. */
const LOCAL_PROVIDERS: ReadonlySet<ProviderName> = new Set(['ollama', 'openai-compatible']);

/** A concrete model of a concrete provider. */
export interface ResolvedModel {
  readonly provider: ProviderName;
  readonly modelId: string;
}

/** Options of {@link resolveModelReference}. */
export interface ResolveModelOptions {
  /** The provider of references that name none. */
  readonly provider: ProviderName;
  /** Tier overrides per provider, from the config file. */
  readonly tiers?: Readonly<Partial<Record<ProviderName, TierTable>>>;
  /** The configured default model (ENSEMBLE_MODEL or the file's `model`), for empty references. */
  readonly defaultModel?: string;
}

/**
 * Resolves a model reference to a provider and model id: a tier (`sonnet`, `fast`, …) maps
 * through the tier table of the provider; `provider:model` picks that provider (`ollama:llama3.1:8b`
 * splits at the first colon; `openai:fast` is a tier of OpenAI); anything else is a model id of the
 * current provider. Empty or `inherit` means the default model, else `sonnet`. On local servers
 * (ollama, openai-compatible) a tier without an override resolves to the default model when that
 * is a concrete id. Throws PROVIDER_NOT_CONFIGURED when a tier has no model on the provider.
 */
export function resolveModelReference(reference: string, options: ResolveModelOptions): ResolvedModel {
  const { provider, rest } = splitProvider(normaliseReference(reference, options.defaultModel), options.provider);
  if (!isModelTier(rest)) return { provider, modelId: rest };
  const overrides = options.tiers?.[provider];
  const modelId =
    overrides?.[rest] ??
    overrides?.[TIER_TWINS[rest]] ??
    (LOCAL_PROVIDERS.has(provider) ? concreteDefault(options.defaultModel, provider) : undefined) ??
    DEFAULT_MODEL_TIERS[provider][rest] ??
    DEFAULT_MODEL_TIERS[provider][TIER_TWINS[rest]];
  if (modelId === undefined) {
    throw new EnsembleError(
      'PROVIDER_NOT_CONFIGURED',
      `no model for tier "${rest}" on ${provider}: set ENSEMBLE_MODEL (the model the server serves) or tiers.${provider}.${rest} in ensemble.config.yaml`,
      { details: { provider, tier: rest } },
    );
  }
  return { provider, modelId };
}

/** The tier a reference names (`opus`, `openai:fast`, or an empty reference whose default is a tier), if it names one. */
export function referencedTier(reference: string, options: ResolveModelOptions): ModelTier | undefined {
  const { rest } = splitProvider(normaliseReference(reference, options.defaultModel), options.provider);
  return isModelTier(rest) ? rest : undefined;
}

/** Whether `value` is one of the tier aliases. */
export function isModelTier(value: string): value is ModelTier {
  return (MODEL_TIERS as readonly string[]).includes(value);
}

function normaliseReference(reference: string, defaultModel: string | undefined): string {
  const trimmed = reference.trim();
  if (trimmed !== '' && trimmed !== 'inherit') return trimmed;
  const fallback = defaultModel?.trim();
  return fallback === undefined || fallback === '' || fallback === 'inherit' ? DEFAULT_MODEL_REFERENCE : fallback;
}

function splitProvider(reference: string, current: ProviderName): { provider: ProviderName; rest: string } {
  const colon = reference.indexOf(':');
  if (colon > 0) {
    const prefix = reference.slice(0, colon);
    const rest = reference.slice(colon + 1).trim();
    if ((PROVIDER_NAMES as readonly string[]).includes(prefix) && rest !== '') return { provider: prefix as ProviderName, rest };
  }
  return { provider: current, rest: reference };
}

function concreteDefault(defaultModel: string | undefined, provider: ProviderName): string | undefined {
  if (defaultModel === undefined) return undefined;
  const split = splitProvider(defaultModel.trim(), provider);
  return split.provider === provider && !isModelTier(split.rest) && split.rest !== 'inherit' && split.rest !== '' ? split.rest : undefined;
}

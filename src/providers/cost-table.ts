import type { ModelPrice, ProviderName } from '../config/index.js';
import { createNoticeMemory } from './notice-memory.js';
import type { NoticeMemory } from './notice-memory.js';

/**
 * List prices in USD per million tokens (input, output) of the default tier models and their
 * close relatives, from the providers' pricing pages (2025). Overridable with `costs` in
 * ensemble.config.yaml; dated snapshots (`claude-sonnet-4-5-20250929`) use their model's price.
 */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'anthropic:claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5 },
  'anthropic:claude-sonnet-4-5': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic:claude-opus-4-5': { inputPerMillion: 5, outputPerMillion: 25 },
  'anthropic:claude-opus-4-1': { inputPerMillion: 15, outputPerMillion: 75 },
  'anthropic:claude-opus-4-0': { inputPerMillion: 15, outputPerMillion: 75 },
  'anthropic:claude-sonnet-4-0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic:claude-3-7-sonnet-latest': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic:claude-3-5-haiku-latest': { inputPerMillion: 0.8, outputPerMillion: 4 },
  'openai:gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'openai:gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'openai:gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'openai:o3': { inputPerMillion: 2, outputPerMillion: 8 },
  'openai:o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'openai:gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'openai:gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'openai:gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'openai:gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'openai:gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  'google:gemini-2.5-pro': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'google:gemini-2.5-flash': { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  'google:gemini-2.5-flash-lite': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'google:gemini-2.0-flash': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
};

/** Models served by the user's own machine cost nothing per token. */
const FREE_PROVIDERS: ReadonlySet<ProviderName> = new Set(['ollama']);

const FREE: ModelPrice = Object.freeze({ inputPerMillion: 0, outputPerMillion: 0 });

/** Options of {@link createCostTable}. */
export interface CostTableOptions {
  /** Prices from the config file, keyed `provider:model` or `provider:*`; they win over the defaults. */
  readonly overrides?: Readonly<Record<string, ModelPrice>>;
  /** Told once per model whose price is unknown (its cost then counts as $0). */
  readonly onWarning?: (message: string) => void;
  /** Remembers which models were warned about, e.g. across runs on this machine. @default this table only */
  readonly notices?: NoticeMemory;
}

/** Prices of models, and the cost of a call. */
export interface CostTable {
  /** The price of a model, or undefined when unknown. */
  priceOf(provider: ProviderName, modelId: string): ModelPrice | undefined;
  /** Dollars for `usage` on a model; 0 (with one warning per model) when its price is unknown. */
  costOf(provider: ProviderName, modelId: string, usage: { readonly inputTokens: number; readonly outputTokens: number }): number;
}

/** A cost table over {@link DEFAULT_MODEL_PRICES} and the config's overrides. */
export function createCostTable(options: CostTableOptions = {}): CostTable {
  const overrides = options.overrides ?? {};
  const notices = options.notices ?? createNoticeMemory();
  const priceOf = (provider: ProviderName, modelId: string): ModelPrice | undefined => {
    const exact = `${provider}:${modelId}`;
    const undated = `${provider}:${withoutDateSuffix(modelId)}`;
    return (
      overrides[exact] ??
      overrides[undated] ??
      overrides[`${provider}:*`] ??
      DEFAULT_MODEL_PRICES[exact] ??
      DEFAULT_MODEL_PRICES[undated] ??
      (FREE_PROVIDERS.has(provider) ? FREE : undefined)
    );
  };
  return {
    priceOf,
    costOf(provider, modelId, usage) {
      const price = priceOf(provider, modelId);
      if (price === undefined) {
        const key = `${provider}:${modelId}`;
        if (options.onWarning !== undefined && notices.isFirst(`price:${key}`)) {
          options.onWarning(`no price is known for ${key}; its cost counts as $0 (set costs["${key}"] in ensemble.config.yaml)`);
        }
        return 0;
      }
      return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
    },
  };
}

/** `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`, `gpt-4.1-2025-04-14` → `gpt-4.1`. */
function withoutDateSuffix(modelId: string): string {
  return modelId.replace(/-(\d{8}|\d{4}-\d{2}-\d{2})$/, '');
}

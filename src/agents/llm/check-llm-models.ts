import { EnsembleError } from '../../core/index.js';
import { describeProviderSetup, isProviderConfigured } from '../../config/index.js';
import type { ProviderName, ProviderSettings } from '../../config/index.js';
import { isModelServed, listServerModels } from '../../providers/index.js';
import type { CostTable, ResolvedModel } from '../../providers/index.js';

/** One task's use of a model, as the run will make it. */
export interface LlmModelUse {
  readonly taskId: string;
  /** The model reference the task resolves (tier, id or `provider:model`). */
  readonly reference: string;
  /** The task runs under a dollar cap: its model needs a known price. */
  readonly hasCostCap: boolean;
}

/** What {@link checkLlmModels} needs from the runtime. */
export interface ModelCheckContext {
  readonly providers: Readonly<Partial<Record<ProviderName, ProviderSettings>>>;
  readonly costs: CostTable;
  /** Resolves a reference without substitutions, and says which tier it names, if any. */
  readonly resolve: (reference: string) => ResolvedModel & { readonly tier?: string };
  /** The configured default model when it is a concrete model of `provider` (ENSEMBLE_MODEL), else undefined. */
  readonly defaultModelOf: (provider: ProviderName) => string | undefined;
  readonly timeoutMs: number;
  readonly warn: (message: string) => void;
  readonly fetch?: typeof globalThis.fetch;
  readonly signal?: AbortSignal;
}

type LocalProvider = Extract<ProviderName, 'ollama' | 'openai-compatible'>;

const LOCAL_PROVIDERS: readonly LocalProvider[] = ['ollama', 'openai-compatible'];

/**
 * Checks, before a run, the models its `llm` tasks will call. Every provider they name must be
 * configured (PROVIDER_NOT_CONFIGURED). Local servers (Ollama, OpenAI-compatible) are asked which
 * models they serve (one short request each): a tier whose model is missing falls back to the
 * default model (ENSEMBLE_MODEL) or to the server's only model, said once; otherwise the check
 * fails with PROVIDER_NOT_CONFIGURED naming the model, what the server has and the fix. A server
 * that cannot be asked is warned about and not checked. Under a dollar cap, a model without a
 * price fails with INVALID_CONFIG naming it and how to price it, rather than counting $0.
 * Returns the substitutions, keyed `provider:modelId` → model id.
 */
export async function checkLlmModels(uses: readonly LlmModelUse[], context: ModelCheckContext): Promise<ReadonlyMap<string, string>> {
  const resolved = uses.map((use) => ({ use, model: context.resolve(use.reference) }));
  const unconfigured = [...new Set(resolved.map(({ model }) => model.provider))].filter((provider) => !isProviderConfigured(provider, context.providers[provider]));
  if (unconfigured.length > 0) {
    const provider = unconfigured[0]!;
    const tasks = resolved.filter(({ model }) => model.provider === provider).map(({ use }) => use.taskId);
    throw new EnsembleError('PROVIDER_NOT_CONFIGURED', `provider "${provider}" is not configured (needed by ${describeTasks(tasks)}): ${describeProviderSetup(provider)}`, {
      details: { provider, tasks },
    });
  }
  const substitutions = new Map<string, string>();
  const problems: string[] = [];
  for (const provider of LOCAL_PROVIDERS) {
    const onServer = resolved.filter(({ model }) => model.provider === provider);
    if (onServer.length === 0) continue;
    const listing = await listServerModels(provider, context.providers[provider]!, {
      timeoutMs: context.timeoutMs,
      ...(context.signal === undefined ? {} : { signal: context.signal }),
      ...(context.fetch === undefined ? {} : { fetch: context.fetch }),
    });
    if (!listing.ok) {
      context.warn(`could not list the models ${provider} serves (${listing.reason}); the run goes on without checking them`);
      continue;
    }
    const served = listing.models;
    const fallbacks: { readonly missing: string; readonly tiers: readonly string[]; readonly modelId: string; readonly why: string }[] = [];
    for (const modelId of new Set(onServer.map(({ model }) => model.modelId))) {
      if (isModelServed(modelId, served)) continue;
      const users = onServer.filter(({ model }) => model.modelId === modelId);
      const tiers = [...new Set(users.map(({ model }) => model.tier).filter((tier): tier is string => tier !== undefined))];
      const isTierOnly = users.every(({ model }) => model.tier !== undefined);
      const defaultModel = context.defaultModelOf(provider);
      const fallback =
        defaultModel !== undefined && isModelServed(defaultModel, served)
          ? { modelId: defaultModel, why: 'the default model (ENSEMBLE_MODEL)' }
          : served.length === 1
            ? { modelId: served[0]!, why: 'the only model it serves' }
            : undefined;
      if (isTierOnly && fallback !== undefined) {
        substitutions.set(`${provider}:${modelId}`, fallback.modelId);
        fallbacks.push({ missing: modelId, tiers, ...fallback });
        continue;
      }
      problems.push(describeMissingModel(provider, modelId, tiers, users.map(({ use }) => use.taskId), served));
    }
    // Said once per server: which tier models it lacks, and what runs instead.
    if (fallbacks.length > 0 && problems.length === 0) {
      const missing = fallbacks.map((entry) => `"${entry.missing}" (tier ${entry.tiers.join(', ')})`).join(', ');
      const { modelId, why } = fallbacks[0]!;
      context.warn(`${provider} does not serve ${missing}; using "${modelId}", ${why} (set tiers.${provider}.<tier> in ensemble.config.yaml to choose)`);
    }
  }
  if (problems.length > 0) {
    throw new EnsembleError('PROVIDER_NOT_CONFIGURED', problems.join('\n'), { details: { problems } });
  }
  const unpriced = new Map<string, string[]>();
  for (const { use, model } of resolved) {
    if (!use.hasCostCap) continue;
    const modelId = substitutions.get(`${model.provider}:${model.modelId}`) ?? model.modelId;
    if (context.costs.priceOf(model.provider, modelId) !== undefined) continue;
    const key = `${model.provider}:${modelId}`;
    unpriced.set(key, [...(unpriced.get(key) ?? []), use.taskId]);
  }
  if (unpriced.size > 0) {
    const lines = [...unpriced].map(
      ([key, tasks]) =>
        `a dollar cap is set, but no price is known for ${key} (used by ${describeTasks(tasks)}): set costs: {"${key}": {inputPerMillion: …, outputPerMillion: …}} in ensemble.config.yaml, or cap tokens instead of dollars`,
    );
    throw new EnsembleError('INVALID_CONFIG', lines.join('\n'), { details: { models: [...unpriced.keys()] } });
  }
  return substitutions;
}

function describeMissingModel(provider: LocalProvider, modelId: string, tiers: readonly string[], tasks: readonly string[], served: readonly string[]): string {
  const what = tiers.length === 0 ? `"${modelId}"` : `"${modelId}" (tier ${tiers.join(', ')})`;
  const has = served.length === 0 ? 'it serves no model yet' : `it serves: ${served.join(', ')}`;
  const tierFix = tiers.length === 0 ? '' : ` or tiers.${provider}.${tiers[0]} in ensemble.config.yaml`;
  const pull = provider === 'ollama' ? `, or pull it (ollama pull ${modelId})` : '';
  return `${provider} does not serve the model ${what} needed by ${describeTasks(tasks)}; ${has}. Set ENSEMBLE_MODEL=<one of them>${tierFix}${pull}`;
}

function describeTasks(tasks: readonly string[]): string {
  const unique = [...new Set(tasks)];
  const shown = unique.slice(0, 5).map((task) => `"${task}"`).join(', ');
  const more = unique.length > 5 ? ` and ${unique.length - 5} more` : '';
  return `${unique.length === 1 ? 'task' : 'tasks'} ${shown}${more}`;
}

/** The provider and model an attempt's spend is counted under. */
export interface ModelLabels {
  readonly provider: string;
  readonly model: string;
}

/** Spend of an attempt whose `agent:invoke` was not seen (metrics started in the middle of a run). */
export const UNKNOWN_MODEL_LABELS: ModelLabels = Object.freeze({ provider: 'unknown', model: 'unknown' });

const SIMULATED_PREFIX = 'simulated:';

/**
 * Reads provider and model from an `agent:invoke`: an `llm` model is `provider:model`, split at the
 * first colon since model ids may hold colons (`ollama:llama3.1:8b`), and so is an in-process
 * agent's task model when it names a provider (the library user's own model call); a simulated one
 * is `simulated:<reference>`. Otherwise the runtime (`cli`, `command`, `in-process`) stands in for
 * the provider, and the model is kept as given (`n/a`, `in-process`).
 */
export function toModelLabels(invocation: { readonly runtime: string; readonly model: string }): ModelLabels {
  const { runtime, model } = invocation;
  if (runtime === 'simulated') {
    return { provider: 'simulated', model: orUnknown(model.startsWith(SIMULATED_PREFIX) ? model.slice(SIMULATED_PREFIX.length) : model) };
  }
  const colon = model.indexOf(':');
  if ((runtime === 'llm' || runtime === 'in-process') && colon > 0) return { provider: model.slice(0, colon), model: orUnknown(model.slice(colon + 1)) };
  return { provider: orUnknown(runtime), model: orUnknown(model) };
}

function orUnknown(value: string): string {
  return value === '' ? 'unknown' : value;
}

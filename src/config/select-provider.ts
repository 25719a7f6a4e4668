import { EnsembleError } from '../core/index.js';
import { DEFAULT_OLLAMA_BASE_URL, describeProviderSetup, isProviderConfigured } from './provider-settings.js';
import type { ProviderSettings } from './provider-settings.js';
import { PROVIDER_NAMES, providerNameSchema } from './schema.js';
import type { ProviderName } from './schema.js';

type ProviderMap = Readonly<Partial<Record<ProviderName, ProviderSettings>>>;

/** Inputs of {@link selectProvider}. */
export interface ProviderChoice {
  /** Named by the caller (`--provider`, the library's `provider`). */
  readonly requested?: string | undefined;
  /** The config file's `provider`. */
  readonly fromFile?: ProviderName | undefined;
  readonly providers: ProviderMap;
}

/**
 * Picks the provider of `llm` agents: the requested one, else the file's, else the first
 * configured of anthropic, openai, google, ollama, openai-compatible (none: undefined). A named
 * provider must be configured (PROVIDER_NOT_CONFIGURED otherwise), except Ollama, which falls back
 * to its local address; an unknown name is INVALID_INPUT.
 */
export function selectProvider(choice: ProviderChoice): { provider: ProviderName | undefined; providers: ProviderMap } {
  const { requested, fromFile, providers } = choice;
  if (requested !== undefined && !providerNameSchema.safeParse(requested).success) {
    throw new EnsembleError('INVALID_INPUT', `unknown provider "${requested}"; expected one of ${PROVIDER_NAMES.join(', ')}`, {
      details: { provider: requested },
    });
  }
  const chosen = (requested as ProviderName | undefined) ?? fromFile;
  if (chosen === undefined) return { provider: PROVIDER_NAMES.find((name) => isProviderConfigured(name, providers[name])), providers };
  if (chosen === 'ollama' && !isProviderConfigured('ollama', providers.ollama)) {
    return { provider: chosen, providers: { ...providers, ollama: { baseURL: DEFAULT_OLLAMA_BASE_URL } } };
  }
  if (!isProviderConfigured(chosen, providers[chosen])) {
    const what = requested !== undefined ? `provider "${chosen}"` : `ensemble.config.yaml: provider: "${chosen}"`;
    throw new EnsembleError('PROVIDER_NOT_CONFIGURED', `${what} is not configured: ${describeProviderSetup(chosen)}`, {
      details: { provider: chosen },
    });
  }
  return { provider: chosen, providers };
}

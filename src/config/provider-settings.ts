import type { ProviderName } from './schema.js';

/** Where a provider is reached and how it authenticates, merged from the environment and the config file. */
export interface ProviderSettings {
  /** A secret: never logged, journaled or put in an error message. */
  readonly apiKey?: string;
  /** Root of the provider's HTTP API; absent means the provider's public endpoint. */
  readonly baseURL?: string;
  /** `openai-compatible` only: a label for the server in provider metadata. */
  readonly name?: string;
}

/** Ollama's address when it is chosen explicitly without OLLAMA_BASE_URL. */
export const DEFAULT_OLLAMA_BASE_URL = 'http://localhost:11434';

/** What a provider needs before calls can be made: a key for hosted ones, an address for local servers. */
export function isProviderConfigured(provider: ProviderName, settings: ProviderSettings | undefined): boolean {
  if (settings === undefined) return false;
  if (provider === 'ollama' || provider === 'openai-compatible') return settings.baseURL !== undefined;
  return settings.apiKey !== undefined;
}

/** How to configure a provider, for PROVIDER_NOT_CONFIGURED messages. */
export function describeProviderSetup(provider: ProviderName): string {
  switch (provider) {
    case 'anthropic':
      return 'set ANTHROPIC_API_KEY or providers.anthropic.apiKey in ensemble.config.yaml';
    case 'openai':
      return 'set OPENAI_API_KEY (without OPENAI_BASE_URL) or providers.openai.apiKey in ensemble.config.yaml';
    case 'google':
      return 'set GOOGLE_GENERATIVE_AI_API_KEY or providers.google.apiKey in ensemble.config.yaml';
    case 'ollama':
      return 'set OLLAMA_BASE_URL or providers.ollama.baseURL in ensemble.config.yaml';
    case 'openai-compatible':
      return 'set OPENAI_BASE_URL or providers.openai-compatible.baseURL in ensemble.config.yaml';
  }
}

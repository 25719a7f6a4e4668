import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { EnsembleError } from '../core/index.js';
import { describeProviderSetup, isProviderConfigured } from '../config/index.js';
import type { ProviderName, ProviderSettings } from '../config/index.js';

/** Public endpoints, passed explicitly so the SDKs never pick up ANTHROPIC_BASE_URL / OPENAI_BASE_URL themselves. */
const PUBLIC_BASE_URLS = {
  anthropic: 'https://api.anthropic.com/v1',
  openai: 'https://api.openai.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
} as const;

/** Hands out AI SDK language models, one provider client per provider. */
export interface LlmProviders {
  /** Throws PROVIDER_NOT_CONFIGURED when `provider` has no key or address. */
  languageModel(provider: ProviderName, modelId: string): LanguageModel;
}

/** Options of {@link createLlmProviders}. */
export interface LlmProvidersOptions {
  /** Settings of the configured providers (keys, base URLs). */
  readonly providers: Readonly<Partial<Record<ProviderName, ProviderSettings>>>;
  /** The fetch the clients use (tests, proxies). @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

type ModelFactory = (modelId: string) => LanguageModel;

/**
 * AI SDK clients for the configured providers. OpenAI goes through Chat Completions (what
 * proxies and compatible servers speak); Ollama through its OpenAI-compatible `/v1` endpoint;
 * every key is passed explicitly, never read from the environment by the SDK.
 */
export function createLlmProviders(options: LlmProvidersOptions): LlmProviders {
  const factories = new Map<ProviderName, ModelFactory>();
  const fetchOption = options.fetch === undefined ? {} : { fetch: options.fetch };
  const create = (provider: ProviderName): ModelFactory => {
    const settings = options.providers[provider];
    if (settings === undefined || !isProviderConfigured(provider, settings)) {
      throw new EnsembleError('PROVIDER_NOT_CONFIGURED', `provider "${provider}" is not configured: ${describeProviderSetup(provider)}`, {
        details: { provider },
      });
    }
    const apiKey = settings.apiKey ?? '';
    switch (provider) {
      case 'anthropic': {
        const client = createAnthropic({ apiKey, baseURL: settings.baseURL ?? PUBLIC_BASE_URLS.anthropic, ...fetchOption });
        return (modelId) => client.languageModel(modelId);
      }
      case 'openai': {
        const client = createOpenAI({ apiKey, baseURL: settings.baseURL ?? PUBLIC_BASE_URLS.openai, ...fetchOption });
        return (modelId) => client.chat(modelId);
      }
      case 'google': {
        const client = createGoogleGenerativeAI({ apiKey, baseURL: settings.baseURL ?? PUBLIC_BASE_URLS.google, ...fetchOption });
        return (modelId) => client.languageModel(modelId);
      }
      case 'ollama': {
        const client = createOpenAICompatible({ name: 'ollama', baseURL: toOllamaOpenAiUrl(settings.baseURL!), includeUsage: true, ...fetchOption });
        return (modelId) => client.chatModel(modelId);
      }
      case 'openai-compatible': {
        const client = createOpenAICompatible({
          name: settings.name ?? 'openai-compatible',
          baseURL: settings.baseURL!,
          includeUsage: true,
          ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
          ...fetchOption,
        });
        return (modelId) => client.chatModel(modelId);
      }
    }
  };
  return {
    languageModel(provider, modelId) {
      let factory = factories.get(provider);
      if (factory === undefined) {
        factory = create(provider);
        factories.set(provider, factory);
      }
      return factory(modelId);
    },
  };
}

/** `http://host:11434`, `…/api` or `…/v1` → `http://host:11434/v1`, Ollama's OpenAI-compatible API. */
export function toOllamaOpenAiUrl(baseUrl: string): string {
  const root = baseUrl.replace(/\/+$/, '').replace(/\/(api|v1)$/, '');
  return `${root}/v1`;
}

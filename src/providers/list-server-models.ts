import { z } from 'zod';
import type { ProviderName, ProviderSettings } from '../config/index.js';
import { toOllamaOpenAiUrl } from './provider-clients.js';

/** Ollama's `GET /api/tags`; tolerant: only the names are read. */
const ollamaTagsSchema = z.object({ models: z.array(z.object({ name: z.string() })) });
/** OpenAI's `GET /models`, as vLLM, llama.cpp and LM Studio serve it. */
const openAiModelsSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/** Options of {@link listServerModels}. */
export interface ListServerModelsOptions {
  /** The longest the request may take, in ms. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

/** What a server said it serves: the model ids, or why it could not tell. */
export type ServerModels = { readonly ok: true; readonly models: readonly string[] } | { readonly ok: false; readonly reason: string };

/**
 * Lists the models a local server serves: Ollama's `/api/tags`, an OpenAI-compatible server's
 * `/models`. Never throws: an unreachable server, a timeout or an answer that is not a model
 * list gives `{ok: false, reason}` (the run then goes on without the check).
 */
export async function listServerModels(provider: Extract<ProviderName, 'ollama' | 'openai-compatible'>, settings: ProviderSettings, options: ListServerModelsOptions): Promise<ServerModels> {
  const baseUrl = settings.baseURL;
  if (baseUrl === undefined) return { ok: false, reason: 'no base URL' };
  const url = provider === 'ollama' ? `${toOllamaOpenAiUrl(baseUrl).replace(/\/v1$/, '')}/api/tags` : `${baseUrl.replace(/\/+$/, '')}/models`;
  const signal = options.signal === undefined ? AbortSignal.timeout(options.timeoutMs) : AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  try {
    const response = await (options.fetch ?? globalThis.fetch)(url, {
      signal,
      headers: { accept: 'application/json', ...(settings.apiKey === undefined ? {} : { authorization: `Bearer ${settings.apiKey}` }) },
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: `${url} answered HTTP ${response.status}` };
    }
    const body: unknown = await response.json();
    if (provider === 'ollama') {
      const parsed = ollamaTagsSchema.safeParse(body);
      return parsed.success ? { ok: true, models: parsed.data.models.map((model) => model.name) } : { ok: false, reason: `${url} did not answer with a model list` };
    }
    const parsed = openAiModelsSchema.safeParse(body);
    return parsed.success ? { ok: true, models: parsed.data.data.map((model) => model.id) } : { ok: false, reason: `${url} did not answer with a model list` };
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `${url}: ${reason}` };
  }
}

/** Whether `modelId` is among `models`, Ollama's implicit `:latest` tag included (`llama3.2` is `llama3.2:latest`). */
export function isModelServed(modelId: string, models: readonly string[]): boolean {
  const withTag = modelId.includes(':') ? modelId : `${modelId}:latest`;
  return models.some((model) => model === modelId || model === withTag || (!model.includes(':') && `${model}:latest` === withTag));
}

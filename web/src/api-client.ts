import type * as z from 'zod/mini';
import { EnsembleError } from '../../src/core/index.js';
import type { AuthToken } from './auth-token.js';
import { apiErrorSchema } from './schema.js';

export interface RequestOptions {
  readonly signal?: AbortSignal;
}

/** The dashboard's calls to its server: JSON in and out, answers checked against a schema, failures as `EnsembleError`s. */
export interface ApiClient {
  get<Schema extends z.ZodMiniType>(path: string, schema: Schema, options?: RequestOptions): Promise<z.infer<Schema>>;
  post<Schema extends z.ZodMiniType>(path: string, body: unknown, schema: Schema, options?: RequestOptions): Promise<z.infer<Schema>>;
  /** The address of a run's event stream, resuming after `afterSeq` (0 for all); carries the token, as EventSource cannot set headers. */
  eventsUrl(runId: string, afterSeq: number): string;
}

/**
 * Paths are relative (`api/runs`), so a dashboard served under a proxy's prefix still reaches its
 * own server. A 401 asks the person for the token once, then tries again.
 */
export function createApiClient(token: AuthToken): ApiClient {
  async function request<Schema extends z.ZodMiniType>(method: 'GET' | 'POST', path: string, body: unknown, schema: Schema, options: RequestOptions): Promise<z.infer<Schema>> {
    // Two tries at most: the second only after a 401 for which the person gave a token.
    for (let attempt = 1; ; attempt++) {
      const response = await send(method, path, body, token.read(), options.signal);
      if (response.status === 401 && attempt === 1 && token.ask() !== undefined) continue;
      const json = await readJson(response);
      if (!response.ok) throw toApiError(method, path, response.status, json);
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
        throw new EnsembleError('INTERNAL', `${method} ${path}: unexpected answer from the server: ${where}${issue?.message ?? 'invalid'}`);
      }
      return parsed.data;
    }
  }
  return {
    get: (path, schema, options = {}) => request('GET', path, undefined, schema, options),
    post: (path, body, schema, options = {}) => request('POST', path, body, schema, options),
    eventsUrl: (runId, afterSeq) => {
      const query = new URLSearchParams({ lastEventId: String(afterSeq) });
      const value = token.read();
      if (value !== undefined) query.set('token', value);
      return `api/runs/${encodeURIComponent(runId)}/events?${query.toString()}`;
    },
  };
}

async function send(method: string, path: string, body: unknown, token: string | undefined, signal: AbortSignal | undefined): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    return await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnsembleError('INTERNAL', `${method} ${path}: the server did not answer (${reason})`, { retryable: true, cause: error });
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The server's `{error: {code, message}}` as an EnsembleError, or a plain HTTP failure when the body is not one. */
function toApiError(method: string, path: string, status: number, json: unknown): EnsembleError {
  const parsed = apiErrorSchema.safeParse(json);
  if (!parsed.success) return new EnsembleError('INTERNAL', `${method} ${path}: HTTP ${status}`, { details: { status } });
  return new EnsembleError(parsed.data.error.code, parsed.data.error.message, { details: { status }, retryable: status === 429 || status >= 500 });
}

import { APICallError, RetryError } from 'ai';
import { EnsembleError } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';
import { parseRetryAfterMs } from './parse-retry-after.js';
import { redactSecrets } from './redact-secrets.js';

/** Longest provider message kept in an error, in characters. */
const MAX_DETAIL_LENGTH = 500;

/** Which call failed, for the message, and what must not appear in it. */
export interface ProviderErrorContext {
  readonly provider: string;
  readonly modelId: string;
  /** API keys to redact from messages and details. */
  readonly secrets: readonly string[];
  /** Epoch ms, for `retry-after` HTTP dates. @default Date.now() when the error is mapped */
  readonly nowMs?: number;
}

/** Error names of the AI SDK that mean the provider answered with something unreadable. */
const MALFORMED_ERROR_NAMES: ReadonlySet<string> = new Set([
  'AI_TypeValidationError',
  'AI_JSONParseError',
  'AI_InvalidResponseDataError',
  'AI_EmptyResponseBodyError',
  'AI_NoOutputGeneratedError',
]);

/** Node's words for a connection that failed or broke. */
const NETWORK_ERROR_PATTERN = /fetch failed|terminated|socket|other side closed|ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|network/i;

/**
 * Maps what a provider call threw (or put in its stream) to the error the provider gate and the
 * scheduler act on: HTTP 429 → PROVIDER_RATE_LIMITED (retryable, with `retryAfterMs` from the
 * retry-after headers); 5xx, 408, network failures → PROVIDER_UNAVAILABLE (retryable, with
 * `retryAfterMs` when the provider sent retry-after); other
 * 4xx and unreadable responses → PROVIDER_ERROR (not retryable). Messages name the provider, the
 * model and the status, and never contain an API key. Aborts are not errors: callers check
 * their signal first.
 */
export function toProviderError(thrown: unknown, context: ProviderErrorContext): EnsembleError {
  const error = RetryError.isInstance(thrown) ? thrown.lastError : thrown;
  const label = `${context.provider} model "${context.modelId}"`;
  const clean = (text: string): string => truncate(redactSecrets(text, context.secrets));
  const base = { provider: context.provider, model: context.modelId };

  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const detail = clean(error.message || error.responseBody || 'no message');
    const details = {
      ...base,
      ...(status === undefined ? {} : { statusCode: status }),
      ...(error.responseBody === undefined ? {} : { responseBody: clean(error.responseBody) }),
    };
    const make = (code: ErrorCode, message: string, retryAfterMs?: number): EnsembleError =>
      new EnsembleError(code, message, {
        retryable: code !== 'PROVIDER_ERROR',
        details,
        cause: sanitisedCause(error, clean),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    // Anthropic reports a stream that fails on its first chunk as a synthetic HTTP 500 whose body is the SDK's parse error.
    if (isWrappedParseError(error.responseBody)) return make('PROVIDER_ERROR', `${label}: malformed response: ${detail}`);
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(error.responseHeaders, context.nowMs ?? Date.now());
      const wait = retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs} ms`;
      return make('PROVIDER_RATE_LIMITED', `${label}: rate limited (HTTP 429)${wait}: ${detail}`, retryAfterMs);
    }
    if (status === undefined) return make('PROVIDER_UNAVAILABLE', `${label}: could not reach the provider: ${detail}`);
    if (status >= 500 || status === 408) {
      // An overloaded provider may say when to come back (503 + retry-after): every caller then backs off.
      const retryAfterMs = parseRetryAfterMs(error.responseHeaders, context.nowMs ?? Date.now());
      const wait = retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs} ms`;
      return make('PROVIDER_UNAVAILABLE', `${label}: provider unavailable (HTTP ${status})${wait}: ${detail}`, retryAfterMs);
    }
    // A connection that drops after a 200 arrives here too: that is the network, not a bad body.
    if (status < 300 && isNetworkFailure(error.cause)) {
      return make('PROVIDER_UNAVAILABLE', `${label}: the connection broke during the response (HTTP ${status}): ${clean(describeCause(error.cause))}`);
    }
    if (status < 300) return make('PROVIDER_ERROR', `${label}: malformed response (HTTP ${status}): ${detail}`);
    return make('PROVIDER_ERROR', `${label}: request rejected (HTTP ${status}): ${detail}`);
  }

  if (error instanceof Error && MALFORMED_ERROR_NAMES.has(error.name)) {
    return new EnsembleError('PROVIDER_ERROR', `${label}: malformed response: ${clean(error.message)}`, {
      details: base,
      cause: sanitisedCause(error, clean),
    });
  }

  const inBand = readInBandError(error);
  if (inBand !== undefined) {
    const kind = `${inBand.type} ${inBand.code}`.toLowerCase();
    const code: ErrorCode = /rate_limit|too_many/.test(kind)
      ? 'PROVIDER_RATE_LIMITED'
      : /overloaded|api_error|server_error|unavailable|internal/.test(kind)
        ? 'PROVIDER_UNAVAILABLE'
        : 'PROVIDER_ERROR';
    const what = inBand.type === '' ? 'error' : inBand.type;
    return new EnsembleError(code, `${label}: the stream reported ${clean(what)}: ${clean(inBand.message)}`, {
      retryable: code !== 'PROVIDER_ERROR',
      details: base,
    });
  }

  const message = error instanceof Error ? error.message || error.name : String(error);
  const networkCode = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const isNetwork = NETWORK_ERROR_PATTERN.test(message) || (typeof networkCode === 'string' && NETWORK_ERROR_PATTERN.test(networkCode));
  if (isNetwork || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) {
    return new EnsembleError('PROVIDER_UNAVAILABLE', `${label}: connection failed: ${clean(message)}`, {
      retryable: true,
      details: base,
      cause: error instanceof Error ? sanitisedCause(error, clean) : undefined,
    });
  }
  return new EnsembleError('PROVIDER_ERROR', `${label}: ${clean(message)}`, {
    details: base,
    cause: error instanceof Error ? sanitisedCause(error, clean) : undefined,
  });
}

/** Whether an error or anything in its `cause` chain is a network failure (reset, closed socket, DNS). */
function isNetworkFailure(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const { message, code, cause } = error as { message?: unknown; code?: unknown; cause?: unknown };
  if (typeof message === 'string' && NETWORK_ERROR_PATTERN.test(message)) return true;
  if (typeof code === 'string' && NETWORK_ERROR_PATTERN.test(code)) return true;
  return isNetworkFailure(cause, depth + 1);
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message || cause.name : String(cause);
}

function isWrappedParseError(responseBody: string | undefined): boolean {
  if (responseBody === undefined || !responseBody.startsWith('{')) return false;
  try {
    const body: unknown = JSON.parse(responseBody);
    return typeof body === 'object' && body !== null && MALFORMED_ERROR_NAMES.has(String((body as { name?: unknown }).name));
  } catch {
    return false;
  }
}

/** Errors a provider sends inside a stream: Anthropic `{type, message}`, OpenAI `{message, type, code}`. */
function readInBandError(error: unknown): { type: string; code: string; message: string } | undefined {
  if (typeof error !== 'object' || error === null || error instanceof Error) return undefined;
  const record = error as Record<string, unknown>;
  if (typeof record.message !== 'string') return undefined;
  return {
    type: typeof record.type === 'string' ? record.type : '',
    code: typeof record.code === 'string' || typeof record.code === 'number' ? String(record.code) : '',
    message: record.message,
  };
}

/** The original error's name and message, redacted: the raw one may carry request data and echoed keys. */
function sanitisedCause(error: Error, clean: (text: string) => string): Error {
  const copy = new Error(clean(error.message));
  copy.name = error.name;
  return copy;
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_DETAIL_LENGTH ? oneLine : `${oneLine.slice(0, MAX_DETAIL_LENGTH - 1)}…`;
}

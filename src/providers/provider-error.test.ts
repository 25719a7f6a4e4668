import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { toProviderError } from './provider-error.js';

const context = { provider: 'anthropic', modelId: 'claude-sonnet-4-5', secrets: ['sk-secret'], nowMs: 0 };

function httpError(statusCode: number, headers: Record<string, string> = {}): APICallError {
  return new APICallError({
    message: 'Overloaded',
    url: 'https://api.anthropic.com/v1/messages',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    responseBody: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    isRetryable: true,
  });
}

describe('toProviderError', () => {
  it('keeps the wait a 503 asks for, so the governor can make every caller back off', () => {
    const error = toProviderError(httpError(503, { 'retry-after': '7' }), context);
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true, retryAfterMs: 7000 });
    expect(error.message).toBe('anthropic model "claude-sonnet-4-5": provider unavailable (HTTP 503); retry after 7000 ms: Overloaded');
    expect(toProviderError(httpError(500), context).retryAfterMs).toBeUndefined();
  });

  it('names the provider, the model and the status of a 429, with its wait', () => {
    const error = toProviderError(httpError(429, { 'retry-after-ms': '1500' }), context);
    expect(error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfterMs: 1500, details: { provider: 'anthropic', model: 'claude-sonnet-4-5', statusCode: 429 } });
  });
});

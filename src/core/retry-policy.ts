import type { EnsembleError } from './errors.js';
import type { RetryPolicy } from './schema.js';

export type RetryDecision = { readonly retry: false } | { readonly retry: true; readonly delayMs: number };

/**
 * Decides whether a failed attempt is tried again, and after how long. Exponential backoff
 * with "equal jitter" (half fixed, half random), so synchronized failures spread out; a
 * source's retry-after hint is honoured as the minimum wait.
 * @param attempt the attempt that just failed, 1 for the first.
 * @param random a number in [0, 1).
 */
export function decideRetry(error: EnsembleError, attempt: number, policy: RetryPolicy, random: number): RetryDecision {
  if (!error.retryable || error.code === 'RUN_CANCELLED' || error.code === 'RUN_INTERRUPTED' || error.code === 'RUN_TIMEOUT') return { retry: false };
  if (attempt > policy.max) return { retry: false };
  const exponential = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + (random * exponential) / 2;
  if (error.retryAfterMs !== undefined) {
    // The source knows best; add up to 10% (at most 1 s) so callers told the same time do not return together.
    const spread = Math.min(1000, error.retryAfterMs * 0.1) * random;
    return { retry: true, delayMs: Math.round(Math.max(error.retryAfterMs + spread, 0)) };
  }
  return { retry: true, delayMs: Math.round(jittered) };
}

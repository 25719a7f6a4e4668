import type { Clock } from '../core/index.js';

/** How many runs one client may start: `perMinute` refilled evenly, at most `burst` at once. */
export interface RateLimitSettings {
  /** Starts allowed per minute per client; 0 turns the limit off. */
  readonly perMinute: number;
  /** Starts a client may make at once after being idle. @default perMinute */
  readonly burst?: number;
}

/** The answer for one attempt: allowed, or how long until the next start is allowed. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/** Clients remembered at most; idle full buckets are forgotten first, so a scan of many addresses cannot grow memory. */
const MAX_CLIENTS = 10_000;

/**
 * One token bucket per client key (the peer address). Pure apart from the injected clock: a
 * bucket holds `burst` tokens, refills at `perMinute / 60000` per ms, and each start takes one.
 */
export class StartRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private readonly burst: number;
  private readonly refillPerMs: number;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly clock: Clock,
  ) {
    this.burst = settings.burst ?? settings.perMinute;
    this.refillPerMs = settings.perMinute / 60_000;
  }

  /** Takes one start for `client`, or says how long to wait. */
  take(client: string): RateDecision {
    if (this.settings.perMinute <= 0) return { allowed: true };
    const now = this.clock.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    bucket.updatedAt = now;
    this.remember(client, bucket, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.refillPerMs) };
  }

  private remember(client: string, bucket: { tokens: number; updatedAt: number }, now: number): void {
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    if (this.buckets.size <= MAX_CLIENTS) return;
    // Map order is least recently used first: drop the oldest, whose bucket has refilled the most.
    for (const [key, oldest] of this.buckets) {
      if (this.buckets.size <= MAX_CLIENTS) break;
      if (key !== client && oldest.updatedAt <= now) this.buckets.delete(key);
    }
  }
}

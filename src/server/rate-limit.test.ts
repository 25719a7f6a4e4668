import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { StartRateLimiter } from './rate-limit.js';

describe('StartRateLimiter', () => {
  it('allows a burst, then one start per refill interval, per client', () => {
    const clock = new ManualClock(0);
    const limiter = new StartRateLimiter({ perMinute: 6, burst: 2 }, clock);
    expect([limiter.take('a').allowed, limiter.take('a').allowed]).toEqual([true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterMs: 10_000 });
    // Another client has its own bucket.
    expect(limiter.take('b').allowed).toBe(true);
    clock.setNow(4_000);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterMs: 6_000 });
    clock.setNow(10_000);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('never lets a client bank more than its burst, however long it was idle', () => {
    const clock = new ManualClock(0);
    const limiter = new StartRateLimiter({ perMinute: 60 }, clock);
    clock.setNow(3_600_000);
    let allowed = 0;
    for (let index = 0; index < 100; index++) if (limiter.take('idle').allowed) allowed++;
    expect(allowed).toBe(60);
  });

  it('is off at 0 per minute', () => {
    const limiter = new StartRateLimiter({ perMinute: 0 }, new ManualClock(0));
    for (let index = 0; index < 1000; index++) expect(limiter.take('a').allowed).toBe(true);
  });
});

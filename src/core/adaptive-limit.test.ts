import { describe, expect, it } from 'vitest';
import { AdaptiveLimit } from './adaptive-limit.js';

function succeed(limit: AdaptiveLimit, count: number): void {
  for (let index = 0; index < count; index++) limit.recordSuccess();
}

describe('AdaptiveLimit', () => {
  it('starts at the initial limit, clamped to the range', () => {
    expect(new AdaptiveLimit({ initialLimit: 8, maxLimit: 64 }).limit).toBe(8);
    expect(new AdaptiveLimit({ initialLimit: 100, maxLimit: 64 }).limit).toBe(64);
    expect(new AdaptiveLimit({ initialLimit: 0, maxLimit: 64 }).limit).toBe(1);
  });

  it('halves on a rate limit, never below 1', () => {
    const limit = new AdaptiveLimit({ initialLimit: 8, maxLimit: 64 });
    const halvings = [];
    for (let index = 0; index < 5; index++) {
      limit.recordRateLimit();
      halvings.push(limit.limit);
    }
    expect(halvings).toEqual([4, 2, 1, 1, 1]);
  });

  it('grows by one after as many consecutive successes as the current limit, up to the maximum', () => {
    const limit = new AdaptiveLimit({ initialLimit: 2, maxLimit: 4 });
    succeed(limit, 1);
    expect(limit.limit).toBe(2);
    succeed(limit, 1);
    expect(limit.limit).toBe(3);
    succeed(limit, 3);
    expect(limit.limit).toBe(4);
    succeed(limit, 100);
    expect(limit.limit).toBe(4);
  });

  it('a rate limit breaks the success streak', () => {
    const limit = new AdaptiveLimit({ initialLimit: 4, maxLimit: 64, successesToGrow: 3 });
    succeed(limit, 2);
    limit.recordRateLimit();
    expect(limit.limit).toBe(2);
    succeed(limit, 2);
    expect(limit.limit).toBe(2);
    succeed(limit, 1);
    expect(limit.limit).toBe(3);
  });

  it('halves once for a burst of 429s from calls started before the first decrease', () => {
    const limit = new AdaptiveLimit({ initialLimit: 16, maxLimit: 64 });
    const startedAt = limit.epoch;
    expect(limit.recordRateLimit(startedAt)).toBe(true);
    expect(limit.recordRateLimit(startedAt)).toBe(false);
    expect(limit.recordRateLimit(startedAt)).toBe(false);
    expect(limit.limit).toBe(8);
    expect(limit.recordRateLimit(limit.epoch)).toBe(true);
    expect(limit.limit).toBe(4);
  });

  it('shrinks by a quarter (at least one) under local pressure, not below the minimum', () => {
    const limit = new AdaptiveLimit({ initialLimit: 16, maxLimit: 64, minLimit: 2 });
    const sizes = [];
    for (let index = 0; index < 8; index++) {
      limit.reducePressure();
      sizes.push(limit.limit);
    }
    expect(sizes).toEqual([12, 9, 6, 4, 3, 2, 2, 2]);
  });
});

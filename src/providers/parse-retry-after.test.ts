import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from './parse-retry-after.js';

const now = Date.parse('2025-06-01T12:00:00Z');

describe('parseRetryAfterMs', () => {
  it('reads retry-after in seconds and retry-after-ms in milliseconds (which wins)', () => {
    expect(parseRetryAfterMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(parseRetryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(parseRetryAfterMs({ 'retry-after': '2', 'retry-after-ms': '1250' }, now)).toBe(1250);
    expect(parseRetryAfterMs({ 'Retry-After': '3' }, now)).toBe(3000);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Sun, 01 Jun 2025 12:00:30 GMT' }, now)).toBe(30_000);
    expect(parseRetryAfterMs({ 'retry-after': 'Sun, 01 Jun 2025 11:59:00 GMT' }, now)).toBe(0);
  });

  it('is undefined without a readable header, and caps absurd waits at an hour', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': 'x', 'retry-after': '1' }, now)).toBe(1000);
    expect(parseRetryAfterMs({ 'retry-after': '99999999' }, now)).toBe(3_600_000);
  });
});

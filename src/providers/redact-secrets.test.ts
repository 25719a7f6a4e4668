import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactSecrets('key sk-test-SECRET123 and again sk-test-SECRET123, also g-KEY-99', ['sk-test-SECRET123', 'g-KEY-99'])).toBe(
      'key [redacted] and again [redacted], also [redacted]',
    );
  });

  it('removes a longer secret whole when it contains a shorter one', () => {
    expect(redactSecrets('token abcd-1234-efgh', ['abcd', 'abcd-1234-efgh'])).toBe('token [redacted]');
  });

  it('leaves text without secrets alone and ignores too-short or empty secrets', () => {
    expect(redactSecrets('nothing to see', ['sk-other'])).toBe('nothing to see');
    expect(redactSecrets('a b c', ['', 'a'])).toBe('a b c');
  });

  it('treats secrets literally, not as patterns', () => {
    expect(redactSecrets('k.*+?(x) and kXYZ', ['k.*+?(x)'])).toBe('[redacted] and kXYZ');
  });
});

import { describe, expect, it } from 'vitest';
import { checkBindPolicy, isLoopbackHost, isTokenAccepted, readBearerToken } from './index.js';

describe('the bind policy', () => {
  it('counts localhost, 127.0.0.0/8 and ::1 as loopback, and nothing else', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1', '::2']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses a non-loopback bind without a token and any token shorter than 16 characters, naming the fix', () => {
    expect(() => checkBindPolicy('0.0.0.0', undefined)).toThrow(/Set ENSEMBLE_TOKEN or pass --token/);
    expect(() => checkBindPolicy('127.0.0.1', 'too-short')).toThrow(/at least 16 characters \(it has 9\)/);
    expect(() => checkBindPolicy('0.0.0.0', 'x'.repeat(16))).not.toThrow();
    expect(() => checkBindPolicy('127.0.0.1', undefined)).not.toThrow();
  });
});

describe('the bearer token', () => {
  it('accepts exactly the token, whatever the lengths of wrong guesses', () => {
    const token = 'correct-horse-battery-staple';
    expect(isTokenAccepted(token, token)).toBe(true);
    for (const guess of [undefined, '', 'c', token.slice(0, -1), `${token}x`, token.toUpperCase()]) expect(isTokenAccepted(guess, token), String(guess)).toBe(false);
  });

  it('reads the token of an Authorization header, case-insensitively in the scheme', () => {
    expect(readBearerToken('Bearer abc')).toBe('abc');
    expect(readBearerToken('bearer   abc  ')).toBe('abc');
    for (const header of [undefined, 'Basic abc', 'Bearer', 'Bearer a b']) expect(readBearerToken(header), String(header)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { checkArgumentSize, findArgumentSizeProblem, MAX_ARG_STRLEN_BYTES, readExecLimits } from './check-argument-size.js';

const LINUX = { perStringBytes: MAX_ARG_STRLEN_BYTES, totalBytes: 2 * 1024 * 1024 };

describe('argument size check', () => {
  it('finds the argument, variable or total that execve would refuse with E2BIG', () => {
    expect(findArgumentSizeProblem(['claude', '-p', 'x'.repeat(131_071)], {}, LINUX)).toBeUndefined();
    expect(findArgumentSizeProblem(['claude', '-p', 'x'.repeat(131_072)], {}, LINUX)).toEqual({ kind: 'argument', index: 2, bytes: 131_073, limitBytes: 131_072 });
    // Bytes, not characters: 'é' is two.
    expect(findArgumentSizeProblem(['claude', 'é'.repeat(70_000)], {}, LINUX)).toMatchObject({ kind: 'argument', bytes: 140_001 });
    expect(findArgumentSizeProblem(['tool'], { BIG: 'v'.repeat(131_070) }, LINUX)).toMatchObject({ kind: 'environment', name: 'BIG', bytes: 131_075 });
    const many = Array.from({ length: 40 }, () => 'a'.repeat(100_000));
    expect(findArgumentSizeProblem(['tool', ...many], {}, LINUX)).toMatchObject({ kind: 'total', limitBytes: 2 * 1024 * 1024 });
    expect(findArgumentSizeProblem(['tool', ...many], {}, { perStringBytes: undefined, totalBytes: undefined })).toBeUndefined();
  });

  it('names the agent, the prompt size and the fix when the prompt is the culprit', () => {
    const template = ['claude', '-p', '{prompt}'];
    const check = () => checkArgumentSize('claude-code', template, ['claude', '-p', 'x'.repeat(150_000)], {}, LINUX);
    expect(check).toThrow(/^agent "claude-code" cannot be started: the prompt is 150000 bytes, too long for one command-line argument .*remove "\{prompt\}"/);
    try {
      check();
    } catch (error) {
      expect(error).toMatchObject({ code: 'AGENT_SPAWN_FAILED', retryable: false, details: { agentName: 'claude-code', reason: 'argument-too-long' } });
    }
    expect(() => checkArgumentSize('tool', ['tool', '--flag'], ['tool', '--flag'], { A: '1' }, LINUX)).not.toThrow();
  });

  it('reads this system\'s limits (Linux: 128 KiB per string, a quarter of the stack in all)', () => {
    const limits = readExecLimits();
    if (process.platform !== 'linux') return;
    expect(limits.perStringBytes).toBe(131_072);
    expect(limits.totalBytes).toBeGreaterThanOrEqual(128 * 1024);
    expect(limits.totalBytes).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});

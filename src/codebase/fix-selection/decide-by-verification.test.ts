import { describe, expect, it } from 'vitest';
import { decideByVerification } from './decide-by-verification.js';
import type { CandidateVerification, FixCandidate } from './decide-by-verification.js';
import { summarizePatch } from './summarize-patch.js';

const ran = (exitCode: number | null, timedOut = false): CandidateVerification => ({ status: 'ran', run: { exitCode, timedOut, durationMs: 10, lastLines: [] } });

function candidate(order: number, bytes: number, verification?: CandidateVerification): FixCandidate {
  const patch = Buffer.alloc(bytes, 'x');
  return { taskId: `fix-attempt-${order + 1}`, order, patch, summary: summarizePatch(patch), ...(verification === undefined ? {} : { verification }) };
}

describe('decideByVerification', () => {
  it('selects among the candidates the command passes with: the smallest patch, then the earliest attempt', () => {
    const failing = ran(1);
    expect(decideByVerification({ command: 'npm test', baseline: failing, candidates: [candidate(0, 50, failing), candidate(1, 300, ran(0)), candidate(2, 200, ran(0))] })).toEqual({
      kind: 'winner',
      taskId: 'fix-attempt-3',
      rule: 'verification',
      reason: '`npm test` passes with fix-attempt-3, fix-attempt-2; fix-attempt-3 has the smallest patch (200 bytes, next 300)',
    });
    expect(decideByVerification({ command: 'npm test', baseline: failing, candidates: [candidate(0, 200, ran(0)), candidate(1, 200, ran(0))] })).toMatchObject({
      taskId: 'fix-attempt-1',
      reason: '`npm test` passes with fix-attempt-1, fix-attempt-2; fix-attempt-1 and fix-attempt-2 have patches of the same size (200 bytes), and fix-attempt-1 is the earlier attempt',
    });
    expect(decideByVerification({ command: 'npm test', baseline: failing, candidates: [candidate(0, 10, failing), candidate(1, 900, ran(0))] })).toMatchObject({
      taskId: 'fix-attempt-2',
      reason: 'fix-attempt-2 is the only candidate with which `npm test` passes',
    });
  });

  it('does not count a timed-out run or an empty patch as passing', () => {
    const decision = decideByVerification({ command: 'npm test', baseline: ran(1), candidates: [candidate(0, 0), candidate(1, 10, ran(null, true))] });
    expect(decision).toEqual({ kind: 'judge', reason: 'no candidate passes `npm test`' });
  });

  it("leaves it to the judge without a command, or when the command passes without any patch; no fix when nothing changed or nothing applies", () => {
    expect(decideByVerification({ candidates: [candidate(0, 10)] })).toEqual({ kind: 'judge', reason: 'there is no verification command (no verifyCommand, and no test script in package.json)' });
    expect(decideByVerification({ command: 'make check', baseline: ran(0), candidates: [candidate(0, 10, ran(0))] })).toEqual({
      kind: 'judge',
      reason: '`make check` passes without any patch, so passing it does not tell a fix apart',
    });
    expect(decideByVerification({ command: 'make check', candidates: [candidate(0, 0), candidate(1, 0)] })).toEqual({ kind: 'none', reason: 'no attempt changed any file' });
    const notApplied: CandidateVerification = { status: 'not-applied', reason: 'patch does not apply' };
    expect(decideByVerification({ command: 'make check', baseline: ran(1), candidates: [candidate(0, 10, notApplied)] }).kind).toBe('none');
  });
});

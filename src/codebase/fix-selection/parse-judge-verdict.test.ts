import { describe, expect, it } from 'vitest';
import { parseJudgeVerdict } from './parse-judge-verdict.js';

const ids = ['fix-attempt-1', 'fix-attempt-2', 'fix-attempt-3'];

describe('parseJudgeVerdict', () => {
  it('reads the last WINNER line, with markdown around it tolerated', () => {
    expect(parseJudgeVerdict('Both work.\nWINNER: fix-attempt-2', ids)).toEqual({ kind: 'winner', taskId: 'fix-attempt-2' });
    expect(parseJudgeVerdict('**WINNER:** `fix-attempt-3`.', ids)).toEqual({ kind: 'winner', taskId: 'fix-attempt-3' });
    expect(parseJudgeVerdict('- winner: FIX-ATTEMPT-1', ids)).toEqual({ kind: 'winner', taskId: 'fix-attempt-1' });
    expect(parseJudgeVerdict('WINNER: fix-attempt-1 was my first thought.\nOn reflection:\nWINNER: fix-attempt-2\n', ids)).toEqual({ kind: 'winner', taskId: 'fix-attempt-2' });
    expect(parseJudgeVerdict('None is right.\nWINNER: none', ids)).toEqual({ kind: 'none' });
  });

  it('says why a verdict cannot be read', () => {
    expect(parseJudgeVerdict('I prefer the second one.', ids)).toEqual({ kind: 'unreadable', reason: 'the judge wrote no `WINNER: <candidate>` line' });
    expect(parseJudgeVerdict('WINNER: fix-attempt-9', ids)).toEqual({
      kind: 'unreadable',
      reason: 'the judge named "fix-attempt-9", which is not a candidate (fix-attempt-1, fix-attempt-2, fix-attempt-3)',
    });
    // A winner named mid-sentence is not a verdict line.
    expect(parseJudgeVerdict('The WINNER: fix-attempt-1 seems best', ids).kind).toBe('unreadable');
  });
});

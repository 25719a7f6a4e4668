import type { FixCandidate } from './decide-by-verification.js';
import { describeVerification } from './describe-verification.js';
import { describePatchSummary, toReadablePatch } from './summarize-patch.js';

/** Bytes of one candidate's patch shown to the judge. */
const JUDGE_PATCH_BYTES = 32 * 1024;

/** What the judge is told. */
export interface JudgePromptInput {
  /** The selector task's own prompt: the bug, and what the template asks of the judge. */
  readonly brief: string;
  /** The candidates that change something, in attempt order. */
  readonly candidates: readonly FixCandidate[];
  readonly command?: string;
  /** Why the verification rule could not decide. */
  readonly reason: string;
}

/** The judge's prompt: the brief, each candidate's patch and verification result, why it is asked, and the verdict line it must end with. */
export function composeJudgePrompt(input: JudgePromptInput): string {
  const ids = input.candidates.map((candidate) => candidate.taskId);
  const sections = input.candidates.map((candidate) =>
    [
      `### ${candidate.taskId}`,
      '',
      `Change: ${describePatchSummary(candidate.summary)}`,
      `Verification: ${describeVerification(candidate.verification, input.command)}`,
      ...(candidate.verification?.status === 'ran' && candidate.verification.run.lastLines.length > 0
        ? ['', 'Last lines of its output:', '```text', ...candidate.verification.run.lastLines, '```']
        : []),
      '',
      '```diff',
      toReadablePatch(candidate.patch, JUDGE_PATCH_BYTES),
      '```',
    ].join('\n'),
  );
  return [
    input.brief,
    '',
    '## Candidates',
    '',
    'Each fix attempt worked in a private copy of the workspace; below is its change as a patch against the workspace, which ' +
      'still holds none of them. Their own reports are in your inputs.',
    '',
    ...sections,
    '',
    '## Why you decide',
    '',
    `The verification rule could not decide: ${input.reason}. Choose by reading the patches and the code they change (Read, Grep): ` +
      'prefer the patch that fixes the root cause without weakening or editing the reproduction test, then the one that ' +
      'changes the least behaviour for other callers, then the smaller one, then the earlier attempt.',
    '',
    '## Answer',
    '',
    `Explain your choice in a few lines per candidate, then end with exactly one line \`WINNER: <candidate>\` naming one of ${ids.join(', ')}, ` +
      'or `WINNER: none` when no candidate should be applied.',
  ].join('\n');
}

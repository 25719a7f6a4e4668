import type { CandidateVerification, FixCandidate, SelectionDecision } from './decide-by-verification.js';
import { describeVerification, quoteLastLines } from './describe-verification.js';
import { describePatchSummary, toReadablePatch } from './summarize-patch.js';

/** Bytes of the applied patch quoted in the report (the whole patch is in evidence and the patch file). */
const REPORTED_PATCH_BYTES = 64 * 1024;

/** Everything the selector found, for its report. */
export interface SelectionReportInput {
  readonly candidates: readonly FixCandidate[];
  readonly command?: string;
  readonly commandSource?: 'parameter' | 'package.json';
  readonly baseline?: CandidateVerification;
  /** What verification alone decided (the judge's turn, when it could not). */
  readonly verificationDecision: SelectionDecision;
  /** The final decision. */
  readonly decision: SelectionDecision;
  /** The judge's answer, when it was asked. */
  readonly judgeOutput?: string;
  /** Where the winner went and whether it was already there. */
  readonly application?: { readonly workspace: string; readonly status: 'applied' | 'already-applied' };
}

/**
 * The selector's output: the winner (`Selected: <task id>` or `Selected: none`), the rule that
 * decided and why, then every candidate with its change and verification result, the baseline,
 * the judge's answer when it was asked, and the applied patch.
 */
export function formatSelectionReport(input: SelectionReportInput): string {
  const { decision, command } = input;
  const winner = decision.kind === 'winner' ? input.candidates.find((candidate) => candidate.taskId === decision.taskId) : undefined;
  const lines: string[] = ['# Fix selection', '', `Selected: ${winner?.taskId ?? 'none'}`];
  lines.push(`Rule: ${describeRule(input)}`);
  lines.push(`Why: ${decision.reason}`);
  if (winner !== undefined && input.application !== undefined) {
    const how = input.application.status === 'applied' ? 'applied' : 'already applied (an earlier execution of this step applied it)';
    lines.push(`Applied: ${describePatchSummary(winner.summary)}; ${how} to ${input.application.workspace}`);
  } else {
    lines.push('Applied: nothing; the workspace is unchanged');
  }
  lines.push('', '## Candidates', '');
  for (const candidate of input.candidates) {
    const change = candidate.patch.length === 0 ? 'no change (not a candidate)' : describePatchSummary(candidate.summary);
    const mark = candidate.taskId === winner?.taskId ? ' ← selected' : '';
    lines.push(`- ${candidate.taskId}${mark}: ${change}; ${describeVerification(candidate.verification, command)}`);
    lines.push(...quoteLastLines(candidate.verification, '  '));
  }
  if (command !== undefined) {
    lines.push('', '## Verification', '');
    lines.push(`Command: \`${command}\` (${input.commandSource === 'package.json' ? "the workspace's package.json test script" : 'the verifyCommand parameter'}), run in a fresh copy of the workspace per candidate.`);
    lines.push(`Without any patch: ${describeVerification(input.baseline, command)}`);
    lines.push(...quoteLastLines(input.baseline, ''));
  }
  if (input.judgeOutput !== undefined) {
    lines.push('', '## Judge', '', `Asked because ${input.verificationDecision.reason}.`, '', input.judgeOutput.trim());
  }
  if (winner !== undefined) {
    lines.push('', '## Applied patch', '', '```diff', toReadablePatch(winner.patch, REPORTED_PATCH_BYTES), '```');
  }
  return `${lines.join('\n')}\n`;
}

function describeRule(input: SelectionReportInput): string {
  const { decision } = input;
  if (decision.kind === 'winner' && decision.rule === 'verification') {
    return `verification: the candidates with which \`${input.command ?? '?'}\` passes win; ties go to the smallest patch, then the earliest attempt`;
  }
  if (decision.kind === 'winner' && decision.rule === 'judge') return 'judge: the verification rule could not decide, so the fix-selector agent chose by reading the patches';
  if (input.judgeOutput !== undefined) return 'judge: the verification rule could not decide, and the judge selected no candidate';
  return 'none: no candidate could be selected';
}

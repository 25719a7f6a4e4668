import type { PatchSummary } from './summarize-patch.js';
import { isPassing } from './run-verify-command.js';
import type { VerificationRun } from './run-verify-command.js';

/** How a candidate (or the baseline, no patch at all) fared under the verification command. */
export type CandidateVerification =
  | { readonly status: 'not-applied'; readonly reason: string }
  | { readonly status: 'ran'; readonly run: VerificationRun };

/** One fix attempt's change, as the selector weighs it. */
export interface FixCandidate {
  /** The attempt's task id. */
  readonly taskId: string;
  /** Its place among the selector's dependencies: the attempt order that breaks the last ties. */
  readonly order: number;
  readonly patch: Buffer;
  readonly summary: PatchSummary;
  /** Absent when there was no verification command or the patch is empty. */
  readonly verification?: CandidateVerification;
}

/** What the rule decided: a winner (by verification or, later, by the judge), the judge's turn, or no fix at all. */
export type SelectionDecision =
  | { readonly kind: 'winner'; readonly taskId: string; readonly rule: 'verification' | 'judge'; readonly reason: string }
  | { readonly kind: 'judge'; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string };

/** What {@link decideByVerification} weighs. */
export interface VerificationEvidence {
  readonly candidates: readonly FixCandidate[];
  /** The verification command as written; undefined when there is none. */
  readonly command?: string;
  /** The command on the workspace without any patch. */
  readonly baseline?: CandidateVerification;
}

/** Whether a candidate passed its verification. */
export function hasPassed(verification: CandidateVerification | undefined): boolean {
  return verification?.status === 'ran' && isPassing(verification.run);
}

/** Whether a candidate changes something and its patch applies to the workspace as it is now (as far as verification tried it). */
export function isApplicable(candidate: FixCandidate): boolean {
  return candidate.patch.length > 0 && candidate.verification?.status !== 'not-applied';
}

/**
 * The first, explicit rule: among the candidates that change something, the ones with which the
 * verification command passes win, the smallest patch first, then the earliest attempt. The rule
 * cannot decide (the judge's turn) when there is no command, when the command already passes
 * without any patch (passing then says nothing about a fix), or when no candidate passes. No
 * candidate changes anything, or none applies to the workspace any more: no fix.
 */
export function decideByVerification(evidence: VerificationEvidence): SelectionDecision {
  const eligible = evidence.candidates.filter((candidate) => candidate.patch.length > 0);
  if (eligible.length === 0) return { kind: 'none', reason: 'no attempt changed any file' };
  const { command } = evidence;
  if (command === undefined) return { kind: 'judge', reason: 'there is no verification command (no verifyCommand, and no test script in package.json)' };
  if (!eligible.some(isApplicable)) return { kind: 'none', reason: "no candidate's patch applies to the workspace as it is now (it changed since the attempts started)" };
  if (hasPassed(evidence.baseline)) return { kind: 'judge', reason: `\`${command}\` passes without any patch, so passing it does not tell a fix apart` };
  const passing = eligible.filter((candidate) => hasPassed(candidate.verification));
  if (passing.length === 0) return { kind: 'judge', reason: `no candidate passes \`${command}\`` };
  const ranked = [...passing].sort((left, right) => left.patch.length - right.patch.length || left.order - right.order);
  const winner = ranked[0] as FixCandidate;
  if (ranked.length === 1) return { kind: 'winner', taskId: winner.taskId, rule: 'verification', reason: `${winner.taskId} is the only candidate with which \`${command}\` passes` };
  const runnerUp = ranked[1] as FixCandidate;
  const names = ranked.map((candidate) => candidate.taskId).join(', ');
  const tieBreak =
    winner.patch.length < runnerUp.patch.length
      ? `${winner.taskId} has the smallest patch (${winner.patch.length} bytes, next ${runnerUp.patch.length})`
      : `${winner.taskId} and ${runnerUp.taskId} have patches of the same size (${winner.patch.length} bytes), and ${winner.taskId} is the earlier attempt`;
  return { kind: 'winner', taskId: winner.taskId, rule: 'verification', reason: `\`${command}\` passes with ${names}; ${tieBreak}` };
}

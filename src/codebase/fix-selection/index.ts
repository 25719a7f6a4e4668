/** The selector of parallel fix attempts: verification first, a judge agent otherwise; only the winner is applied. */
export { selectFix, FIX_SELECTOR_AGENT } from './select-fix.js';
export type { SelectFixOptions } from './select-fix.js';
export { parseCommandLine } from './parse-command-line.js';
export { decideByVerification } from './decide-by-verification.js';
export type { CandidateVerification, FixCandidate, SelectionDecision, VerificationEvidence } from './decide-by-verification.js';
export { parseJudgeVerdict } from './parse-judge-verdict.js';
export type { JudgeVerdict } from './parse-judge-verdict.js';
export { summarizePatch } from './summarize-patch.js';
export type { PatchSummary } from './summarize-patch.js';
/** Runs a verification command (argv, no shell) as its own process group, with a time limit; and whether a run passed. */
export { runVerifyCommand, isPassing } from './run-verify-command.js';
export type { VerificationRun } from './run-verify-command.js';

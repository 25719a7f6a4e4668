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

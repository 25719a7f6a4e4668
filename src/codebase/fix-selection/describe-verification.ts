import type { CandidateVerification } from './decide-by-verification.js';

/** One line on a verification: `` `npm test` exited 1 in 2.3 s ``, timed out, could not start, or the patch did not apply. */
export function describeVerification(verification: CandidateVerification | undefined, command: string | undefined): string {
  if (verification === undefined) return command === undefined ? 'not verified (no verification command)' : 'not verified (no change to verify)';
  if (verification.status === 'not-applied') return `did not apply to the workspace as it is now: ${verification.reason}`;
  const { run } = verification;
  const seconds = `${(run.durationMs / 1000).toFixed(1)} s`;
  if (run.startError !== undefined) return `\`${command ?? '?'}\` could not start: ${run.startError}`;
  if (run.timedOut) return `\`${command ?? '?'}\` timed out after ${seconds}`;
  return `\`${command ?? '?'}\` exited ${String(run.exitCode)} in ${seconds}${run.exitCode === 0 ? ' (passed)' : ' (failed)'}`;
}

/** The verification's last output lines, indented for a Markdown list; empty when there are none. */
export function quoteLastLines(verification: CandidateVerification | undefined, indent: string): string[] {
  if (verification?.status !== 'ran' || verification.run.lastLines.length === 0) return [];
  return [`${indent}last lines of output:`, '', `${indent}\`\`\`text`, ...verification.run.lastLines.map((line) => `${indent}${line}`), `${indent}\`\`\``, ''];
}

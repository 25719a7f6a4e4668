/** What the judge's answer says. */
export type JudgeVerdict =
  | { readonly kind: 'winner'; readonly taskId: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** The line the judge must end with; markdown decoration around it (`**`, backticks, a list dash) is tolerated. */
const VERDICT_LINE = /^[\s>*_`#-]*WINNER[\s*_`]*:[\s*_`]*([^\s*`]+?)[\s*_`.]*$/i;

/**
 * Reads the judge's verdict: its last `WINNER: <task id>` line (or `WINNER: none`). A verdict
 * naming no candidate, or no such line at all, is `unreadable` with the reason.
 */
export function parseJudgeVerdict(output: string, candidateIds: readonly string[]): JudgeVerdict {
  const verdicts = output.split('\n').flatMap((line) => {
    const match = VERDICT_LINE.exec(line);
    return match === null ? [] : [match[1] as string];
  });
  const named = verdicts.at(-1);
  if (named === undefined) return { kind: 'unreadable', reason: 'the judge wrote no `WINNER: <candidate>` line' };
  if (named.toLowerCase() === 'none') return { kind: 'none' };
  const taskId = candidateIds.find((id) => id === named) ?? candidateIds.find((id) => id.toLowerCase() === named.toLowerCase());
  if (taskId === undefined) return { kind: 'unreadable', reason: `the judge named "${named}", which is not a candidate (${candidateIds.join(', ')})` };
  return { kind: 'winner', taskId };
}

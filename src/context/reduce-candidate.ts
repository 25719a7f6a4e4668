import type { ContextTreatment } from '../core/index.js';
import type { ContextCandidate } from './context-candidate.js';
import type { SourceMemo, TextPiece } from './source-memo.js';
import { summariseText } from './summarise-text.js';
import { trimText } from './trim-text.js';

/** A candidate as handed over. */
export interface HandedPiece extends TextPiece {
  readonly treatment: ContextTreatment;
}

/** The candidate's head and tail within `budgetTokens`, the cut marked (whole when it fits). */
export function trimCandidate(candidate: ContextCandidate, budgetTokens: number, memo: SourceMemo): TextPiece {
  const { key, text, label } = candidate;
  const sourceTokens = memo.tokensOf(key, text);
  if (sourceTokens <= budgetTokens) return { text, tokens: sourceTokens };
  const piece = memo.piece(key, text, `trim:${budgetTokens}`, () => trimText(text, { targetTokens: budgetTokens, sourceTokens, label, count: (part) => memo.count(part) }));
  return piece!;
}

/** An extractive summary of the candidate within `budgetTokens`; undefined when it has too little structure for one. */
export function summariseCandidate(candidate: ContextCandidate, budgetTokens: number, memo: SourceMemo): TextPiece | undefined {
  const { key, text, label } = candidate;
  const sourceTokens = memo.tokensOf(key, text);
  return memo.piece(key, text, `summary:${budgetTokens}`, () =>
    summariseText(memo.linesOf(key, text), { budgetTokens, sourceTokens, label, count: (part) => memo.count(part) }),
  );
}

/** The candidate reduced to `budgetTokens`: summarised where it has the structure for it, else trimmed. */
export function reduceCandidate(candidate: ContextCandidate, budgetTokens: number, memo: SourceMemo): HandedPiece {
  const sourceTokens = memo.tokensOf(candidate.key, candidate.text);
  if (sourceTokens <= budgetTokens) return { text: candidate.text, tokens: sourceTokens, treatment: 'whole' };
  const summary = summariseCandidate(candidate, budgetTokens, memo);
  if (summary !== undefined) return { ...summary, treatment: 'summary' };
  return { ...trimCandidate(candidate, budgetTokens, memo), treatment: 'trimmed' };
}

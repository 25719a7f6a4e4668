import type { ContextTreatment } from '../core/index.js';
import type { ContextCandidates } from './collect-candidates.js';
import type { ContextCandidate } from './context-candidate.js';
import { fairShares } from './fair-shares.js';
import { reduceCandidate, summariseCandidate, trimCandidate, type HandedPiece } from './reduce-candidate.js';
import type { SourceMemo } from './source-memo.js';

/** A candidate as handed to the task. */
export interface HandedEntry extends HandedPiece {
  readonly candidate: ContextCandidate;
  /** Tokens of the whole source. */
  readonly sourceTokens: number;
}

/** What a task is handed, and what pruning left out. */
export interface HandOver {
  readonly dependencies: readonly HandedEntry[];
  readonly context: readonly HandedEntry[];
  readonly dropped: readonly { readonly candidate: ContextCandidate; readonly sourceTokens: number }[];
  /** Tokens of every candidate, whole. */
  readonly beforeTokens: number;
}

export interface HandOverOptions {
  /** Pruning starts past this many tokens (dependencies and context together). */
  readonly thresholdTokens: number;
  /** The most tokens a summarised or trimmed entry other than a dependency or a message gets. */
  readonly summaryTokens: number;
  /**
   * Replaying a receipt: the treatment of each candidate, by key, instead of deciding. Each piece
   * is rebuilt with the budget the same pass gives it, so the same sources and threshold rebuild
   * the same texts.
   */
  readonly replay?: ReadonlyMap<string, ContextTreatment>;
}

// Below this many tokens a summary or a trimmed piece is mostly header or marker: the entry is dropped instead.
export const MIN_PIECE_TOKENS = 128;

type Decision = ContextTreatment | 'reduce' | 'dropped';

/**
 * Hands candidates over within the threshold, in one pass in order of relevance:
 * 1. Direct dependencies whole when they fit together; when they alone pass the threshold, each
 *    one larger than its fair share is trimmed to it (head and tail, the cut marked), none dropped,
 *    and nothing else is handed over.
 * 2. Messages whole while they fit, then one trimmed to what is left (they are small: capped at
 *    16,000 characters), the others dropped.
 * 3. The rest (ancestors, pool, shared entries): if every one fits reduced (summarised, or trimmed
 *    when it has no structure to summarise, to at most `summaryTokens`), the most relevant ones are
 *    handed whole as long as what is left allows, the others reduced; otherwise each is reduced to
 *    what is left while at least {@link MIN_PIECE_TOKENS} are, small ones whole, the rest dropped.
 * Below the threshold everything is handed whole. Deterministic: same candidates, same result.
 */
export function handOverContext(candidates: ContextCandidates, options: HandOverOptions, memo: SourceMemo): HandOver {
  const { thresholdTokens, summaryTokens, replay } = options;
  const tokensOf = (candidate: ContextCandidate): number => memo.tokensOf(candidate.key, candidate.text);
  const dependencyTokens = candidates.dependencies.map(tokensOf);
  const contextTokens = candidates.context.map(tokensOf);
  const dependencySum = sum(dependencyTokens);
  const beforeTokens = dependencySum + sum(contextTokens);
  const treatmentOf = (candidate: ContextCandidate): ContextTreatment => replay?.get(candidate.key) ?? 'whole';

  const isTrimmingDependencies =
    replay === undefined ? dependencySum > thresholdTokens : candidates.dependencies.some((candidate) => treatmentOf(candidate) !== 'whole');
  const allowances = isTrimmingDependencies ? fairShares(dependencyTokens, thresholdTokens) : dependencyTokens;
  const dependencies = candidates.dependencies.map((candidate, index): HandedEntry => {
    const sourceTokens = dependencyTokens[index]!;
    const piece = sourceTokens <= allowances[index]! ? { text: candidate.text, tokens: sourceTokens } : trimCandidate(candidate, allowances[index]!, memo);
    return { candidate, sourceTokens, ...piece, treatment: piece.text === candidate.text ? 'whole' : 'trimmed' };
  });

  const isUnderThreshold = replay === undefined && beforeTokens <= thresholdTokens;
  let remaining = Math.max(0, thresholdTokens - sum(dependencies.map((entry) => entry.tokens)));
  let restPlan: ReadonlySet<number> | 'tight' | undefined;
  const context: HandedEntry[] = [];
  const dropped: { candidate: ContextCandidate; sourceTokens: number }[] = [];
  candidates.context.forEach((candidate, index) => {
    const sourceTokens = contextTokens[index]!;
    let decision: Decision;
    if (replay !== undefined) decision = treatmentOf(candidate);
    else if (isUnderThreshold) decision = 'whole';
    else if (isTrimmingDependencies) decision = 'dropped';
    else if (candidate.relation === 'message') decision = sourceTokens <= remaining ? 'whole' : remaining >= MIN_PIECE_TOKENS ? 'trimmed' : 'dropped';
    else {
      restPlan ??= planRest(candidates.context, contextTokens, index, remaining, summaryTokens, memo);
      decision = decideRest(restPlan, index, sourceTokens, remaining, summaryTokens);
    }
    if (decision === 'dropped') {
      dropped.push({ candidate, sourceTokens });
      return;
    }
    const entry = { candidate, sourceTokens, ...handPiece(candidate, decision, sourceTokens, remaining, summaryTokens, memo) };
    context.push(entry);
    remaining = Math.max(0, remaining - entry.tokens);
  });
  return { dependencies, context, dropped, beforeTokens };
}

/** The piece for a decision, with the budget the pass gives it at this point (the same in a replay). */
function handPiece(candidate: ContextCandidate, decision: Exclude<Decision, 'dropped'>, sourceTokens: number, remaining: number, summaryTokens: number, memo: SourceMemo): HandedPiece {
  if (decision === 'whole') return { text: candidate.text, tokens: sourceTokens, treatment: 'whole' };
  // A message is trimmed to all that is left; anything else to a summary's size at most.
  const budget = candidate.relation === 'message' ? remaining : Math.min(summaryTokens, remaining);
  if (decision === 'reduce') return reduceCandidate(candidate, budget, memo);
  if (decision === 'summary') {
    const summary = summariseCandidate(candidate, budget, memo);
    if (summary !== undefined) return { ...summary, treatment: 'summary' };
  }
  return { ...trimCandidate(candidate, budget, memo), treatment: 'trimmed' };
}

/**
 * Decides, once the budget left for the rest is known, whether every remaining entry fits
 * reduced; if so, which of them (most relevant first) can be upgraded to whole with what is left.
 * Returns the indexes handed whole, or `tight` when not everything fits even reduced.
 */
function planRest(context: readonly ContextCandidate[], tokens: readonly number[], first: number, budget: number, summaryTokens: number, memo: SourceMemo): ReadonlySet<number> | 'tight' {
  const reducedCost = new Map<number, number>();
  let baseCost = 0;
  for (let index = first; index < context.length; index++) {
    const sourceTokens = tokens[index]!;
    const cost = sourceTokens <= summaryTokens ? sourceTokens : reduceCandidate(context[index]!, summaryTokens, memo).tokens;
    reducedCost.set(index, cost);
    baseCost += cost;
  }
  if (baseCost > budget) return 'tight';
  let spare = budget - baseCost;
  const whole = new Set<number>();
  for (let index = first; index < context.length; index++) {
    const extra = tokens[index]! - reducedCost.get(index)!;
    if (extra > spare) continue;
    whole.add(index);
    spare -= extra;
  }
  return whole;
}

function decideRest(plan: ReadonlySet<number> | 'tight', index: number, sourceTokens: number, remaining: number, summaryTokens: number): Decision {
  if (plan !== 'tight') return plan.has(index) ? 'whole' : 'reduce';
  if (sourceTokens <= summaryTokens && sourceTokens <= remaining) return 'whole';
  return remaining >= MIN_PIECE_TOKENS ? 'reduce' : 'dropped';
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

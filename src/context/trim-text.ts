import type { TextPiece } from './source-memo.js';

export interface TrimTextOptions {
  /** The most tokens the trimmed text, marker included, may have. */
  readonly targetTokens: number;
  /** Tokens of the whole text. */
  readonly sourceTokens: number;
  /** What the marker calls the text: `the output of task backend (backend-architect)`. */
  readonly label: string;
  readonly count: (text: string) => number;
}

// A cut moves to a line break this close, so the head ends and the tail starts on whole lines.
const SNAP_CHARS = 200;
// The search stops once the result is this close to the target (tokens, or 1% of it).
const CLOSE_ENOUGH_TOKENS = 16;
const MAX_SEARCH_STEPS = 12;

const formatNumber = (value: number): string => value.toLocaleString('en-US');

/** The line that replaces the middle of a trimmed text, saying what was cut and how much. */
export function trimMarker(label: string, cutChars: number, cutTokens: number): string {
  return `[… ensemble trimmed ${label}: ${formatNumber(cutChars)} characters (about ${formatNumber(cutTokens)} tokens) cut from the middle to fit the context budget; the head and the tail are kept …]`;
}

/**
 * Keeps the head and the tail of `text` (half each) with a marker naming the cut in between,
 * as many characters as fit `targetTokens`. The first guess comes from the text's own characters
 * per token, then a bounded search on exact counts, so a 400,000-character text costs a few counts
 * of the kept part, never one of the whole. Deterministic. When even the marker does not fit, the
 * marker alone is returned (it may then pass the target: a dependency is never dropped).
 */
export function trimText(text: string, options: TrimTextOptions): TextPiece {
  const { targetTokens, sourceTokens, label, count } = options;
  if (sourceTokens <= targetTokens) return { text, tokens: sourceTokens };
  const build = (keepChars: number): string => buildTrimmed(text, keepChars, sourceTokens, label);
  const markerTokens = count(trimMarker(label, text.length, sourceTokens));
  const textBudget = targetTokens - markerTokens;
  let best: TextPiece | undefined;
  if (textBudget > 0) {
    const closeEnough = Math.max(CLOSE_ENOUGH_TOKENS, Math.floor(targetTokens / 100));
    let fits = 0;
    let tooMany = text.length;
    let guess = Math.min(text.length - 1, Math.floor((textBudget * text.length) / sourceTokens));
    for (let step = 0; step < MAX_SEARCH_STEPS && guess > fits && guess < tooMany; step++) {
      const candidate = build(guess);
      const tokens = count(candidate);
      if (tokens <= targetTokens) {
        fits = guess;
        best = { text: candidate, tokens };
        if (targetTokens - tokens <= closeEnough) break;
      } else {
        tooMany = guess;
      }
      // Scale by how far off the kept part was; stay strictly inside the bracket, else bisect.
      const keptTokens = Math.max(1, tokens - markerTokens);
      const scaled = Math.floor(guess * (textBudget / keptTokens) * (tokens > targetTokens ? 0.99 : 1));
      guess = scaled > fits && scaled < tooMany && scaled !== guess ? scaled : Math.floor((fits + tooMany) / 2);
    }
  }
  if (best !== undefined) return best;
  const markerOnly = build(0);
  return { text: markerOnly, tokens: count(markerOnly) };
}

function buildTrimmed(text: string, keepChars: number, sourceTokens: number, label: string): string {
  const headEnd = snapHeadEnd(text, Math.ceil(keepChars / 2));
  const tailStart = Math.max(headEnd, snapTailStart(text, text.length - Math.floor(keepChars / 2)));
  const cutChars = tailStart - headEnd;
  const marker = trimMarker(label, cutChars, Math.round((sourceTokens * cutChars) / text.length));
  const head = text.slice(0, headEnd);
  const tail = text.slice(tailStart);
  return `${head}${head === '' ? '' : '\n\n'}${marker}${tail === '' ? '' : '\n\n'}${tail}`;
}

/** Where the head ends: before a nearby line break, never inside a surrogate pair. */
function snapHeadEnd(text: string, end: number): number {
  if (end <= 0) return 0;
  const lineBreak = text.lastIndexOf('\n', end - 1);
  let snapped = lineBreak >= 0 && end - lineBreak <= SNAP_CHARS ? lineBreak : end;
  if (snapped > 0 && isHighSurrogate(text.charCodeAt(snapped - 1))) snapped--;
  return snapped;
}

/** Where the tail starts: after a nearby line break, never inside a surrogate pair. */
function snapTailStart(text: string, start: number): number {
  if (start >= text.length) return text.length;
  const lineBreak = text.indexOf('\n', start);
  let snapped = lineBreak >= 0 && lineBreak - start <= SNAP_CHARS ? lineBreak + 1 : start;
  if (snapped < text.length && isLowSurrogate(text.charCodeAt(snapped))) snapped++;
  return snapped;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

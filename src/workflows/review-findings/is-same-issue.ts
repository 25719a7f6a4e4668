import type { ReviewFinding } from './schema.js';

/** Lines two findings may lie apart and still be about the same code (a reviewer cites the call, another the line above). */
export const LINE_SLACK = 3;
/** Dice coefficient of two titles' words from which they name the same problem. */
export const TITLE_SIMILARITY = 0.5;

// Words that carry no meaning in a finding's title.
const STOP_WORDS = new Set(
  'a an the in on of to for is are was were be been being and or with without this that these those it its at by from as into onto via when which who should could would may might can will do does not also there here than then so such'.split(
    ' ',
  ),
);

/**
 * Whether two findings report the same issue, the rule the consolidator merges by:
 * - approvals merge only with approvals, and problems (critical, warning, suggestion) only with
 *   problems, whatever their severity: praise and a complaint about the same lines stay apart;
 * - the same place: the same file (equal after normalising, or one path ending with the other,
 *   as `/repo/src/a.ts` and `src/a.ts`) with line ranges that overlap or lie within
 *   {@link LINE_SLACK} lines (either without a line: the file suffices), or both without a file;
 * - similar titles: the titles' words (lower case, accents and punctuation dropped, stop words
 *   removed, plural `s` trimmed) are equal, or their Dice coefficient is at least
 *   {@link TITLE_SIMILARITY}, or every word of the shorter title (two words or more) is in the longer.
 */
export function isSameIssue(left: ReviewFinding, right: ReviewFinding): boolean {
  if ((left.severity === 'approval') !== (right.severity === 'approval')) return false;
  if (!isSamePlace(left, right)) return false;
  return areSimilarTitles(left.title, right.title);
}

function isSamePlace(left: ReviewFinding, right: ReviewFinding): boolean {
  if (left.file === undefined || right.file === undefined) return left.file === right.file;
  if (!isSameFile(left.file, right.file)) return false;
  if (left.line === undefined || right.line === undefined) return true;
  const leftEnd = left.endLine ?? left.line;
  const rightEnd = right.endLine ?? right.line;
  return left.line <= rightEnd + LINE_SLACK && right.line <= leftEnd + LINE_SLACK;
}

/** Whether two cited paths name the same file: equal once normalised, or one ends with `/` and the other. */
export function isSameFile(left: string, right: string): boolean {
  const a = normalizePath(left);
  const b = normalizePath(right);
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

/** A cited path in one spelling: forward slashes, no `./`, no quotes or backticks. */
export function normalizePath(path: string): string {
  return path
    .trim()
    .replace(/^[`'"]+|[`'"]+$/g, '')
    .replace(/\\/g, '/')
    .replace(/^(?:\.\/)+/, '');
}

function areSimilarTitles(left: string, right: string): boolean {
  const a = titleWords(left);
  const b = titleWords(right);
  if (a.size === 0 || b.size === 0) return normalizeText(left) === normalizeText(right);
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  if (shared === a.size && shared === b.size) return true;
  if ((2 * shared) / (a.size + b.size) >= TITLE_SIMILARITY) return true;
  const shorter = Math.min(a.size, b.size);
  return shorter >= 2 && shared === shorter;
}

/** The meaningful words of a title, each in one form. */
export function titleWords(title: string): Set<string> {
  return new Set(
    normalizeText(title)
      .split(' ')
      .filter((word) => word !== '' && !STOP_WORDS.has(word))
      .map(toSingular),
  );
}

function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** `queries` → `query`, `indexes` → `index`, `checks` → `check`; short words and `ss` endings stay. */
function toSingular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(?:x|ch|sh|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

import picomatch from 'picomatch';

// Lease patterns are workspace-relative POSIX globs. A literal (no glob characters) names a file or
// a folder: it covers itself and everything under it, so `src` and `src/` both lease `src/**`.

const MATCH_OPTIONS = { dot: true } as const;

interface ParsedPattern {
  /** The pattern without `./` and with a trailing `/` turned into `/**`. */
  readonly pattern: string;
  readonly isLiteral: boolean;
  /** The segments before the first glob character (`src/a` of `src/a/*.ts`); '' when it starts with one. */
  readonly base: string;
  /** Negations, braces and extglobs can span segments: only the conservative answer is safe for them. */
  readonly isComplex: boolean;
}

/**
 * Whether a workspace-relative POSIX path is covered by a lease pattern: a glob matches as picomatch
 * does (dotfiles included); a literal covers itself and, as a folder, everything under it.
 */
export function matchesGlob(path: string, pattern: string): boolean {
  const target = normalizePath(path);
  const parsed = parsePattern(pattern);
  if (parsed.isLiteral) return isSameOrUnder(target, parsed.pattern);
  return picomatch(parsed.pattern, MATCH_OPTIONS)(target);
}

/**
 * Whether two lease patterns may cover a common path. Conservative: true unless they surely do not.
 * Two literals overlap when equal or one is a folder of the other; a literal and a glob overlap when
 * the glob matches the literal or something under it; two globs overlap when their literal bases
 * are equal or one lies under the other.
 */
export function globsOverlap(a: string, b: string): boolean {
  const left = parsePattern(a);
  const right = parsePattern(b);
  if (left.isLiteral && right.isLiteral) return isSameOrUnder(left.pattern, right.pattern) || isSameOrUnder(right.pattern, left.pattern);
  if (left.isLiteral) return literalMeetsGlob(left.pattern, right);
  if (right.isLiteral) return literalMeetsGlob(right.pattern, left);
  return areBasesRelated(left.base, right.base);
}

function literalMeetsGlob(literal: string, glob: ParsedPattern): boolean {
  if (glob.isComplex) return areBasesRelated(literal, glob.base);
  if (picomatch(glob.pattern, MATCH_OPTIONS)(literal)) return true;
  return mayMatchUnder(glob.pattern.split('/'), literal.split('/'));
}

/** Whether a glob (split in segments) may match a path strictly under the folder `folder`. */
function mayMatchUnder(globSegments: readonly string[], folder: readonly string[]): boolean {
  for (const [index, segment] of folder.entries()) {
    const globSegment = globSegments[index];
    // The glob ended above the folder: it can only name the folder itself, tested directly.
    if (globSegment === undefined) return false;
    if (globSegment.includes('**')) return true;
    if (!picomatch(globSegment, MATCH_OPTIONS)(segment)) return false;
  }
  // Every folder segment matched and the glob goes deeper.
  return globSegments.length > folder.length;
}

function parsePattern(raw: string): ParsedPattern {
  let pattern = normalizePath(raw);
  if (pattern.endsWith('/')) pattern = `${pattern}**`;
  if (pattern === '') pattern = '**';
  const scan = picomatch.scan(pattern);
  return {
    pattern,
    isLiteral: !scan.isGlob,
    // A negation covers nearly everything: relate it to every base.
    base: scan.negated ? '' : scan.isGlob ? scan.base : pattern,
    isComplex: scan.negated || scan.isBrace || scan.isExtglob,
  };
}

function normalizePath(path: string): string {
  let normalized = path.replace(/\/{2,}/g, '/');
  while (normalized.startsWith('./')) normalized = normalized.slice(2);
  return normalized === '.' ? '' : normalized;
}

function isSameOrUnder(path: string, folder: string): boolean {
  if (folder === '') return true;
  return path === folder || path.startsWith(`${folder}/`);
}

/** Two literal bases are related when one is the other or a folder of it; '' (a glob from the root) relates to all. */
function areBasesRelated(left: string, right: string): boolean {
  return isSameOrUnder(left, right) || isSameOrUnder(right, left);
}

/** A file (and lines) a reviewer cited: `src/a.ts:42`, `a.ts:42-48`, `a.ts line 42`, `src/a.ts#L3`. */
export interface FileReference {
  readonly file: string;
  readonly line?: number;
  readonly endLine?: number;
  /** Where the citation stands in the text searched (start inclusive, end exclusive). */
  readonly start: number;
  readonly end: number;
}

// A path segment: letters, digits and the punctuation file names use (no spaces, quotes or colons).
// Bounded, as are the folders, so a long unbroken token (base64, minified code) costs linear time.
const SEGMENT = String.raw`[\w@~+-][\w@~+.-]{0,127}`;
// `dir/name.ext`, `name.ext` or `dir/name`: a dot with a letter-led extension, or at least one slash.
const PATH = String.raw`(?:(?:\.{1,2}/)?(?:${SEGMENT}/){0,32}${SEGMENT}\.[A-Za-z][A-Za-z0-9]{0,9}|(?:\.{1,2}/)?(?:${SEGMENT}/){1,32}${SEGMENT})`;
const RANGE_DASH = String.raw`\s*(?:-|–|—|to)\s*`;
// Lines after the path: `:42`, `:42-48`, `:42:7` (column), `#L42-L48`, ` line 42`, `, lines 42–48`, ` (line 42)`, ` L42`.
const LINES = String.raw`(?::(\d+)(?:${RANGE_DASH}(\d+))?(?::\d+)?|#L(\d+)(?:-L?(\d+))?|[\`'"]?\s*[,(]?\s*(?:(?:at|on|in)\s+)?(?:lines?|ln|L)\.?\s*(\d+)(?:${RANGE_DASH}(?:L)?(\d+))?)`;
// Case-insensitive for `Line 42` and `l42`; paths keep their case as written.
const REFERENCE = new RegExp(String.raw`(\`?)(${PATH})(?:${LINES})?`, 'gi');

/**
 * Every file reference in `text`, in order. A reference without a line must contain a slash or
 * stand in backticks, so prose such as "Node.js" or "e.g." is not taken for a file; URLs are skipped.
 */
export function findFileReferences(text: string): FileReference[] {
  const references: FileReference[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const [whole, backtick, path] = match;
    if (path === undefined || whole === undefined) continue;
    const start = match.index;
    const before = text.slice(Math.max(0, start - 3), start);
    if (before.endsWith('://') || /[\w/.@-]$/.test(before)) continue;
    const line = toLineNumber(match[3] ?? match[5] ?? match[7]);
    const endLine = toLineNumber(match[4] ?? match[6] ?? match[8]);
    const isQuoted = backtick === '`' && text[start + whole.length] === '`';
    if (line === undefined && !path.includes('/') && !isQuoted) continue;
    if (path.includes('://') || /^\d+(\.\d+)+$/.test(path)) continue;
    const file = path.replace(/^\.\//, '');
    references.push({
      file,
      ...(line === undefined ? {} : { line }),
      ...(line !== undefined && endLine !== undefined && endLine > line ? { endLine } : {}),
      start,
      end: start + whole.length,
    });
  }
  return references;
}

/** The reference a finding is about: the first that names a line, else the first; undefined when none. */
export function findFileReference(text: string): FileReference | undefined {
  const references = findFileReferences(text);
  return references.find((reference) => reference.line !== undefined) ?? references[0];
}

function toLineNumber(digits: string | undefined): number | undefined {
  if (digits === undefined) return undefined;
  const value = Number(digits);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

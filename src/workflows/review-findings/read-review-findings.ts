import { findFileReference } from './find-file-reference.js';
import type { ReviewFinding, ReviewSeverity } from './schema.js';
import { toSeverity } from './to-severity.js';

/** What a tolerant reading found, and what it could not take (one line each, naming the item). */
export interface FindingsReading {
  readonly findings: ReviewFinding[];
  readonly problems: string[];
}

// Other names reviewers and tools give the list and the fields; the schema's own names come first.
const LIST_KEYS = ['findings', 'issues', 'comments', 'results', 'items'] as const;
const SEVERITY_KEYS = ['severity', 'level', 'priority', 'type', 'kind'] as const;
const TITLE_KEYS = ['title', 'summary', 'issue', 'problem', 'name', 'headline'] as const;
const DETAIL_KEYS = ['detail', 'details', 'description', 'explanation', 'body', 'message', 'rationale', 'reason'] as const;
const RECOMMENDATION_KEYS = ['recommendation', 'fix', 'suggestedFix', 'suggested_fix', 'remedy', 'solution', 'remediation', 'suggestion'] as const;
const FILE_KEYS = ['file', 'path', 'filename', 'filePath', 'file_path', 'location'] as const;
const LINE_KEYS = ['line', 'startLine', 'start_line', 'lines', 'lineNumber', 'line_number'] as const;
const END_LINE_KEYS = ['endLine', 'end_line', 'lineEnd', 'line_end'] as const;
const CATEGORY_KEYS = ['category', 'aspect', 'area', 'topic'] as const;

/** Longest title kept; longer ones are cut at a word boundary. */
const MAX_TITLE_CHARS = 160;

/**
 * Reads review findings from a parsed JSON value, tolerating the shapes models and tools write:
 * `{findings: [...]}` (or `issues`, `comments`, …), a bare array of findings, one finding, or
 * groups keyed by severity (`{critical: [...], warnings: [...]}`); field synonyms (`fix` for
 * `recommendation`, `path` for `file`, `"42-48"` for a line range), null for absent. Items it
 * cannot take are left out and named in `problems`. Undefined when the value holds no findings.
 */
export function readReviewFindings(value: unknown): FindingsReading | undefined {
  const reading: FindingsReading = { findings: [], problems: [] };
  if (Array.isArray(value)) {
    if (!value.some(isFindingLike)) return undefined;
    readItems(value, 'findings', undefined, reading);
    return reading;
  }
  if (!isRecord(value)) return undefined;
  const listKey = LIST_KEYS.find((key) => Array.isArray(value[key]));
  if (listKey !== undefined) {
    readItems(value[listKey] as unknown[], listKey, undefined, reading);
  } else if (isFindingLike(value)) {
    readItems([value], 'finding', undefined, reading);
  } else {
    const groups = Object.entries(value).filter(([key, items]) => Array.isArray(items) && toSeverity(key) !== undefined);
    if (groups.length === 0) return undefined;
    for (const [key, items] of groups) readItems(items as unknown[], key, toSeverity(key), reading);
  }
  // Our own output carries what its tolerant reading could not take: keep it with the findings.
  if (Array.isArray(value.problems)) for (const problem of value.problems) if (typeof problem === 'string' && problem.trim() !== '') reading.problems.push(problem.trim());
  return reading;
}

function readItems(items: readonly unknown[], path: string, groupSeverity: ReviewSeverity | undefined, reading: FindingsReading): void {
  items.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    if (typeof item === 'string' && groupSeverity !== undefined && item.trim() !== '') {
      reading.findings.push(fromText(groupSeverity, item.trim()));
      return;
    }
    if (!isRecord(item)) {
      reading.problems.push(`${itemPath}: expected an object, got ${describe(item)}`);
      return;
    }
    const finding = readItem(item, itemPath, groupSeverity, reading.problems);
    if (finding !== undefined) reading.findings.push(finding);
  });
}

function readItem(item: Readonly<Record<string, unknown>>, path: string, groupSeverity: ReviewSeverity | undefined, problems: string[]): ReviewFinding | undefined {
  const severityValue = pickString(item, SEVERITY_KEYS);
  const severity = severityValue === undefined ? groupSeverity : toSeverity(severityValue);
  if (severity === undefined) {
    problems.push(severityValue === undefined ? `${path}: no severity` : `${path}: unknown severity ${JSON.stringify(severityValue)} (expected critical, warning, suggestion or approval)`);
    return undefined;
  }
  const givenTitle = pickString(item, TITLE_KEYS);
  const givenDetail = pickString(item, DETAIL_KEYS);
  if (givenTitle === undefined && givenDetail === undefined) {
    problems.push(`${path}: no title or detail`);
    return undefined;
  }
  const location = readLocation(item, path, problems);
  const recommendation = pickString(item, RECOMMENDATION_KEYS);
  const category = pickString(item, CATEGORY_KEYS);
  return {
    severity,
    title: shortenTitle(givenTitle ?? firstSentence(givenDetail!)),
    ...location,
    detail: givenDetail ?? givenTitle!,
    ...(recommendation === undefined ? {} : { recommendation }),
    ...(category === undefined ? {} : { category }),
  };
}

/** `file`, `line` and `endLine` from their synonyms, a `"src/a.ts:42"` location, or a `"42-48"` range. */
function readLocation(item: Readonly<Record<string, unknown>>, path: string, problems: string[]): Pick<ReviewFinding, 'file' | 'line' | 'endLine'> {
  const fileValue = pickString(item, FILE_KEYS);
  const cited = fileValue === undefined ? undefined : findFileReference(/[\s`]/.test(fileValue) ? fileValue : `\`${fileValue}\``);
  const file = cited?.file ?? fileValue?.replace(/^\.\//, '');
  let line = cited?.line;
  let endLine = cited?.endLine;
  const lineKey = LINE_KEYS.find((key) => item[key] !== undefined && item[key] !== null);
  if (lineKey !== undefined) {
    const range = readLineRange(item[lineKey]);
    if (range === undefined) problems.push(`${path}.${lineKey}: not a line number: ${describe(item[lineKey])}`);
    else ({ line, endLine } = { line: range.line, endLine: range.endLine ?? endLine });
  }
  const endKey = END_LINE_KEYS.find((key) => item[key] !== undefined && item[key] !== null);
  if (endKey !== undefined) {
    const range = readLineRange(item[endKey]);
    if (range === undefined) problems.push(`${path}.${endKey}: not a line number: ${describe(item[endKey])}`);
    else endLine = range.line;
  }
  return {
    ...(file === undefined || file === '' ? {} : { file }),
    ...(line === undefined ? {} : { line }),
    ...(line !== undefined && endLine !== undefined && endLine > line ? { endLine } : {}),
  };
}

/** A line number (`42`, `"42"`), a range (`"42-48"`, `[42, 48]`), or undefined when it is neither. */
function readLineRange(value: unknown): { line: number; endLine?: number } | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? { line: value } : undefined;
  if (Array.isArray(value) && value.length > 0 && value.length <= 2 && value.every((part) => typeof part === 'number')) {
    const [line, endLine] = value as number[];
    if (!Number.isSafeInteger(line) || line! <= 0) return undefined;
    return endLine === undefined || !Number.isSafeInteger(endLine) ? { line: line! } : { line: line!, endLine };
  }
  if (typeof value !== 'string') return undefined;
  const match = /^\s*L?(\d+)\s*(?:(?:-|–|—|to)\s*L?(\d+))?\s*$/i.exec(value);
  if (match === null) return undefined;
  const line = Number(match[1]);
  if (line <= 0) return undefined;
  return match[2] === undefined ? { line } : { line, endLine: Number(match[2]) };
}

/** A finding from a bare string in a severity group (`{"critical": ["src/a.ts:4 SQL injection"]}`). */
function fromText(severity: ReviewSeverity, text: string): ReviewFinding {
  const reference = findFileReference(text);
  const rest = reference === undefined ? text : `${text.slice(0, reference.start)}${text.slice(reference.end)}`.replace(/^[\s:—–-]+/, '').trim();
  return {
    severity,
    title: shortenTitle(firstSentence(rest === '' ? text : rest)),
    ...(reference === undefined ? {} : { file: reference.file }),
    ...(reference?.line === undefined ? {} : { line: reference.line }),
    ...(reference?.endLine === undefined ? {} : { endLine: reference.endLine }),
    detail: text,
  };
}

function pickString(item: Readonly<Record<string, unknown>>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = item[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

function isFindingLike(value: unknown): boolean {
  return isRecord(value) && SEVERITY_KEYS.some((key) => typeof value[key] === 'string') && [...TITLE_KEYS, ...DETAIL_KEYS].some((key) => typeof value[key] === 'string');
}

/** The first sentence of a text, for a title when none was given. */
export function firstSentence(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  const match = /^(.+?[.!?])(?:\s|$)/.exec(line);
  return (match?.[1] ?? line).trim();
}

/** A title of at most {@link MAX_TITLE_CHARS} characters, cut at a word boundary. */
export function shortenTitle(title: string): string {
  const flat = title.replace(/\s+/g, ' ').trim();
  if (flat.length <= MAX_TITLE_CHARS) return flat;
  const cut = flat.slice(0, MAX_TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_TITLE_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? 'an object' : String(value);
}

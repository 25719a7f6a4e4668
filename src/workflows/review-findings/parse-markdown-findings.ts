import { findFileReference } from './find-file-reference.js';
import { firstSentence, shortenTitle } from './read-review-findings.js';
import type { ReviewFinding, ReviewSeverity } from './schema.js';
import { toSectionSeverity } from './to-severity.js';

/** What the Markdown conventions gave. */
export interface MarkdownReading {
  readonly findings: ReviewFinding[];
  /** The text says there is nothing to report ("No issues found."): an empty review, not an unreadable one. */
  readonly isEmptyReview: boolean;
}

/** One finding being collected: its first line, then the lines that belong to it. */
interface Draft {
  readonly severity: ReviewSeverity | undefined;
  readonly kind: 'bullet' | 'heading';
  /** Indentation of a bullet; continuation lines are indented deeper. */
  readonly indent: number;
  readonly head: string;
  readonly body: string[];
}

const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
/** A line that is all bold (`**Critical issues**`): a heading below every `#` level. */
const BOLD_LINE = /^\s{0,3}(?:\*\*|__)([^*_].*?)(?:\*\*|__)\s*:?\s*$/;
/** A severity alone with a colon (`Critical:`): a heading too. */
const LABEL_LINE = /^\s{0,3}([A-Za-z][A-Za-z' -]{0,30}):\s*$/;
const BULLET = /^(\s*)(?:[-*+•]|\d{1,3}[.)])\s+(.*)$/;
const PSEUDO_HEADING_LEVEL = 7;
// Emoji reviewers put before a finding instead of a word.
const EMOJI_SEVERITY: Readonly<Record<string, ReviewSeverity>> = {
  '🔴': 'critical',
  '🛑': 'critical',
  '❌': 'critical',
  '🚨': 'critical',
  '🟠': 'warning',
  '🟡': 'warning',
  '⚠': 'warning',
  '🔵': 'suggestion',
  '💡': 'suggestion',
  '✅': 'approval',
  '👍': 'approval',
  '🟢': 'approval',
};
const LEADING_SYMBOLS = /^[\p{Extended_Pictographic}\p{So}\uFE0F\u200D\s]+/u;
const KEY_LINE = /^(?:\*\*|__)?\s*([A-Za-z][A-Za-z ]{1,20}?)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$/;
const RECOMMENDATION_KEYS = new Set(['fix', 'recommendation', 'suggested fix', 'suggestion', 'remedy', 'solution', 'remediation', 'how to fix', 'proposed fix']);
const LOCATION_KEYS = new Set(['file', 'location', 'where', 'path', 'lines', 'line']);
const APPROVAL_LINE = /^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?[ \t]*(?:verdict[ \t]*:?[ \t]*)?(?:\*\*|__)?[ \t]*(lgtm|looks good(?: to me)?|approved?|ship it)\b.*$/im;
const EMPTY_REVIEW = /\bno (?:issues|findings|problems|concerns|remarks)\b(?: (?:were |was )?(?:found|identified|to report|detected))?|\bnothing to (?:report|flag)\b/i;

/**
 * Reads findings from the Markdown reviewers write without being asked for a format:
 * - group headings (`## Critical`, `### Warnings (2)`, `**Suggestions**`, `Approvals:`) give the
 *   severity of the bullets and sub-headings under them, until a heading of the same or a higher
 *   level that names no severity (`## Coverage`);
 * - a label at the start of a bullet or heading wins over its group: `- **Critical**: …`,
 *   `- [warning] …`, `- Nit — …`, `- 🔴 …`, or `(critical)` at its end, or `Severity: high` in it;
 * - a finding's lines: its bullet, deeper-indented lines and sub-bullets (or the paragraphs under
 *   a finding heading); `Fix:` / `Recommendation:` lines become the recommendation, `File:` lines
 *   and `path/to/file.ts:42` or `file.ts line 42` anywhere in it the location;
 * - with no finding at all, an `LGTM` / `Approve` line is one approval, and "No issues found" an
 *   empty review.
 * Bullets outside any group and without a label are prose, not findings.
 */
export function parseMarkdownFindings(text: string): MarkdownReading {
  const findings: ReviewFinding[] = [];
  let section: { severity: ReviewSeverity | undefined; level: number } = { severity: undefined, level: 0 };
  let draft: Draft | undefined;
  const close = (): void => {
    if (draft?.severity !== undefined) {
      const finding = toFinding(draft.severity, draft.head, draft.body);
      if (finding !== undefined) findings.push(finding);
    }
    draft = undefined;
  };
  let previousBlank = false;
  for (const line of text.split('\n')) {
    const heading = readHeading(line);
    if (heading !== undefined) {
      close();
      const sectionSeverity = toSectionSeverity(stripSymbols(heading.text));
      const labelled = readLabel(heading.text);
      if (sectionSeverity !== undefined) section = { severity: sectionSeverity, level: heading.level };
      else if (labelled !== undefined && labelled.rest !== '') draft = { severity: labelled.severity, kind: 'heading', indent: 0, head: labelled.rest, body: [] };
      else if (section.severity !== undefined && heading.level > section.level) {
        // `### 1. SQL injection` under `## Critical`: the number is the reviewer's, not the title's.
        draft = { severity: section.severity, kind: 'heading', indent: 0, head: heading.text.replace(/^\d{1,3}[.)]\s+/, ''), body: [] };
      }
      else section = { severity: undefined, level: heading.level };
      previousBlank = false;
      continue;
    }
    const bullet = BULLET.exec(line);
    if (bullet !== null) {
      const indent = bullet[1]!.length;
      const content = bullet[2]!.trim();
      const labelled = readLabel(content);
      // A sub-bullet without its own label belongs to the finding above it (its fix, its file).
      if (draft !== undefined && labelled === undefined && (draft.kind === 'heading' || indent > draft.indent)) {
        draft.body.push(content);
      } else {
        close();
        const severity = labelled?.severity ?? section.severity;
        if (severity !== undefined) draft = { severity, kind: 'bullet', indent, head: labelled?.rest ?? content, body: [] };
      }
      previousBlank = false;
      continue;
    }
    if (line.trim() === '') {
      previousBlank = true;
      continue;
    }
    if (draft !== undefined) {
      // A bullet's lazy continuation, or its indented paragraph; a heading finding takes every paragraph.
      const isIndented = /^\s{2,}/.test(line);
      if (draft.kind === 'heading' || isIndented || !previousBlank) draft.body.push(line.trim());
      else close();
    }
    previousBlank = false;
  }
  close();
  if (findings.length === 0) {
    const approval = APPROVAL_LINE.exec(text);
    if (approval !== null) {
      const title = cleanInline(approval[0].replace(/^\s*[-*+]\s+/, ''));
      return { findings: [{ severity: 'approval', title: shortenTitle(firstSentence(title)), detail: title }], isEmptyReview: false };
    }
  }
  return { findings, isEmptyReview: findings.length === 0 && EMPTY_REVIEW.test(text) };
}

function readHeading(line: string): { level: number; text: string } | undefined {
  const heading = HEADING.exec(line);
  if (heading !== null) return { level: heading[1]!.length, text: heading[2]!.trim() };
  const bold = BOLD_LINE.exec(line);
  if (bold !== null) return { level: PSEUDO_HEADING_LEVEL, text: bold[1]!.replace(/:$/, '').trim() };
  const label = LABEL_LINE.exec(line);
  if (label !== null && toSectionSeverity(label[1]!) !== undefined) return { level: PSEUDO_HEADING_LEVEL, text: label[1]!.trim() };
  return undefined;
}

/**
 * The severity label a bullet or heading starts (or ends) with, and the text after it:
 * `**Critical**: x`, `[warning] x`, `Nit — x`, `🔴 x`, `x (critical)`, `x. Severity: high`.
 */
function readLabel(text: string): { severity: ReviewSeverity; rest: string } | undefined {
  const symbols = LEADING_SYMBOLS.exec(text)?.[0] ?? '';
  const body = text.slice(symbols.length);
  const leading =
    /^(?:\*\*|__)\s*([^*_]{1,30}?)\s*:?\s*(?:\*\*|__)\s*(?:[:—–-]\s*)?([\s\S]*)$/.exec(body) ??
    /^[[(]\s*([^\])]{1,30}?)\s*[\])]\s*(?:[:—–-]\s*)?([\s\S]*)$/.exec(body) ??
    /^([A-Za-z][A-Za-z' ]{0,30}?)\s*(?::|\s[—–-])\s*([\s\S]*)$/.exec(body);
  if (leading !== null) {
    const severity = toSectionSeverity(leading[1]!);
    if (severity !== undefined) return { severity, rest: leading[2]!.trim() };
  }
  for (const symbol of symbols) {
    const severity = EMOJI_SEVERITY[symbol];
    if (severity !== undefined) return { severity, rest: body.trim() };
  }
  const trailing = /^([\s\S]+?)\s*[[(]\s*(?:severity\s*:\s*)?([A-Za-z][A-Za-z -]{0,20}?)\s*[\])]\s*\.?$/i.exec(body);
  if (trailing !== null) {
    const severity = toSectionSeverity(trailing[2]!);
    if (severity !== undefined) return { severity, rest: trailing[1]!.trim() };
  }
  const stated = /\bseverity\s*(?:\*\*|__)?\s*[:=]\s*(?:\*\*|__)?\s*([A-Za-z-]+)/i.exec(body);
  if (stated !== null) {
    const severity = toSectionSeverity(stated[1]!);
    if (severity !== undefined) return { severity, rest: body.replace(stated[0], '').replace(/[\s.;,—–-]+$/, '').trim() };
  }
  return undefined;
}

/** Builds a finding from its first line and the lines under it; undefined when there is no text. */
function toFinding(severity: ReviewSeverity, head: string, body: readonly string[]): ReviewFinding | undefined {
  const recommendations: string[] = [];
  const detailLines: string[] = [];
  let location = findFileReference(head);
  let category: string | undefined;
  // `problem — fix: …` on one line: the fix part is the recommendation.
  const [headText, ...headParts] = head.split(/\s+(?:—|–|--)\s+(?=(?:\*\*|__)?(?:fix|recommendation|suggested fix|remedy|solution)\s*(?:\*\*|__)?\s*:)/i);
  for (const part of headParts) recommendations.push(stripKey(part));
  for (const line of body) {
    const key = KEY_LINE.exec(line);
    const name = key?.[1]?.toLowerCase().trim();
    if (key !== null && name !== undefined && RECOMMENDATION_KEYS.has(name)) recommendations.push(cleanInline(key[2]!));
    else if (key !== null && name !== undefined && LOCATION_KEYS.has(name)) location ??= findFileReference(`\`${key[2]!.replace(/`/g, '').trim()}\``) ?? findFileReference(key[2]!);
    else if (key !== null && name === 'category') category = cleanInline(key[2]!) || undefined;
    else if (key !== null && name === 'severity') continue;
    else detailLines.push(line);
  }
  location ??= findFileReference(body.join('\n'));
  let title = headText ?? '';
  // A location that opens the line (`src/a.ts:42 — SQL injection`) is not part of the title.
  const headLocation = findFileReference(title);
  if (headLocation !== undefined && title.slice(0, headLocation.start).replace(/[`*_\s([]/g, '') === '') {
    title = title.slice(headLocation.end).replace(/^[`*_\s)\]]*(?:[:—–-]+\s*)?/, '');
  }
  title = cleanInline(title);
  const detail = cleanInline([headText ?? '', ...detailLines].join('\n').trim());
  if (title === '') title = firstSentence(detail);
  if (title === '') return undefined;
  const recommendation = recommendations.filter((text) => text !== '').join(' ');
  return {
    severity,
    title: shortenTitle(firstSentence(title)),
    ...(location === undefined ? {} : { file: location.file }),
    ...(location?.line === undefined ? {} : { line: location.line }),
    ...(location?.endLine === undefined ? {} : { endLine: location.endLine }),
    detail: detail === '' ? title : detail,
    ...(recommendation === '' ? {} : { recommendation }),
    ...(category === undefined ? {} : { category }),
  };
}

function stripKey(text: string): string {
  return cleanInline(text.replace(/^(?:\*\*|__)?\s*[A-Za-z ]+?\s*(?:\*\*|__)?\s*:\s*/, ''));
}

function stripSymbols(text: string): string {
  return text.replace(LEADING_SYMBOLS, '');
}

/** Text without Markdown emphasis markers, for titles and details. */
function cleanInline(text: string): string {
  return text
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

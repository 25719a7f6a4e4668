import type { SourceLines, TextPiece } from './source-memo.js';

export interface SummariseTextOptions {
  /** The most tokens the summary, header included, may have. */
  readonly budgetTokens: number;
  /** Tokens of the whole text. */
  readonly sourceTokens: number;
  /** What the header calls the text: `the output of task design (solutions-architect)`. */
  readonly label: string;
  readonly count: (text: string) => number;
}

/** Why a line is worth keeping, most important first. */
const PRIORITY = { heading: 0, keyLine: 1, sectionOpening: 2, fileName: 3, codeDeclaration: 4 } as const;

const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^\s{0,3}#{1,6}\s+\S/;
// Decisions, obligations, risks and outcomes: what a later task most needs from an earlier one.
const KEY_WORDS =
  /\b(decisions?|decided|must|required|todo|fixme|risks?|warnings?|blocking|breaking|security|vulnerab\w*|fail(s|ed|ing|ures?)?|mismatch(es)?|not (yet )?(working|implemented|run|tested)|verdict|approved?|request changes|assum(e|es|ed|ptions?)|open questions?)\b/i;
// A file name with an extension, optionally with a folder path or a `:line` suffix.
const FILE_NAME =
  /(^|[\s`'"([])(\.{0,2}\/)?[\w@.-]+(\/[\w@.-]+)*\.(ts|tsx|js|jsx|mjs|cjs|json|ya?ml|toml|md|py|go|rs|java|kt|rb|php|cs|sql|prisma|css|scss|html|sh|env|graphql|proto|tf)\b|\b(Dockerfile|Makefile)\b/;
// Declarations inside code blocks: the outline of a listing (exports, functions, classes, tables, routes, test names).
const CODE_DECLARATION =
  /^\s*(export\s|(async\s+)?function\s|class\s|interface\s|def\s|func\s|(pub\s+)?fn\s|create\s+(table|index|unique)|(app|router|server)\.(get|post|put|patch|delete|use)\(|(describe|it|test)\()/i;
// Kept lines longer than this are cut at the end of their first sentence: a summary line, not a paragraph.
const LONG_LINE_CHARS = 240;
// Fewer chosen lines than this is no summary (unstructured text): the caller trims instead.
const MIN_SUMMARY_LINES = 3;
const MAX_FIT_STEPS = 6;

interface LineChoice {
  readonly index: number;
  readonly priority: number;
  readonly text: string;
  readonly tokens: number;
}

/** The label line that opens every summary, so no reader takes it for the text itself. */
export function summaryHeader(label: string, sourceTokens: number): string {
  return `[Summary by ensemble of ${label} (${sourceTokens.toLocaleString('en-US')} tokens whole): its headings, the first line of each section and the lines naming decisions, risks, failures or files, in their order; the rest is left out]`;
}

/**
 * An extractive summary: the header, then the chosen lines in their original order. Lines are
 * chosen by kind (headings, then lines with key words, section openings, file names, declarations
 * in code blocks), and within a kind in order, while they fit the budget; code fences are left
 * out so a partial listing cannot leave the Markdown open. Deterministic. Undefined when the text
 * has too little structure for a summary (the caller trims it instead) or the budget cannot hold one.
 */
export function summariseText(source: SourceLines, options: SummariseTextOptions): TextPiece | undefined {
  const { budgetTokens, sourceTokens, label, count } = options;
  const header = summaryHeader(label, sourceTokens);
  const available = budgetTokens - count(header);
  if (available <= 0) return undefined;
  const candidates = chooseCandidates(source).sort((left, right) => left.priority - right.priority || left.index - right.index);
  const chosen: LineChoice[] = [];
  let used = 0;
  for (const candidate of candidates) {
    // +1: the line break joining it to the previous line.
    const cost = candidate.tokens + 1;
    if (used + cost > available) continue;
    chosen.push(candidate);
    used += cost;
  }
  for (let step = 0; step < MAX_FIT_STEPS && chosen.length >= MIN_SUMMARY_LINES; step++) {
    const text = [header, ...[...chosen].sort((left, right) => left.index - right.index).map((choice) => choice.text)].join('\n');
    const tokens = count(text);
    if (tokens <= budgetTokens) return { text, tokens };
    // Line counts do not add up exactly (joins, first-sentence cuts): drop the least important lines by the overshoot.
    let overshoot = tokens - budgetTokens;
    while (overshoot > 0 && chosen.length > 0) overshoot -= chosen.pop()!.tokens + 1;
  }
  return undefined;
}

function chooseCandidates(source: SourceLines): LineChoice[] {
  const { lines, lineTokens } = source;
  const candidates: LineChoice[] = [];
  let isInCode = false;
  let isAfterHeading = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (FENCE.test(line)) {
      isInCode = !isInCode;
      continue;
    }
    if (line.trim() === '') continue;
    const priority = isInCode ? (CODE_DECLARATION.test(line) ? PRIORITY.codeDeclaration : undefined) : proseLinePriority(line, isAfterHeading);
    if (!isInCode) isAfterHeading = HEADING.test(line);
    if (priority === undefined) continue;
    const text = shorten(line.trimEnd());
    const fullTokens = lineTokens[index]!;
    // A shortened line is estimated in proportion; the exact count of the whole summary settles it.
    const tokens = text.length === line.length ? fullTokens : Math.ceil((fullTokens * text.length) / Math.max(1, line.length));
    candidates.push({ index, priority, text, tokens });
  }
  return candidates;
}

function proseLinePriority(line: string, isAfterHeading: boolean): number | undefined {
  if (HEADING.test(line)) return PRIORITY.heading;
  if (KEY_WORDS.test(line)) return PRIORITY.keyLine;
  if (isAfterHeading) return PRIORITY.sectionOpening;
  if (FILE_NAME.test(line)) return PRIORITY.fileName;
  return undefined;
}

/** A long line cut after its first sentence (or at the limit, marked with an ellipsis). */
function shorten(line: string): string {
  if (line.length <= LONG_LINE_CHARS) return line;
  const sentenceEnd = line.indexOf('. ', 40);
  if (sentenceEnd > 0 && sentenceEnd < LONG_LINE_CHARS) return line.slice(0, sentenceEnd + 1);
  const end = isHighSurrogate(line.charCodeAt(LONG_LINE_CHARS - 1)) ? LONG_LINE_CHARS - 1 : LONG_LINE_CHARS;
  return `${line.slice(0, end)}…`;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

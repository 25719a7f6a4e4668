import { findBalancedEnd, findJsonBlocks } from './find-json-blocks.js';
import type { JsonBlock } from './find-json-blocks.js';
import { parseLenientJson } from './parse-lenient-json.js';
import { parseMarkdownFindings } from './parse-markdown-findings.js';
import { readReviewFindings } from './read-review-findings.js';
import type { FindingsReading } from './read-review-findings.js';
import type { ReviewFinding } from './schema.js';

/** Where a reviewer's findings were read from: JSON, Markdown conventions, or nowhere. */
export type FindingsSource = 'json' | 'markdown' | 'none';

/** A reviewer's output, read. */
export interface ParsedReview {
  readonly findings: readonly ReviewFinding[];
  /** What could not be read, one line each; empty when everything was. */
  readonly problems: readonly string[];
  readonly source: FindingsSource;
}

/** The hint given when nothing in an output could be read. */
const UNREADABLE =
  'no findings could be read: no JSON findings block, and no Markdown findings (severity headings such as "## Critical" or ' +
  '"## Warnings", or bullets labelled "Critical:", "Warning:", "Suggestion:", "LGTM")';

/**
 * Reads a reviewer's findings from its output, whatever it wrote; never throws.
 * 1. JSON: fenced ```json blocks (or unlabelled blocks that start with `{` or `[`); when none
 *    holds findings, bare JSON objects or arrays anywhere in the text. Shapes and field names are
 *    read tolerantly (see `readReviewFindings`); comments and trailing commas are forgiven; a
 *    block cut short still gives the findings whose objects are complete.
 * 2. Else Markdown conventions (see `parseMarkdownFindings`): severity headings, labelled bullets,
 *    `path:line` references, `LGTM`.
 * What could not be read is listed in `problems` (a malformed block, an item without severity,
 * an output with nothing readable), so the report can say which reviewer went unheard.
 */
export function parseReviewFindings(text: string): ParsedReview {
  try {
    return parseOrThrow(text);
  } catch (error) {
    // A defect here must not cost the report: the reviewer is listed as unreadable instead.
    return { findings: [], problems: [`could not read the output: ${error instanceof Error ? error.message : String(error)}`], source: 'none' };
  }
}

function parseOrThrow(text: string): ParsedReview {
  if (text.trim() === '') return { findings: [], problems: ['the output is empty'], source: 'none' };
  const { fenced, bare, prose } = findJsonBlocks(text);
  const problems: string[] = [];
  let readings = fenced.flatMap((block) => readBlock(block, problems));
  if (readings.length === 0) readings = bare.flatMap((block) => readBlock(block, problems));
  if (readings.length > 0) {
    return { findings: readings.flatMap((reading) => reading.findings), problems: [...problems, ...readings.flatMap((reading) => reading.problems)], source: 'json' };
  }
  const markdown = parseMarkdownFindings(prose);
  if (markdown.findings.length > 0 || markdown.isEmptyReview) return { findings: markdown.findings, problems, source: 'markdown' };
  return { findings: [], problems: [...problems, UNREADABLE], source: 'none' };
}

/** The findings of one JSON block; a block that is not JSON gives what its complete objects hold. */
function readBlock(block: JsonBlock, problems: string[]): FindingsReading[] {
  const parsed = parseLenientJson(block.text);
  if (parsed.ok) {
    const reading = readReviewFindings(parsed.value);
    return reading === undefined ? [] : [reading];
  }
  if (block.kind === 'bare') return [];
  const salvaged = salvageObjects(block.text);
  const label = `json block ${block.ordinal}`;
  if (salvaged.findings.length === 0) {
    problems.push(`${label} is not valid JSON (${parsed.message})`);
    return [];
  }
  problems.push(`${label} is not valid JSON (${parsed.message}); read the ${salvaged.findings.length} complete finding object(s) in it`);
  return [salvaged];
}

/** The findings among the complete `{…}` objects of a JSON text that does not parse as a whole (cut short, a stray character). */
function salvageObjects(text: string): FindingsReading {
  const reading: FindingsReading = { findings: [], problems: [] };
  for (let index = text.indexOf('{'); index !== -1; index = text.indexOf('{', index + 1)) {
    const end = findBalancedEnd(text, index);
    if (end === undefined) continue;
    const parsed = parseLenientJson(text.slice(index, end + 1));
    const found = parsed.ok ? readReviewFindings(parsed.value) : undefined;
    if (found === undefined) continue;
    reading.findings.push(...found.findings);
    reading.problems.push(...found.problems);
    index = end;
  }
  return reading;
}

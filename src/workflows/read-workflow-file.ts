import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isCollection, LineCounter, parseDocument, visit } from 'yaml';
import { EnsembleError } from '../core/index.js';

/** File extensions read as workflow files (case-insensitive). */
export const WORKFLOW_FILE_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

// Aliases can multiply a small file into a huge one ("billion laughs"); real workflows need few.
const MAX_ALIAS_COUNT = 100;

// `prompt: {{resource}} API` reads as a YAML flow mapping, and yaml's error does not say so.
const UNQUOTED_PLACEHOLDER_PATTERN = /(?:^|:|-)\s+\{\{/;

/** Whether a path names a workflow file by its extension. */
export function isWorkflowFileName(path: string): boolean {
  return WORKFLOW_FILE_EXTENSIONS.includes(extname(path).toLowerCase());
}

/**
 * Reads a YAML or JSON workflow file into plain data. Syntax errors become INVALID_WORKFLOW
 * errors naming the file, line and column; shape is checked by the caller.
 */
export function readWorkflowFile(absolutePath: string, displayPath: string): unknown {
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnsembleError('INVALID_WORKFLOW', `cannot read workflow file ${displayPath}: ${reason}`, {
      details: { file: absolutePath },
      cause: error,
    });
  }
  // A byte-order mark is invisible in editors but breaks JSON.parse.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  return extname(absolutePath).toLowerCase() === '.json' ? parseJsonText(text, absolutePath, displayPath) : parseYamlText(text, absolutePath, displayPath);
}

function parseYamlText(text: string, absolutePath: string, displayPath: string): unknown {
  const lineCounter = new LineCounter();
  // logLevel 'error': yaml would otherwise print warnings to the process's stderr.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const problems = document.errors.map((error) => ({ offset: error.pos[0], message: error.message }));
  if (problems.length === 0) {
    visit(document, {
      Pair(_, pair) {
        // No workflow field has a mapping or list as its key; this is nearly always `key: {{name}}`.
        if (isCollection(pair.key)) problems.push({ offset: pair.key.range?.[0] ?? 0, message: 'a mapping or list cannot be a key' });
      },
    });
  }
  if (problems.length > 0) {
    const sourceLines = text.split('\n');
    const located = problems.map((problem) => {
      const { line, col } = lineCounter.linePos(problem.offset);
      const hint = UNQUOTED_PLACEHOLDER_PATTERN.test(sourceLines[line - 1] ?? '') ? ' (a value that starts with "{{" must be quoted)' : '';
      return { line, column: col, message: `invalid YAML in ${displayPath} at line ${line}, column ${col}: ${problem.message}${hint}` };
    });
    throw new EnsembleError('INVALID_WORKFLOW', located.map((entry) => entry.message).join('\n'), {
      details: { file: absolutePath, line: located[0]?.line, column: located[0]?.column },
    });
  }
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnsembleError('INVALID_WORKFLOW', `invalid YAML in ${displayPath}: ${reason}`, { details: { file: absolutePath }, cause: error });
  }
}

function parseJsonText(text: string, absolutePath: string, displayPath: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const position = locateJsonError(text, reason);
    const where = position === undefined ? '' : ` at line ${position.line}, column ${position.column}`;
    throw new EnsembleError('INVALID_WORKFLOW', `invalid JSON in ${displayPath}${where}: ${reason}`, {
      details: { file: absolutePath, ...position },
      cause: error,
    });
  }
}

/** V8 names an offset ("at position 42") in JSON errors; editors want a line and column. */
function locateJsonError(text: string, reason: string): { line: number; column: number } | undefined {
  const lineColumn = /line (\d+) column (\d+)/.exec(reason);
  if (lineColumn !== null) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const offsetMatch = /at position (\d+)/.exec(reason);
  const offset = offsetMatch === null ? text.length : Number(offsetMatch[1]);
  // Without a position V8 means the text ended early ("Unexpected end of JSON input").
  if (offsetMatch === null && !/end of JSON/i.test(reason)) return undefined;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

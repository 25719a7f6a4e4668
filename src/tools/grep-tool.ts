import { readFile, stat } from 'node:fs/promises';
import picomatch from 'picomatch';
import { z } from 'zod';
import { EnsembleError } from '../core/index.js';
import { hasNulByte } from './file-kind.js';
import { GREP_FILE_TYPES } from './grep-file-types.js';
import { listWorkspaceFiles, type WorkspaceFile } from './list-workspace-files.js';
import { refusePath, statIfExists, withPathFailures } from './refuse-path.js';
import { toSummaryLine } from './to-summary-line.js';
import { resolveWorkspacePath } from './workspace-path.js';
import type { ToolContext, ToolResult, WorkspaceTool } from './workspace-tool.js';

/** Entries (files, counts or output lines) one Grep returns when the model gives no `head_limit`. */
export const DEFAULT_GREP_HEAD_LIMIT = 250;
/** Characters of one Grep's output, whatever the limit: about 12,000 tokens. */
export const MAX_GREP_OUTPUT_CHARS = 50_000;
/** Characters of a matching line shown in `content` mode (Claude Code runs ripgrep with `--max-columns 500`). */
export const MAX_GREP_LINE_CHARS = 500;
/** Files larger than this are skipped (generated bundles, logs, data), as Read refuses them whole. */
export const MAX_GREP_FILE_BYTES = 10 * 1024 * 1024;
/** Files read at once: enough to hide disk latency without holding many large files in memory. */
const READ_BATCH_SIZE = 16;

const OUTPUT_MODES = ['files_with_matches', 'content', 'count'] as const;
const contextLines = z.number().int().min(0).max(100);

const grepInputSchema = z.object({
  pattern: z.string().min(1).describe('The regular expression to search for (JavaScript syntax, close to ripgrep\'s), such as "log.*Error" or "function\\\\s+\\\\w+"'),
  path: z.string().optional().describe('The file or folder to search, relative to the workspace (default: the workspace)'),
  glob: z.string().optional().describe('Only search files matching this glob, such as "*.js" or "src/**/*.{ts,tsx}"'),
  type: z.string().optional().describe('Only search files of this type, by ripgrep\'s names: js, ts, py, rust, go, java, md, …'),
  output_mode: z.enum(OUTPUT_MODES).optional().describe('"files_with_matches" (default): the files, newest first; "content": the matching lines; "count": matching lines per file'),
  '-i': z.boolean().optional().describe('Case-insensitive search'),
  '-n': z.boolean().optional().describe('Show line numbers (content mode; default true)'),
  '-A': contextLines.optional().describe('Lines to show after each match (content mode)'),
  '-B': contextLines.optional().describe('Lines to show before each match (content mode)'),
  '-C': contextLines.optional().describe('Lines to show before and after each match (content mode)'),
  head_limit: z.number().int().min(0).optional().describe(`Return only the first N entries (lines, files or counts); default ${DEFAULT_GREP_HEAD_LIMIT}`),
  offset: z.number().int().min(0).optional().describe('Skip the first N entries (to page with head_limit)'),
  multiline: z.boolean().optional().describe('Let the pattern span lines; "." then matches newlines too'),
});

/** Input of {@link grepTool}, Claude Code's shape. */
export type GrepInput = z.infer<typeof grepInputSchema>;

/** `Grep`: a regular-expression search of the workspace's text files, as Claude Code's ripgrep-based tool. */
export const grepTool: WorkspaceTool<GrepInput> = {
  name: 'Grep',
  permission: 'read',
  description: [
    'Searches the contents of the workspace\'s text files with a regular expression (JavaScript syntax).',
    'Filter files with glob ("*.ts") or type ("py"). output_mode "files_with_matches" (default) lists files newest first; "content" shows matching lines',
    '(with -n line numbers, -A/-B/-C context); "count" gives matching lines per file. .git, node_modules, what .gitignore ignores, binary files and files over 10 MB are skipped.',
    `At most ${DEFAULT_GREP_HEAD_LIMIT} entries unless head_limit says otherwise; page with offset.`,
  ].join(' '),
  inputSchema: grepInputSchema,
  summarize(input) {
    const flags = `${input['-i'] === true ? 'i' : ''}${input.multiline === true ? 's' : ''}`;
    const where = input.path === undefined || input.path === '' ? '' : ` in ${input.path}`;
    const filter = [input.glob, input.type === undefined ? undefined : `type ${input.type}`].filter((part) => part !== undefined).join(', ');
    const mode = input.output_mode === undefined || input.output_mode === 'files_with_matches' ? '' : ` (${input.output_mode})`;
    return toSummaryLine(`/${input.pattern}/${flags}${where}${filter === '' ? '' : ` [${filter}]`}${mode}`);
  },
  execute(input, context) {
    return withPathFailures(input.path ?? '.', 'search', context.signal, () => grepWorkspace(input, context));
  },
};

/** The lines of one file that matched, 0-based, ascending, and its text split in lines (kept only while its content is printed). */
interface FileMatches {
  readonly file: WorkspaceFile;
  readonly lines: readonly string[];
  readonly matchingLines: readonly number[];
}

/** What is kept of a file with matches once it has been searched. */
interface FileMatchCount {
  readonly file: WorkspaceFile;
  readonly matchingLineCount: number;
}

async function grepWorkspace(input: GrepInput, context: ToolContext): Promise<ToolResult> {
  const mode = input.output_mode ?? 'files_with_matches';
  const regex = compilePattern(input);
  const candidates = await listCandidates(input, context);
  const headLimit = input.head_limit === undefined || input.head_limit === 0 ? DEFAULT_GREP_HEAD_LIMIT : input.head_limit;
  const offset = input.offset ?? 0;
  const contextBefore = input['-B'] ?? input['-C'] ?? 0;
  const contextAfter = input['-A'] ?? input['-C'] ?? 0;
  const isLineNumbered = input['-n'] ?? true;

  const matches: FileMatchCount[] = [];
  const contentLines: string[] = [];
  let skippedLarge = 0;
  let isStoppedEarly = false;
  for (let start = 0; start < candidates.files.length && !isStoppedEarly; start += READ_BATCH_SIZE) {
    context.signal.throwIfAborted();
    const batch = candidates.files.slice(start, start + READ_BATCH_SIZE);
    const texts = await Promise.all(batch.map((file) => readSearchableText(file.realPath, context.signal)));
    for (const [index, text] of texts.entries()) {
      if (text === 'too-large') skippedLarge += 1;
      if (typeof text !== 'string' || text === 'too-large') continue;
      const file = batch[index];
      if (file === undefined) continue;
      const fileMatches = searchText(file, text, regex, input.multiline === true, mode === 'files_with_matches');
      if (fileMatches === undefined) continue;
      matches.push({ file, matchingLineCount: fileMatches.matchingLines.length });
      if (mode === 'content') {
        appendContent(contentLines, fileMatches, contextBefore, contextAfter, isLineNumbered);
        // Files are searched in name order, so once the page is full the rest cannot change it.
        if (contentLines.length > offset + headLimit && start + index + 1 < candidates.files.length) {
          isStoppedEarly = true;
          break;
        }
      }
    }
  }

  const notes: string[] = [];
  if (skippedLarge > 0) notes.push(`(${skippedLarge} file${skippedLarge === 1 ? '' : 's'} over ${MAX_GREP_FILE_BYTES / 1024 / 1024} MB skipped)`);
  if (candidates.isCut) notes.push('(the folder is too large to search whole: some files were not searched; give a narrower path)');
  if (matches.length === 0) {
    if (input.multiline !== true && input.pattern.includes('\\n')) notes.push('(lines are searched one at a time: set multiline to match across lines)');
    return { output: [`No matches for /${input.pattern}/ in ${candidates.display}`, ...notes].join('\n') };
  }

  let entries: string[];
  let header: string;
  if (mode === 'content') {
    entries = contentLines;
    header = '';
  } else if (mode === 'count') {
    entries = matches.map((match) => `${match.file.display}:${match.matchingLineCount}`);
    const total = matches.reduce((sum, match) => sum + match.matchingLineCount, 0);
    header = `Found ${total} matching line${total === 1 ? '' : 's'} in ${matches.length} file${matches.length === 1 ? '' : 's'}`;
  } else {
    entries = await newestFirst(matches.map((match) => match.file));
    header = `Found ${matches.length} file${matches.length === 1 ? '' : 's'}`;
  }
  return { output: paginate({ header, entries, offset, headLimit, isStoppedEarly, notes }) };
}

function compilePattern(input: GrepInput): RegExp {
  // Multiline: the whole text is searched, `.` crosses newlines and ^/$ still mean line starts and ends (ripgrep's -U --multiline-dotall).
  const flags = `${input['-i'] === true ? 'i' : ''}${input.multiline === true ? 'gms' : ''}`;
  try {
    return new RegExp(input.pattern, flags);
  } catch (error) {
    throw new EnsembleError('TOOL_REFUSED', `pattern ${JSON.stringify(input.pattern)} is not a valid regular expression: ${(error as Error).message}`, { details: { pattern: input.pattern } });
  }
}

/** The files to search: `path` itself when it is a file, else the files under it that pass `glob` and `type`. */
async function listCandidates(input: GrepInput, context: ToolContext): Promise<{ files: readonly WorkspaceFile[]; isCut: boolean; display: string }> {
  const requested = input.path === undefined || input.path === '' ? '.' : input.path;
  const start = await resolveWorkspacePath(context.workspaceDir, requested, 'read');
  const facts = await statIfExists(start.realPath, requested);
  if (facts === undefined) throw refusePath(requested, 'does not exist; give a file or folder of the workspace as path');
  if (facts.isFile()) return { files: [{ realPath: start.realPath, display: start.display }], isCut: false, display: start.display };
  if (!facts.isDirectory()) throw refusePath(requested, 'is not a regular file or a folder');
  const filters: ((path: string) => boolean)[] = [];
  // As ripgrep's --glob: a pattern without a slash matches the file name at any depth. (picomatch's
  // basename option must be off for patterns with a slash: with it, they never match.)
  if (input.glob !== undefined && input.glob !== '') filters.push(picomatch(input.glob, { dot: true, basename: !input.glob.includes('/') }));
  if (input.type !== undefined && input.type !== '') {
    const patterns = GREP_FILE_TYPES[input.type];
    if (patterns === undefined) {
      throw new EnsembleError('TOOL_REFUSED', `type ${JSON.stringify(input.type)} is not a known file type; use one of ${Object.keys(GREP_FILE_TYPES).join(', ')}, or a glob`, { details: { type: input.type } });
    }
    filters.push(picomatch([...patterns], { dot: true, basename: true }));
  }
  const { files, isCut } = await listWorkspaceFiles({
    workspaceDir: context.workspaceDir,
    startDir: start.realPath,
    signal: context.signal,
    isGitignoreHonoured: true,
    isWanted: (pathFromStart) => filters.every((isMatch) => isMatch(pathFromStart)),
  });
  return { files, isCut, display: start.display };
}

/** The file's text, `'too-large'`, or `undefined` for a binary or unreadable file (skipped, as ripgrep does). */
async function readSearchableText(realPath: string, signal: AbortSignal): Promise<string | 'too-large' | undefined> {
  try {
    if ((await stat(realPath)).size > MAX_GREP_FILE_BYTES) return 'too-large';
    const bytes = await readFile(realPath, { signal });
    return hasNulByte(bytes) ? undefined : bytes.toString('utf8');
  } catch (error) {
    if (signal.aborted) throw error;
    return undefined;
  }
}

function searchText(file: WorkspaceFile, text: string, regex: RegExp, isMultiline: boolean, isFirstMatchEnough: boolean): FileMatches | undefined {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const matchingLines: number[] = [];
  if (!isMultiline) {
    for (const [index, rawLine] of lines.entries()) {
      if (!regex.test(rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine)) continue;
      matchingLines.push(index);
      if (isFirstMatchEnough) break;
    }
  } else {
    const lineStarts = [0];
    for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);
    const lineAt = (offset: number) => {
      let low = 0;
      let high = lineStarts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if ((lineStarts[middle] ?? 0) <= offset) low = middle;
        else high = middle - 1;
      }
      return low;
    };
    const seen = new Set<number>();
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const first = lineAt(match.index);
      const last = lineAt(Math.max(match.index, match.index + match[0].length - 1));
      for (let line = first; line <= last && line < lines.length; line += 1) seen.add(line);
      if (match[0].length === 0) regex.lastIndex += 1; // An empty match would otherwise repeat forever.
      if (isFirstMatchEnough) break;
    }
    matchingLines.push(...[...seen].sort((left, right) => left - right));
  }
  return matchingLines.length === 0 ? undefined : { file, lines, matchingLines };
}

/** ripgrep's layout: `path:12:text` for a match, `path-13-text` for context, `--` between separate groups. */
function appendContent(output: string[], matches: FileMatches, before: number, after: number, isLineNumbered: boolean): void {
  const { file, lines, matchingLines } = matches;
  const isMatch = new Set(matchingLines);
  const hasContext = before > 0 || after > 0;
  let lastShown = -2;
  for (const matchLine of matchingLines) {
    const first = Math.max(0, matchLine - before, lastShown + 1);
    const last = Math.min(lines.length - 1, matchLine + after);
    if (hasContext && output.length > 0 && first > lastShown + 1) output.push('--');
    for (let line = first; line <= last; line += 1) {
      const separator = isMatch.has(line) ? ':' : '-';
      const rawLine = (lines[line] ?? '').replace(/\r$/, '');
      const text = rawLine.length <= MAX_GREP_LINE_CHARS ? rawLine : `${rawLine.slice(0, MAX_GREP_LINE_CHARS)}… [line cut: ${rawLine.length} characters]`;
      output.push(isLineNumbered ? `${file.display}${separator}${line + 1}${separator}${text}` : `${file.display}${separator}${text}`);
    }
    lastShown = Math.max(lastShown, last);
  }
}

async function newestFirst(files: readonly WorkspaceFile[]): Promise<string[]> {
  const dated = await Promise.all(files.map(async (file) => {
    try {
      return { display: file.display, modifiedAtMs: (await stat(file.realPath)).mtimeMs };
    } catch {
      return { display: file.display, modifiedAtMs: 0 };
    }
  }));
  dated.sort((left, right) => right.modifiedAtMs - left.modifiedAtMs || (left.display < right.display ? -1 : 1));
  return dated.map((file) => file.display);
}

interface Page {
  readonly header: string;
  readonly entries: readonly string[];
  readonly offset: number;
  readonly headLimit: number;
  /** The search stopped once the page was full, so the total is unknown. */
  readonly isStoppedEarly: boolean;
  readonly notes: readonly string[];
}

function paginate(page: Page): string {
  const { entries, offset, headLimit } = page;
  const shown: string[] = [];
  let chars = page.header.length;
  let isCharCut = false;
  for (const entry of entries.slice(offset, offset + headLimit)) {
    if (chars + entry.length + 1 > MAX_GREP_OUTPUT_CHARS && shown.length > 0) {
      isCharCut = true;
      break;
    }
    shown.push(entry);
    chars += entry.length + 1;
  }
  const lines = page.header === '' ? [...shown] : [page.header, ...shown];
  const next = offset + shown.length;
  if (shown.length === 0) lines.push(`(nothing past offset ${offset}: there are ${entries.length} entries)`);
  else if (isCharCut || next < entries.length || page.isStoppedEarly) {
    const total = page.isStoppedEarly ? ', more follow' : ` of ${entries.length}`;
    lines.push(`(showing entries ${offset + 1}-${next}${total}; continue with offset ${next}, or narrow the pattern, path, glob or type)`);
  }
  return [...lines, ...page.notes].join('\n');
}

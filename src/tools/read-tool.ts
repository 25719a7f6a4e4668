import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { detectFileKind, readFileHead } from './file-kind.js';
import { formatByteSize } from './format-byte-size.js';
import { refusePath, statIfExists, withPathFailures } from './refuse-path.js';
import { toSummaryLine } from './to-summary-line.js';
import { resolveWorkspacePath } from './workspace-path.js';
import type { ToolContext, ToolResult, WorkspaceTool } from './workspace-tool.js';

/** Lines a Read returns when the model gives no `limit` (Claude Code's default). */
export const DEFAULT_READ_LINES = 2000;
/** Characters of one line shown; the rest is cut and marked (Claude Code's limit). */
export const MAX_READ_LINE_CHARS = 2000;
/** Files larger than this are read only in parts (`offset`/`limit`), streamed. */
export const MAX_READ_FILE_BYTES = 10 * 1024 * 1024;
/** Characters of one Read's output: about 25,000 tokens, Claude Code's cap for one Read. */
export const MAX_READ_OUTPUT_CHARS = 100_000;

const readInputSchema = z.object({
  file_path: z.string().min(1).describe('The file to read: relative to the workspace, or an absolute path inside it'),
  offset: z.number().int().min(0).optional().describe('The line number to start reading from (1-based). Only give it for files too large to read at once'),
  limit: z.number().int().min(1).optional().describe(`The number of lines to read (default ${DEFAULT_READ_LINES})`),
});

/** Input of {@link readTool}, Claude Code's shape. */
export type ReadInput = z.infer<typeof readInputSchema>;

/** `Read`: a text file of the workspace with line numbers (`cat -n`), in parts for long files. */
export const readTool: WorkspaceTool<ReadInput> = {
  name: 'Read',
  permission: 'read',
  description: [
    'Reads a text file of the workspace. The result has one line per line of the file: its number, right-aligned, a tab, then the text.',
    `Reads up to ${DEFAULT_READ_LINES} lines from the start by default; give offset (first line, 1-based) and limit (number of lines) to read a part of a long file.`,
    `Lines longer than ${MAX_READ_LINE_CHARS} characters are cut. Binary files and images are refused. To list a folder, use Glob.`,
  ].join(' '),
  inputSchema: readInputSchema,
  summarize(input) {
    const range = input.offset === undefined && input.limit === undefined ? '' : `:${firstLineOf(input)}-${input.limit === undefined ? '' : firstLineOf(input) + input.limit - 1}`;
    return toSummaryLine(`${input.file_path}${range}`);
  },
  execute(input, context) {
    return withPathFailures(input.file_path, 'read', context.signal, () => readWindow(input, context));
  },
};

async function readWindow(input: ReadInput, context: ToolContext): Promise<ToolResult> {
  const { realPath, display } = await resolveWorkspacePath(context.workspaceDir, input.file_path, 'read');
  const facts = await statIfExists(realPath, input.file_path);
  if (facts === undefined) throw refusePath(input.file_path, 'does not exist; find files with Glob');
  if (facts.isDirectory()) throw refusePath(input.file_path, `is a folder, not a file; list its files with Glob (pattern "**/*", path ${JSON.stringify(display)})`);
  if (!facts.isFile()) throw refusePath(input.file_path, 'is not a regular file (a socket, FIFO or device), so it cannot be read');
  if (facts.size === 0) return { output: `(${display} is empty: 0 lines)` };
  const isPartial = input.offset !== undefined || input.limit !== undefined;
  if (facts.size > MAX_READ_FILE_BYTES && !isPartial) {
    throw refusePath(input.file_path, `is ${formatByteSize(facts.size)}, over Read's ${formatByteSize(MAX_READ_FILE_BYTES)} cap; read a part with offset and limit, or search it with Grep`);
  }
  // A file under the cap is read once, whole (the usual case, and the cheapest); a larger one is sniffed, then streamed.
  const bytes = facts.size > MAX_READ_FILE_BYTES ? undefined : await readFile(realPath, { signal: context.signal });
  const kind = detectFileKind(realPath, bytes ?? (await readFileHead(realPath)));
  if (kind.kind === 'image') throw refusePath(input.file_path, `is a ${kind.format} image (${formatByteSize(facts.size)}); Read returns text only`);
  if (kind.kind === 'binary') throw refusePath(input.file_path, `is a binary file${kind.format === undefined ? '' : ` (${kind.format})`} (${formatByteSize(facts.size)}); Read returns text only`);
  const firstLine = firstLineOf(input);
  const lineCount = input.limit ?? DEFAULT_READ_LINES;
  const window = bytes === undefined
    ? await streamLines(realPath, firstLine, lineCount, context.signal)
    : sliceLines(bytes.toString('utf8'), firstLine, lineCount);
  return { output: formatWindow(display, firstLine, window) };
}

/** Lines `firstLine`… of a file, and how many lines the file has (`undefined` when it was not read to its end). */
interface LineWindow {
  readonly lines: readonly string[];
  readonly totalLines: number | undefined;
}

function firstLineOf(input: ReadInput): number {
  // Models often send offset 0 for "from the start"; line numbers start at 1.
  return Math.max(1, input.offset ?? 1);
}

function sliceLines(text: string, firstLine: number, lineCount: number): LineWindow {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop(); // The final newline ends the last line; it does not start another.
  return { lines: lines.slice(firstLine - 1, firstLine - 1 + lineCount), totalLines: lines.length };
}

/** Reads only as far as needed: a file over the cap is never held whole in memory. */
async function streamLines(path: string, firstLine: number, lineCount: number, signal: AbortSignal): Promise<LineWindow> {
  const stream = createReadStream(path, { encoding: 'utf8', signal });
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  const lines: string[] = [];
  let lineNumber = 0;
  let isAtEnd = true;
  try {
    for await (const line of reader) {
      lineNumber += 1;
      if (lineNumber < firstLine) continue;
      if (lines.length === lineCount) {
        isAtEnd = false;
        break;
      }
      lines.push(line);
    }
  } finally {
    reader.close();
    stream.destroy();
  }
  return { lines, totalLines: isAtEnd ? lineNumber : undefined };
}

function formatWindow(display: string, firstLine: number, window: LineWindow): string {
  const { lines, totalLines } = window;
  if (lines.length === 0) return `(${display} has ${totalLines ?? 'fewer'} lines; offset ${firstLine} is past its end)`;
  const numberWidth = Math.max(6, String(firstLine + lines.length - 1).length);
  const parts: string[] = [];
  let outputChars = 0;
  for (const [index, rawLine] of lines.entries()) {
    const lineNumber = firstLine + index;
    const line = formatLine(lineNumber, rawLine, numberWidth);
    if (outputChars + line.length > MAX_READ_OUTPUT_CHARS && index > 0) {
      parts.push(`(output cut at line ${lineNumber - 1} to stay under ${MAX_READ_OUTPUT_CHARS} characters; continue with offset ${lineNumber})`);
      return parts.join('\n');
    }
    parts.push(line);
    outputChars += line.length + 1;
  }
  const lastLine = firstLine + lines.length - 1;
  if (totalLines === undefined) parts.push(`(showing lines ${firstLine}-${lastLine}; the file goes on: continue with offset ${lastLine + 1})`);
  else if (lastLine < totalLines) parts.push(`(showing lines ${firstLine}-${lastLine} of ${totalLines}; continue with offset ${lastLine + 1})`);
  return parts.join('\n');
}

function formatLine(lineNumber: number, rawLine: string, numberWidth: number): string {
  // A CRLF file reads as LF: the \r is not text the model should quote back (Edit matches either way).
  const text = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  const shown = text.length <= MAX_READ_LINE_CHARS ? text : `${text.slice(0, MAX_READ_LINE_CHARS)}… [line cut: ${text.length} characters]`;
  return `${String(lineNumber).padStart(numberWidth)}\t${shown}`;
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { hasNulByte } from './file-kind.js';
import { checkWriteLease } from './check-write-lease.js';
import { formatByteSize } from './format-byte-size.js';
import { MAX_READ_FILE_BYTES } from './read-tool.js';
import { refusePath, statIfExists, withPathFailures } from './refuse-path.js';
import { toSummaryLine } from './to-summary-line.js';
import { resolveWorkspacePath } from './workspace-path.js';
import type { ToolContext, ToolResult, WorkspaceTool } from './workspace-tool.js';

/** Lines of the edited file shown around the change, before and after, so the model sees the result. */
const SNIPPET_CONTEXT_LINES = 4;
/** The most lines of the edited region shown (a large replacement is not echoed whole). */
const MAX_SNIPPET_LINES = 40;

const editInputSchema = z.object({
  file_path: z.string().min(1).describe('The file to edit: relative to the workspace, or an absolute path inside it'),
  old_string: z.string().describe('The exact text to replace, whitespace and indentation included; it must occur once unless replace_all is true. Empty creates a new file'),
  new_string: z.string().describe('The text to put in its place (must differ from old_string)'),
  replace_all: z.boolean().optional().describe('Replace every occurrence of old_string (default false)'),
});

/** Input of {@link editTool}, Claude Code's shape. */
export type EditInput = z.infer<typeof editInputSchema>;

/** `Edit`: an exact-string replacement in a workspace file, which must match once unless `replace_all`. */
export const editTool: WorkspaceTool<EditInput> = {
  name: 'Edit',
  permission: 'edit',
  description: [
    'Replaces exact text in a file of the workspace. old_string must match the file exactly (whitespace and indentation included, without the line-number prefix Read shows)',
    'and occur exactly once, or the edit is refused: include more surrounding lines to make it unique, or set replace_all to change every occurrence.',
    'An empty old_string creates a file that does not exist yet. Line endings (LF or CRLF) are kept as the file has them.',
  ].join(' '),
  inputSchema: editInputSchema,
  summarize(input) {
    return toSummaryLine(`${input.file_path}${input.replace_all === true ? ' (replace all)' : ''}`);
  },
  execute(input, context) {
    return withPathFailures(input.file_path, 'edit', context.signal, () => editWorkspaceFile(input, context));
  },
};

async function editWorkspaceFile(input: EditInput, context: ToolContext): Promise<ToolResult> {
  const { realPath, display } = await resolveWorkspacePath(context.workspaceDir, input.file_path, 'write');
  await checkWriteLease(context, 'Edit', display);
  if (input.old_string === input.new_string) throw refusePath(input.file_path, 'not edited: old_string and new_string are the same, so nothing would change');
  const facts = await statIfExists(realPath, input.file_path);
  if (facts === undefined) {
    if (input.old_string !== '') throw refusePath(input.file_path, 'does not exist; create it with Write (or Edit with an empty old_string), or find the right path with Glob');
    await mkdir(dirname(realPath), { recursive: true });
    await writeFile(realPath, input.new_string, { encoding: 'utf8', signal: context.signal });
    return { output: `Created ${display} (${formatByteSize(Buffer.byteLength(input.new_string))})`, files: [display] };
  }
  if (facts.isDirectory()) throw refusePath(input.file_path, 'is a folder; give the path of a file inside it');
  if (!facts.isFile()) throw refusePath(input.file_path, 'is not a regular file (a socket, FIFO or device)');
  if (facts.size > MAX_READ_FILE_BYTES) throw refusePath(input.file_path, `is ${formatByteSize(facts.size)}, over Edit's ${formatByteSize(MAX_READ_FILE_BYTES)} cap`);
  const bytes = await readFile(realPath, { signal: context.signal });
  if (hasNulByte(bytes)) throw refusePath(input.file_path, 'is a binary file; Edit changes text files only');
  const text = bytes.toString('utf8');
  // Decoding replaces invalid UTF-8 with U+FFFD; writing that back would corrupt the file's other bytes.
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw refusePath(input.file_path, 'is not valid UTF-8 text, so Edit cannot change it without corrupting it; use Write to replace it whole');
  if (input.old_string === '') {
    if (text !== '') throw refusePath(input.file_path, 'already exists and is not empty; give the old_string to replace, or use Write to replace the whole file');
    await writeFile(realPath, input.new_string, { encoding: 'utf8', signal: context.signal });
    return { output: `Wrote ${display} (it was empty; ${formatByteSize(Buffer.byteLength(input.new_string))} now)`, files: [display] };
  }
  const replacement = findReplacement(text, input.old_string, input.new_string);
  if (replacement.positions.length === 0) {
    throw refusePath(input.file_path, 'not edited: old_string was not found in it. It must match exactly, whitespace and indentation included; Read the file and copy the text (without the line numbers)');
  }
  if (replacement.positions.length > 1 && input.replace_all !== true) {
    throw refusePath(input.file_path, `not edited: old_string occurs ${replacement.positions.length} times in it. Include more surrounding lines so that it occurs once, or set replace_all to replace all ${replacement.positions.length}`);
  }
  const positions = input.replace_all === true ? replacement.positions : replacement.positions.slice(0, 1);
  const edited = replaceAt(text, positions, replacement.oldString.length, replacement.newString);
  await writeFile(realPath, edited, { encoding: 'utf8', signal: context.signal });
  const firstPosition = positions[0] ?? 0;
  const snippet = numberedSnippet(edited, firstPosition, firstPosition + replacement.newString.length);
  const count = positions.length === 1 ? '1 occurrence' : `${positions.length} occurrences`;
  return { output: `Edited ${display}: replaced ${count}. The file around the ${positions.length === 1 ? 'change' : 'first change'} now reads:\n${snippet}`, files: [display] };
}

/** The strings to use and where the old one occurs; a CRLF file is matched by LF text too (Read shows it without the `\r`). */
function findReplacement(text: string, oldString: string, newString: string): { positions: number[]; oldString: string; newString: string } {
  const positions = findOccurrences(text, oldString);
  if (positions.length > 0 || !text.includes('\r\n') || !oldString.includes('\n')) return { positions, oldString, newString };
  const toCrlf = (value: string) => value.replace(/\r?\n/g, '\r\n');
  return { positions: findOccurrences(text, toCrlf(oldString)), oldString: toCrlf(oldString), newString: toCrlf(newString) };
}

/** Start offsets of the non-overlapping occurrences of `needle`, as a left-to-right replace sees them. */
function findOccurrences(text: string, needle: string): number[] {
  const positions: number[] = [];
  for (let index = text.indexOf(needle); index !== -1; index = text.indexOf(needle, index + needle.length)) positions.push(index);
  return positions;
}

/** `text` with `oldLength` characters at each of `positions` replaced; literal, unlike `String.replace`, which expands `$&` and `$1`. */
function replaceAt(text: string, positions: readonly number[], oldLength: number, newString: string): string {
  const parts: string[] = [];
  let cursor = 0;
  for (const position of positions) {
    parts.push(text.slice(cursor, position), newString);
    cursor = position + oldLength;
  }
  parts.push(text.slice(cursor));
  return parts.join('');
}

/** `cat -n` lines of `text` around characters `start`–`end`, with a few lines of context either side. */
function numberedSnippet(text: string, start: number, end: number): string {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop(); // The final newline ends the last line.
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length; // 1-based
  const firstLine = Math.max(1, lineOf(start) - SNIPPET_CONTEXT_LINES);
  const lastLine = Math.min(lines.length, lineOf(end) + SNIPPET_CONTEXT_LINES, firstLine + MAX_SNIPPET_LINES - 1);
  const shown: string[] = [];
  for (let lineNumber = firstLine; lineNumber <= lastLine; lineNumber += 1) {
    const line = (lines[lineNumber - 1] ?? '').replace(/\r$/, '');
    shown.push(`${String(lineNumber).padStart(6)}\t${line.length <= 2000 ? line : `${line.slice(0, 2000)}… [line cut]`}`);
  }
  return shown.join('\n');
}

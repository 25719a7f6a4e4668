import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { checkWriteLease } from './check-write-lease.js';
import { formatByteSize } from './format-byte-size.js';
import { refusePath, statIfExists, withPathFailures } from './refuse-path.js';
import { toSummaryLine } from './to-summary-line.js';
import { resolveWorkspacePath } from './workspace-path.js';
import type { ToolContext, ToolResult, WorkspaceTool } from './workspace-tool.js';

const writeInputSchema = z.object({
  file_path: z.string().min(1).describe('The file to write: relative to the workspace, or an absolute path inside it'),
  content: z.string().describe('The whole new content of the file'),
});

/** Input of {@link writeTool}, Claude Code's shape. */
export type WriteInput = z.infer<typeof writeInputSchema>;

/** `Write`: creates or overwrites a file of the workspace, making its folders. */
export const writeTool: WorkspaceTool<WriteInput> = {
  name: 'Write',
  permission: 'edit',
  description: [
    'Writes a file of the workspace: creates it (and its folders) or replaces its whole content.',
    'To change part of an existing file, prefer Edit. Files inside .git are never written.',
  ].join(' '),
  inputSchema: writeInputSchema,
  summarize(input) {
    return toSummaryLine(`${input.file_path} (${formatByteSize(Buffer.byteLength(input.content))})`);
  },
  execute(input, context) {
    return withPathFailures(input.file_path, 'write', context.signal, () => writeWorkspaceFile(input, context));
  },
};

async function writeWorkspaceFile(input: WriteInput, context: ToolContext): Promise<ToolResult> {
  const { realPath, display } = await resolveWorkspacePath(context.workspaceDir, input.file_path, 'write');
  await checkWriteLease(context, 'Write', display);
  const facts = await statIfExists(realPath, input.file_path);
  if (facts?.isDirectory() === true) throw refusePath(input.file_path, 'is a folder; give the path of a file inside it');
  if (facts !== undefined && !facts.isFile()) throw refusePath(input.file_path, 'is not a regular file (a socket, FIFO or device)');
  context.signal.throwIfAborted();
  await mkdir(dirname(realPath), { recursive: true });
  // Overwriting in place keeps the file's mode (an executable script stays executable).
  await writeFile(realPath, input.content, { encoding: 'utf8', signal: context.signal });
  const size = formatByteSize(Buffer.byteLength(input.content));
  return { output: `${facts === undefined ? 'Created' : 'Overwrote'} ${display} (${size}, ${countLines(input.content)} lines)`, files: [display] };
}

/** Lines of `text` as an editor counts them: a final newline does not start another line. */
export function countLines(text: string): number {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

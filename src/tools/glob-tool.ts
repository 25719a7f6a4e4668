import { stat } from 'node:fs/promises';
import { isAbsolute, posix } from 'node:path';
import picomatch from 'picomatch';
import { z } from 'zod';
import { listWorkspaceFiles } from './list-workspace-files.js';
import { refusePath, statIfExists, withPathFailures } from './refuse-path.js';
import { toSummaryLine } from './to-summary-line.js';
import { isInside, resolveWorkspacePath, toDisplay } from './workspace-path.js';
import type { ToolContext, ToolResult, WorkspaceTool } from './workspace-tool.js';

/** Paths one Glob returns (the newest); about 10,000 tokens of paths, enough to find anything with a narrower pattern. */
export const MAX_GLOB_RESULTS = 1000;

const globInputSchema = z.object({
  pattern: z.string().min(1).describe('The glob pattern to match files against, such as "**/*.ts" or "src/**/*.{ts,tsx}"'),
  path: z.string().optional().describe('The folder to search in, relative to the workspace (default: the workspace)'),
});

/** Input of {@link globTool}, Claude Code's shape. */
export type GlobInput = z.infer<typeof globInputSchema>;

/** `Glob`: the workspace's files matching a glob pattern, newest first. */
export const globTool: WorkspaceTool<GlobInput> = {
  name: 'Glob',
  permission: 'read',
  description: [
    'Finds files of the workspace by name with a glob pattern ("**/*.ts", "src/**/*.{ts,tsx}", "*.md"), relative to path (default: the workspace).',
    `Returns matching files (not folders), newest first, named relative to the workspace, at most ${MAX_GLOB_RESULTS}. .git and node_modules folders are skipped.`,
  ].join(' '),
  inputSchema: globInputSchema,
  summarize(input) {
    return toSummaryLine(input.path === undefined || input.path === '' ? input.pattern : `${input.pattern} in ${input.path}`);
  },
  execute(input, context) {
    return withPathFailures(input.path ?? input.pattern, 'search', context.signal, () => globWorkspace(input, context));
  },
};

async function globWorkspace(input: GlobInput, context: ToolContext): Promise<ToolResult> {
  const { workspaceDir, signal } = context;
  const base = await resolveWorkspacePath(workspaceDir, input.path === undefined || input.path === '' ? '.' : input.path, 'read');
  const baseFacts = await statIfExists(base.realPath, input.path ?? '.');
  if (baseFacts === undefined) throw refusePath(input.path ?? '.', 'does not exist; give a folder of the workspace as path');
  if (!baseFacts.isDirectory()) throw refusePath(input.path ?? '.', 'is a file, not a folder; Glob searches folders (use Read for a file)');
  const pattern = toRelativePattern(input.pattern, base.realPath);
  const isMatch = picomatch(pattern, { dot: true });
  // Walk only below the pattern's fixed prefix ("src/" of "src/**/*.ts"), not the whole tree.
  const scan = picomatch.scan(pattern);
  const walkFrom = scan.isGlob ? scan.base : posix.dirname(scan.base);
  const walkStart = await resolveWorkspacePath(workspaceDir, posix.join(base.display, walkFrom), 'read');
  if ((await statIfExists(walkStart.realPath, walkStart.display))?.isDirectory() !== true) return { output: noMatch(input) };
  const prefix = walkFrom === '.' || walkFrom === '' ? '' : `${walkFrom}/`;
  const { files, isCut } = await listWorkspaceFiles({
    workspaceDir,
    startDir: walkStart.realPath,
    signal,
    isWanted: (pathFromStart) => isMatch(prefix + pathFromStart),
  });
  if (files.length === 0) return { output: noMatch(input) + (isCut ? ' (the folder is too large to search whole; give a narrower path)' : '') };
  const dated = await Promise.all(files.map(async (file) => ({ display: file.display, modifiedAtMs: await modifiedAtMs(file.realPath) })));
  // Newest first, so the files being worked on come before old ones; ties by name, for a stable answer.
  dated.sort((left, right) => right.modifiedAtMs - left.modifiedAtMs || (left.display < right.display ? -1 : left.display > right.display ? 1 : 0));
  const shown = dated.slice(0, MAX_GLOB_RESULTS).map((file) => file.display);
  const notes: string[] = [];
  if (dated.length > MAX_GLOB_RESULTS) notes.push(`(showing the ${MAX_GLOB_RESULTS} newest of ${dated.length} files; use a narrower pattern or path)`);
  if (isCut) notes.push('(the folder is too large to search whole: some files may be missing; give a narrower path)');
  return { output: [...shown, ...notes].join('\n') };
}

/** `pattern` relative to the search folder: an absolute pattern inside it is made relative; one that climbs out is refused. */
function toRelativePattern(requested: string, baseRealPath: string): string {
  let pattern = requested.trim();
  if (isAbsolute(pattern)) {
    if (!isInside(baseRealPath, pattern)) throw refusePath(requested, 'is an absolute pattern outside the folder searched; give a pattern relative to the workspace (or to path)');
    pattern = toDisplay(baseRealPath, pattern);
  }
  if (pattern.includes('\0')) throw refusePath(requested, 'contains a NUL byte');
  if (pattern.split('/').includes('..')) throw refusePath(requested, 'climbs out of the folder searched with ".."; give path instead');
  while (pattern.startsWith('./')) pattern = pattern.slice(2);
  return pattern;
}

function noMatch(input: GlobInput): string {
  return `No files match ${JSON.stringify(input.pattern)}${input.path === undefined || input.path === '' ? '' : ` in ${JSON.stringify(input.path)}`}`;
}

async function modifiedAtMs(realPath: string): Promise<number> {
  try {
    return (await stat(realPath)).mtimeMs;
  } catch {
    return 0; // Removed since the walk: sorted last rather than failing the whole Glob.
  }
}

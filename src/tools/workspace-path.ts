import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { EnsembleError } from '../core/index.js';

/** What a path is resolved for: reading may not leave the workspace; writing also never touches `.git/`. */
export type PathIntent = 'read' | 'write';

/** A path a tool may use: where it really is, and how to name it to the model. */
export interface WorkspacePath {
  /** Absolute, with every symbolic link of its existing part resolved: the path the tool opens. */
  readonly realPath: string;
  /** Relative to the workspace, with `/` separators (`.` for the workspace itself). */
  readonly display: string;
}

/**
 * Resolves a path a model gave (relative to the workspace, or absolute) to its real path inside the
 * workspace, whose real path is `workspaceDir`. Refused, with a message the model can act on:
 * `..` or an absolute path leading out, a symbolic link anywhere on the way that points out (the
 * existing part is resolved with `realpath`, so `link/../x` cannot sneak out either), a NUL byte,
 * and, for writes, anything inside a `.git` folder (the repository's own data is never edited by a tool).
 * @throws EnsembleError `TOOL_REFUSED`
 */
export async function resolveWorkspacePath(workspaceDir: string, requested: string, intent: PathIntent): Promise<WorkspacePath> {
  if (requested.includes('\0')) throw refuse(requested, 'contains a NUL byte');
  const lexical = isAbsolute(requested) ? resolve(requested) : resolve(workspaceDir, requested);
  if (!isInside(workspaceDir, lexical)) throw refuse(requested, `is outside the workspace ${workspaceDir}`);
  const realPath = await realpathOfLongestExistingPrefix(lexical);
  if (!isInside(workspaceDir, realPath)) throw refuse(requested, 'leads outside the workspace through a symbolic link');
  const display = toDisplay(workspaceDir, realPath);
  if (intent === 'write' && display.split('/').includes('.git')) {
    throw refuse(requested, 'is inside a .git folder, which tools never write (use git commands through Bash, where allowed)');
  }
  return { realPath, display };
}

/** Whether `candidate` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, candidate: string): boolean {
  const path = relative(root, candidate);
  return path === '' || (!path.startsWith(`..${sep}`) && path !== '..' && !isAbsolute(path));
}

/** `path` relative to the workspace with `/` separators, `.` for the workspace itself. */
export function toDisplay(workspaceDir: string, path: string): string {
  const relativePath = relative(workspaceDir, path);
  return relativePath === '' ? '.' : relativePath.split(sep).join('/');
}

/**
 * The real path of `path`: its longest existing prefix through `realpath`, the rest appended (a file
 * about to be created, in folders about to be made). A dangling symbolic link is refused: writing
 * through it would create its target, wherever that is.
 */
async function realpathOfLongestExistingPrefix(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
      if (await isSymbolicLink(current)) throw new EnsembleError('TOOL_REFUSED', `path ${JSON.stringify(path)} goes through a symbolic link to a missing target`, { details: { path } });
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(current.slice(parent.length).replace(/^[\\/]+/, ''));
      current = parent;
    }
  }
}

function refuse(requested: string, why: string): EnsembleError {
  return new EnsembleError('TOOL_REFUSED', `path ${JSON.stringify(requested)} ${why}`, { details: { path: requested } });
}

async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

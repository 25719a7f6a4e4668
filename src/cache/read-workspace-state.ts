import { createHash } from 'node:crypto';
import { copyFile, lstat, mkdtemp, opendir, readlink, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { runStateGit } from './run-state-git.js';

/** Files the walk of a workspace without git looks at before it gives up (the task is then not cached). */
export const DEFAULT_MAX_WORKSPACE_FILES = 20_000;

/** What a workspace holds, as one id: equal ids, equal contents (as far as the method sees). */
export type WorkspaceState =
  | {
      readonly ok: true;
      /** `git`: the tree id of the work tree with every change; `files`: a hash of each file's path, size and mtime. */
      readonly kind: 'git' | 'files';
      readonly id: string;
    }
  | { readonly ok: false; readonly reason: string };

/** Options of {@link readWorkspaceState}. */
export interface WorkspaceStateOptions {
  readonly signal: AbortSignal;
  /** Real (symlink-free) absolute paths left out of the state: the run journal and its data folder, which every run changes. */
  readonly excludePaths?: readonly string[];
  /** The walk of a folder without git gives up past this many files. @default DEFAULT_MAX_WORKSPACE_FILES */
  readonly maxFiles?: number;
}

/**
 * The state of the workspace at `workspace` (a real path). In a git work tree: the tree id of the
 * whole work tree INCLUDING uncommitted and untracked-not-ignored changes — `git add --all` into a
 * temporary copy of the index (`GIT_INDEX_FILE`; the repository's own index is never written, only
 * loose objects are added) then `git write-tree`. Elsewhere (or when git fails): a sha256 over every
 * file's relative path, size and mtime, walked up to `maxFiles`; past it, no state (`ok: false`, with
 * the reason). Rejects only with the signal's reason.
 */
export async function readWorkspaceState(workspace: string, options: WorkspaceStateOptions): Promise<WorkspaceState> {
  const excluded = (options.excludePaths ?? []).map((path) => resolve(path));
  const tree = await readGitTree(workspace, excluded, options.signal);
  if (tree !== undefined) return { ok: true, kind: 'git', id: tree };
  return fingerprintFiles(workspace, excluded, options.maxFiles ?? DEFAULT_MAX_WORKSPACE_FILES, options.signal);
}

/** The work tree's tree id with every change, or undefined when `workspace` is not in a work tree or git fails. */
async function readGitTree(workspace: string, excluded: readonly string[], signal: AbortSignal): Promise<string | undefined> {
  let topLevel: string;
  let indexPath: string;
  try {
    const [inside, top, index] = (await runStateGit(['rev-parse', '--is-inside-work-tree', '--show-toplevel', '--git-path', 'index'], { cwd: workspace, signal })).split('\n');
    if (inside !== 'true' || top === undefined || top === '' || index === undefined || index === '') return undefined;
    topLevel = top;
    indexPath = resolve(workspace, index);
  } catch {
    if (signal.aborted) throw signal.reason;
    return undefined;
  }
  const scratch = await mkdtemp(join(tmpdir(), 'ensemble-cache-state-'));
  try {
    const indexFile = join(scratch, 'index');
    try {
      // Starting from the repository's index, files unchanged since it was written are not hashed again.
      await copyFile(indexPath, indexFile);
      // With the original's times: git rehashes an entry not older than its index (racy git), and a
      // fresh copy's time would make a same-second, same-size edit look clean.
      const { atime, mtime } = await stat(indexPath);
      await utimes(indexFile, atime, mtime);
    } catch {
      // No index yet (a fresh repository): start from an empty one.
    }
    const env = { GIT_INDEX_FILE: indexFile };
    const exclusions = excluded.map((path) => relative(topLevel, path)).filter(isStrictlyInside).map((path) => `:(exclude,literal)${path.split(sep).join('/')}`);
    // --ignore-errors: an unreadable file (which no agent can read either) is left out rather than losing the state.
    await runStateGit(['add', '--all', '--ignore-errors', '--', '.', ...exclusions], { cwd: topLevel, signal, env, acceptedExitCodes: [0, 1] });
    // An excluded path the repository tracks keeps its entry of the copied index: it changes only when the user stages it.
    const tree = (await runStateGit(['write-tree'], { cwd: topLevel, signal, env })).trim();
    return /^[0-9a-f]{40,64}$/.test(tree) ? tree : undefined;
  } catch {
    if (signal.aborted) throw signal.reason;
    return undefined;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** sha256 over `path \0 kind \0 size \0 mtime \0 (link target)` of every entry under `root`, in sorted order. */
async function fingerprintFiles(root: string, excluded: readonly string[], maxFiles: number, signal: AbortSignal): Promise<WorkspaceState> {
  const lines: string[] = [];
  const pending = [root];
  let files = 0;
  while (pending.length > 0) {
    if (signal.aborted) throw signal.reason;
    const folder = pending.pop()!;
    let directory;
    try {
      directory = await opendir(folder);
    } catch (error) {
      return { ok: false, reason: `cannot list ${folder}: ${error instanceof Error ? error.message : String(error)}` };
    }
    for await (const entry of directory) {
      const path = join(folder, entry.name);
      if (excluded.includes(path)) continue;
      const name = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) {
        lines.push(`${name}\0dir`);
        pending.push(path);
        continue;
      }
      files += 1;
      if (files > maxFiles) return { ok: false, reason: `the workspace is not a git work tree and has more than ${maxFiles} files` };
      try {
        // lstat: a link is recorded as itself (with its target), never followed out of the workspace.
        const stats = await lstat(path);
        const target = stats.isSymbolicLink() ? await readlink(path) : '';
        lines.push(`${name}\0${stats.isSymbolicLink() ? 'link' : 'file'}\0${stats.size}\0${stats.mtimeMs}\0${target}`);
      } catch (error) {
        return { ok: false, reason: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
  }
  const hash = createHash('sha256');
  for (const line of lines.sort()) hash.update(line).update('\n');
  return { ok: true, kind: 'files', id: hash.digest('hex') };
}

/** Whether a path relative to a folder names something strictly inside it (not the folder, not outside it). */
function isStrictlyInside(path: string): boolean {
  return path !== '' && !isAbsolute(path) && path !== '..' && !path.startsWith(`..${sep}`);
}

import { randomBytes } from 'node:crypto';
import { lstat, mkdir, symlink } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { EnsembleError } from '../../core/index.js';
import { runGitOrFail } from '../run-git-command.js';
import { copyEntry, copyFolderTree, LINKED_FOLDER_NAMES } from './copy-folder-tree.js';
import { writeCopyOwnerRecord } from './copy-owner-record.js';
import { describeWorkspace, workspaceInCopy } from './describe-workspace.js';
import type { WorkspaceShape } from './describe-workspace.js';
import { removeWorkspaceCopy } from './remove-workspace-copy.js';
import { throwIfAborted } from './throw-if-aborted.js';
import { excludeLinkedPaths } from './workspace-copy.js';
import type { WorkspaceCopy } from './workspace-copy.js';

/** Options of {@link createWorkspaceCopy}. */
export interface CreateWorkspaceCopyOptions {
  /** The folder to copy. */
  readonly workspace: string;
  /** The data folder: copies go to `<dataDir>/worktrees/<runId>/`, and nothing under it is copied. */
  readonly dataDir: string;
  readonly runId: string;
  /** The start of the copy's folder name (a task id and attempt); a random suffix keeps names apart. */
  readonly label: string;
  readonly signal: AbortSignal;
}

/** The folder all copies of a run live in. */
export function runCopiesDir(dataDir: string, runId: string): string {
  return join(resolve(dataDir), 'worktrees', runId.replace(/[^A-Za-z0-9_.-]/g, '_'));
}

/**
 * Makes a private copy of `workspace` as the user sees it. In a git work tree with a commit: a
 * detached worktree of HEAD, then the user's uncommitted changes (`git diff HEAD --binary`, applied)
 * and untracked files (not ignored ones) copied in. Elsewhere: a copy of the folder, with `.git`
 * and the data folder left out. Either way `node_modules` folders are links to the originals (tests
 * need them, and they are not what a fix changes), and the copy's starting state is recorded as a
 * tree so its change can be told later (`captureCopyChange`). A failure or an abort removes what
 * was made. The copy is recorded with its owner first, so a killed process's copies are swept.
 */
export async function createWorkspaceCopy(options: CreateWorkspaceCopyOptions): Promise<WorkspaceCopy> {
  const { signal } = options;
  const shape = await describeWorkspace(options.workspace, signal);
  const parent = runCopiesDir(options.dataDir, options.runId);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const root = join(parent, `${options.label.replace(/[^A-Za-z0-9_.-]/g, '_')}-${randomBytes(3).toString('hex')}`);
  const location = shape.kind === 'git' ? { root, repository: shape.topLevel } : { root, gitDir: `${root}.git` };
  await writeCopyOwnerRecord(location);
  const made = { ...location, linkedPaths: [] as string[] };
  try {
    return shape.kind === 'git' ? await createWorktreeCopy(shape, root, options, made.linkedPaths) : await createFolderCopy(shape.root, root, `${root}.git`, options, made.linkedPaths);
  } catch (error) {
    await removeWorkspaceCopy(made);
    throw error;
  }
}

async function createWorktreeCopy(shape: Extract<WorkspaceShape, { kind: 'git' }>, root: string, options: CreateWorkspaceCopyOptions, linkedPaths: string[]): Promise<WorkspaceCopy> {
  const { signal } = options;
  const what = `copying ${options.workspace} into a worktree`;
  const top = shape.topLevel;
  await runGitOrFail(['worktree', 'add', '--detach', '--quiet', root, 'HEAD'], { cwd: top, signal, what });
  const uncommitted = await runGitOrFail(
    ['diff', 'HEAD', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', '--ignore-submodules', '--src-prefix=a/', '--dst-prefix=b/'],
    { cwd: top, signal, what },
  );
  if (uncommitted.length > 0) {
    await runGitOrFail(['apply', '--binary', '--whitespace=nowarn', '-'], { cwd: root, signal, input: uncommitted, what: `${what} (bringing the uncommitted changes across)` });
  }
  const untracked = await runGitOrFail(['ls-files', '--others', '--exclude-standard', '-z'], { cwd: top, signal, what });
  const dataDirInRepository = relative(top, resolve(options.dataDir));
  const isInData = (path: string): boolean => !dataDirInRepository.startsWith('..') && (path === dataDirInRepository || path.startsWith(`${dataDirInRepository}${sep}`));
  for (const path of untracked.toString('utf8').split('\0')) {
    // `dir/` is a nested repository (another worktree, a clone): not the workspace's content.
    if (path === '' || path.endsWith('/') || isInData(path)) continue;
    throwIfAborted(signal);
    await copyEntry(join(top, path), join(root, path));
  }
  const workspaceDir = workspaceInCopy(shape, root);
  for (const folder of new Set([top, join(top, shape.prefix)])) {
    linkedPaths.push(...(await linkDependencyFolders(folder, join(root, relative(top, folder)), root)));
  }
  const copy = { kind: 'worktree' as const, root, workspaceDir, gitEnv: {}, linkedPaths, repository: top };
  return { ...copy, baseTree: await writeCopyTree(copy, signal) };
}

async function createFolderCopy(source: string, root: string, gitDir: string, options: CreateWorkspaceCopyOptions, linkedPaths: string[]): Promise<WorkspaceCopy> {
  const { signal } = options;
  linkedPaths.push(...(await copyFolderTree(source, root, { skipPaths: [resolve(options.dataDir)], signal })));
  const gitEnv = { GIT_DIR: gitDir, GIT_WORK_TREE: root };
  await runGitOrFail(['init', '--quiet'], { cwd: root, signal, env: gitEnv, what: `copying ${options.workspace}` });
  const copy = { kind: 'folder' as const, root, workspaceDir: root, gitEnv, linkedPaths, gitDir };
  return { ...copy, baseTree: await writeCopyTree(copy, signal) };
}

/** Links each dependency folder of `source` that `target` lacks; returns the links relative to `root`. */
async function linkDependencyFolders(source: string, target: string, root: string): Promise<string[]> {
  const links: string[] = [];
  for (const name of LINKED_FOLDER_NAMES) {
    const original = join(source, name);
    const link = join(target, name);
    if (!(await isFolder(original)) || (await exists(link))) continue;
    await symlink(original, link);
    links.push(relative(root, link));
  }
  return links;
}

/**
 * Stages everything in the copy (edits, deletions, new files; ignored files and the links left out)
 * in the copy's own index and names the result as a tree object.
 */
export async function writeCopyTree(copy: Pick<WorkspaceCopy, 'root' | 'gitEnv' | 'linkedPaths'>, signal: AbortSignal): Promise<string> {
  const what = `recording the state of the copy ${copy.root}`;
  await runGitOrFail(['add', '--all', '--', '.', ...excludeLinkedPaths(copy)], { cwd: copy.root, signal, env: copy.gitEnv, what });
  const tree = (await runGitOrFail(['write-tree'], { cwd: copy.root, signal, env: copy.gitEnv, what })).toString('utf8').trim();
  if (!/^[0-9a-f]{40,64}$/.test(tree)) throw new EnsembleError('AGENT_FAILED', `${what}: git write-tree printed ${JSON.stringify(tree)}`);
  return tree;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

import { createHash } from 'node:crypto';
import { lstat, readFile, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { EnsembleError } from '../../core/index.js';
import { runGitCommand } from '../run-git-command.js';
import { checkWorkspacePath } from './commit-paths.js';
import { resolveCommit, runGitStep, splitNul } from './run-git-step.js';
import { parsePorcelainStatus } from './work-tree-state.js';

/** Bytes of dirty files' content a snapshot keeps in memory: 8 MiB; beyond it only hashes. */
export const SNAPSHOT_CONTENT_LIMIT_BYTES = 8 * 1024 * 1024;

/** What a path held: nothing, a file (its content kept while under the cap), a link, or something else (a folder). */
export type PathState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'file'; readonly executable: boolean; readonly sha256: string; readonly content?: Buffer }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'other'; readonly description: string };

/** The dirty state of a workspace at one moment: see {@link snapshotChanges}. */
export interface ChangeSnapshot {
  /** The workspace folder, real path. */
  readonly workspace: string;
  /** The work tree's top folder and the workspace's place in it (`''` or `sub/dir/`). */
  readonly topLevel: string;
  readonly prefix: string;
  /** HEAD when taken; undefined on an unborn branch. Files not in `entries` were as in this commit. */
  readonly head: string | undefined;
  /** Each dirty or untracked path (workspace-relative POSIX) and what it held. */
  readonly entries: ReadonlyMap<string, PathState>;
  /** Workspace-relative folders left out (the data folder when it lives in the workspace). */
  readonly ignore: readonly string[];
  /** False when some content was past the cap and only its hash was kept: those paths cannot be restored. */
  readonly isComplete: boolean;
}

/** Options of {@link snapshotChanges}. */
export interface SnapshotChangesOptions {
  /** A folder in a git work tree: the shared workspace. */
  readonly workspace: string;
  /** Workspace-relative folders whose changes are nobody's business (ensemble's own data folder). @default [] */
  readonly ignore?: readonly string[];
  readonly signal: AbortSignal;
}

/**
 * Records the dirty state of the workspace (`git status --porcelain=v1 -z --untracked-files=all`)
 * and the content of every dirty or untracked file, up to 8 MiB in all (past it, a hash only, and
 * that path cannot be restored). Files not listed were as in HEAD, which is recorded too. Ignored
 * files are not watched. `INVALID_INPUT` when the workspace is not in a git work tree.
 */
export async function snapshotChanges(options: SnapshotChangesOptions): Promise<ChangeSnapshot> {
  const { signal } = options;
  const workspace = await realpath(options.workspace);
  const located = await runGitCommand(['rev-parse', '--show-toplevel', '--show-prefix'], { cwd: workspace, signal });
  const [topLevel, prefix] = located.stdout.toString('utf8').split('\n');
  if (located.exitCode !== 0 || topLevel === undefined || topLevel === '') {
    throw new EnsembleError('INVALID_INPUT', `${workspace} is not in a git work tree; watching an agent's changes needs one`, { details: { workspace } });
  }
  const ignore = (options.ignore ?? []).map(checkWorkspacePath);
  const base = { workspace, topLevel, prefix: prefix ?? '', ignore };
  const entries = new Map<string, PathState>();
  let budget = SNAPSHOT_CONTENT_LIMIT_BYTES;
  let isComplete = true;
  for (const path of await dirtyPaths(base, signal)) {
    const state = await readPathState(workspace, path);
    if (state.kind === 'file' && state.content !== undefined) {
      if (state.content.length <= budget) budget -= state.content.length;
      else {
        entries.set(path, { kind: 'file', executable: state.executable, sha256: state.sha256 });
        isComplete = false;
        continue;
      }
    }
    entries.set(path, state);
  }
  return { ...base, head: await resolveCommit(workspace, 'HEAD', signal), entries, isComplete };
}

/**
 * The workspace-relative paths whose content differs now from `snapshot`: dirty files changed
 * since, files clean then and changed now, new files, deleted files, and files a commit made since
 * changed. Sorted. Another owner's commit through the shared workspace shows up too: callers
 * judge paths against the leases.
 */
export async function changedPathsSince(snapshot: ChangeSnapshot, signal: AbortSignal): Promise<string[]> {
  const candidates = new Set([...snapshot.entries.keys(), ...(await dirtyPaths(snapshot, signal))]);
  const head = await resolveCommit(snapshot.workspace, 'HEAD', signal);
  if (head !== undefined && head !== snapshot.head) {
    const from = snapshot.head ?? (await emptyTree(snapshot.workspace, signal));
    const names = await runGitStep(['diff', '--name-only', '--no-renames', '--relative', '-z', from, head, '--', '.'], {
      cwd: snapshot.workspace,
      signal,
      what: `listing what was committed in ${snapshot.workspace}`,
    });
    for (const path of splitNul(names)) if (!isIgnored(snapshot, path)) candidates.add(path);
  }
  const changed: string[] = [];
  for (const path of candidates) {
    const before = snapshot.entries.get(path) ?? (await stateInCommit(snapshot, path, signal));
    const now = await readPathState(snapshot.workspace, path);
    if (fingerprint(before) !== fingerprint(now)) changed.push(path);
  }
  return changed.sort();
}

/** What `path` held in the snapshot: its recorded state, or for a path clean then, its state in the snapshot's HEAD. */
export async function stateInSnapshot(snapshot: ChangeSnapshot, path: string, signal: AbortSignal): Promise<PathState> {
  return snapshot.entries.get(path) ?? (await stateInCommit(snapshot, path, signal));
}

/** What `path` holds on disk now. */
export async function readPathState(workspace: string, path: string): Promise<PathState> {
  const full = join(workspace, path);
  const stats = await lstat(full).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (stats === undefined) return { kind: 'absent' };
  if (stats.isSymbolicLink()) return { kind: 'symlink', target: await readlink(full) };
  if (!stats.isFile()) return { kind: 'other', description: stats.isDirectory() ? 'folder' : 'special file' };
  const content = await readFile(full);
  return { kind: 'file', executable: (stats.mode & 0o111) !== 0, sha256: sha256(content), content };
}

/** Equal for two states exactly when the path's content (and executable bit) is the same. */
export function fingerprint(state: PathState): string {
  switch (state.kind) {
    case 'absent':
      return 'absent';
    case 'file':
      return `file:${state.executable ? 'x' : '-'}:${state.sha256}`;
    case 'symlink':
      return `symlink:${state.target}`;
    case 'other':
      return `other:${state.description}`;
  }
}

/** Workspace-relative paths `git status` reports as changed or untracked (nested repositories' folders left out). */
async function dirtyPaths(location: Pick<ChangeSnapshot, 'workspace' | 'prefix' | 'ignore'>, signal: AbortSignal): Promise<string[]> {
  const status = await runGitStep(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', '.'], {
    cwd: location.workspace,
    signal,
    what: `reading the changes in ${location.workspace}`,
  });
  const paths: string[] = [];
  for (const entry of parsePorcelainStatus(status)) {
    for (const repositoryPath of entry.from === undefined ? [entry.path] : [entry.path, entry.from]) {
      // Porcelain paths are relative to the top folder whatever the current folder.
      if (repositoryPath.endsWith('/') || !repositoryPath.startsWith(location.prefix)) continue;
      const path = repositoryPath.slice(location.prefix.length);
      if (!isIgnored(location, path)) paths.push(path);
    }
  }
  return paths;
}

function isIgnored(location: Pick<ChangeSnapshot, 'ignore'>, path: string): boolean {
  return location.ignore.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

/** What `path` held in the snapshot's HEAD (absent on an unborn branch or when not in it), content included. */
async function stateInCommit(snapshot: ChangeSnapshot, path: string, signal: AbortSignal): Promise<PathState> {
  if (snapshot.head === undefined) return { kind: 'absent' };
  const what = `reading ${path} in ${snapshot.head}`;
  const listing = await runGitStep(['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', snapshot.head, '--', `${snapshot.prefix}${path}`], { cwd: snapshot.topLevel, signal, what });
  const match = /^(\d+) (\w+) ([0-9a-f]+)\t/.exec(splitNul(listing)[0] ?? '');
  if (match === null) return { kind: 'absent' };
  const [, mode, type, object] = match;
  if (type !== 'blob' || object === undefined) return { kind: 'other', description: `${type ?? 'unknown'} in the commit` };
  const blob = await runGitCommand(['cat-file', 'blob', object], { cwd: snapshot.topLevel, signal });
  if (blob.exitCode !== 0) throw new EnsembleError('GIT_FAILED', `${what}: git cat-file exited with ${String(blob.exitCode)}`, { details: { path, object } });
  if (mode === '120000') return { kind: 'symlink', target: blob.stdout.toString('utf8') };
  return { kind: 'file', executable: mode === '100755', sha256: sha256(blob.stdout), content: blob.stdout };
}

async function emptyTree(cwd: string, signal: AbortSignal): Promise<string> {
  return (await runGitStep(['hash-object', '-t', 'tree', '--stdin'], { cwd, signal, input: Buffer.alloc(0), what: 'naming the empty tree' })).trim();
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

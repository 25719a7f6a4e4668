import { lstat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnsembleError, isEnsembleError } from '../../core/index.js';
import { runGitCommand } from '../run-git-command.js';
import { withRepositoryLock } from './repository-lock.js';
import { gitFailure, identityArgs, runGitStep, splitNul } from './run-git-step.js';

/** Waits before each retry while another process holds `index.lock`, in ms: 1.5 s in all. */
const INDEX_LOCK_BACKOFF_MS = [100, 200, 400, 800] as const;

/** Options of {@link commitPaths}. */
export interface CommitPathsOptions {
  /** The shared workspace: the repository's main worktree. */
  readonly repo: string;
  /** Workspace-relative POSIX paths, each added, modified or deleted. */
  readonly paths: readonly string[];
  readonly message: string;
  readonly signal: AbortSignal;
}

/**
 * Commits exactly `paths` (their content in the work tree now: additions, edits, deletions) in the
 * shared workspace, leaving every other change as it was, staged or not. Resolves with the commit's
 * sha, or undefined when none of the paths differ from HEAD. Calls on one repository run one at a
 * time in this process; when another process holds `index.lock` the commit is tried again a few
 * times with a growing wait before failing `GIT_FAILED`.
 */
export async function commitPaths(options: CommitPathsOptions): Promise<string | undefined> {
  const paths = [...new Set(options.paths.map(checkWorkspacePath))];
  if (paths.length === 0) return undefined;
  return withRepositoryLock(options.repo, async () => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await commitPathsOnce(options.repo, paths, options.message, options.signal);
      } catch (error) {
        const wait = INDEX_LOCK_BACKOFF_MS[attempt];
        if (wait === undefined || !isIndexLocked(error)) throw error;
        await sleep(wait, undefined, { signal: options.signal });
      }
    }
  });
}

async function commitPathsOnce(repo: string, paths: readonly string[], message: string, signal: AbortSignal): Promise<string | undefined> {
  const what = `committing ${paths.join(', ')} in ${repo}`;
  // Literal pathspecs: a file named `a*.ts` is that file, not a glob.
  const git = (args: readonly string[]): Promise<string> => runGitStep(['--literal-pathspecs', ...args], { cwd: repo, signal, what });
  const tracked = new Set(splitNul(await git(['ls-files', '-z', '--', ...paths])));
  const present: string[] = [];
  for (const path of paths) {
    const onDisk = await lstat(join(repo, path)).then(
      () => true,
      () => false,
    );
    // A path neither on disk nor tracked has nothing to commit, and `git add` would reject it.
    if (onDisk || tracked.has(path)) present.push(path);
  }
  if (present.length === 0) return undefined;
  await git(['add', '--all', '--', ...present]);
  const staged = await runGitCommand(['--literal-pathspecs', 'diff', '--cached', '--quiet', '--', ...present], { cwd: repo, signal });
  if (staged.exitCode === 0) return undefined;
  if (staged.exitCode !== 1) throw gitFailure(['diff'], { cwd: repo, what }, staged);
  // `--only` (the default with paths) commits these paths and keeps whatever else the index holds out of it.
  await git([...(await identityArgs(repo, signal)), 'commit', '--quiet', '--no-verify', '--only', '-m', message, '--', ...present]);
  return (await git(['rev-parse', 'HEAD'])).trim();
}

function isIndexLocked(error: unknown): boolean {
  if (!isEnsembleError(error) || error.code !== 'GIT_FAILED') return false;
  const stderr = error.details?.['stderr'];
  return typeof stderr === 'string' && stderr.includes('index.lock');
}

/** A normalised workspace-relative POSIX path, or INVALID_INPUT for one that leaves the workspace. */
export function checkWorkspacePath(path: string): string {
  const normalised = posix.normalize(path.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (path === '' || isAbsolute(path) || normalised === '.' || normalised === '..' || normalised.startsWith('../') || normalised.split('/').includes('.git')) {
    throw new EnsembleError('INVALID_INPUT', `path ${JSON.stringify(path)} is not a workspace-relative file path`, { details: { path } });
  }
  return normalised;
}

/**
 * Records a commit with no change on HEAD (the tree stays HEAD's; index and work tree untouched),
 * serialised with {@link commitPaths}: a ticket whose work-in-progress commits already took its
 * whole change still ends with its own titled commit. Resolves with the sha.
 */
export async function commitEmpty(options: { readonly repo: string; readonly message: string; readonly signal: AbortSignal }): Promise<string> {
  const { repo, signal } = options;
  const what = `recording an empty commit in ${repo}`;
  return withRepositoryLock(repo, async () => {
    const head = (await runGitStep(['rev-parse', 'HEAD'], { cwd: repo, signal, what })).trim();
    const commit = (await runGitStep([...(await identityArgs(repo, signal)), 'commit-tree', `${head}^{tree}`, '-p', head, '-m', options.message], { cwd: repo, signal, what })).trim();
    // Compare-and-set: HEAD must still be the commit it was built on.
    await runGitStep(['update-ref', '-m', 'ensemble: ticket commit', 'HEAD', commit, head], { cwd: repo, signal, what });
    return commit;
  });
}

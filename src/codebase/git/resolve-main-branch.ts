import { EnsembleError } from '../../core/index.js';
import { runGitCommand } from '../run-git-command.js';
import { runGitStep } from './run-git-step.js';

/**
 * The branch checked out in the main worktree of the repository holding `repo` (`main`, `master`,
 * …), also when `repo` is a linked worktree. `INVALID_INPUT` when `repo` is not in a git work tree
 * or the main worktree's HEAD is detached (there is no branch to merge reviewed work into).
 */
export async function resolveMainBranch(repo: string, signal: AbortSignal): Promise<string> {
  const inside = await runGitCommand(['rev-parse', '--is-inside-work-tree'], { cwd: repo, signal }).catch((error: unknown) => {
    if (signal.aborted) throw error;
    return undefined;
  });
  if (inside?.exitCode !== 0 || inside.stdout.toString('utf8').trim() !== 'true') {
    throw new EnsembleError('INVALID_INPUT', `${repo} is not a git work tree; tickets need a git repository with a branch checked out (git init, then a first commit)`, {
      details: { repo },
    });
  }
  const listing = await runGitStep(['worktree', 'list', '--porcelain'], { cwd: repo, signal, what: `finding the main branch of ${repo}` });
  // The first stanza is always the main worktree.
  const main = listing.split('\n\n')[0]?.split('\n') ?? [];
  const worktreePath = main.find((line) => line.startsWith('worktree '))?.slice('worktree '.length) ?? repo;
  const branchLine = main.find((line) => line.startsWith('branch '));
  if (branchLine === undefined) {
    throw new EnsembleError('INVALID_INPUT', `HEAD is detached in ${worktreePath}; check out the branch reviewed tickets should merge into (git switch main)`, {
      details: { repo, worktree: worktreePath },
    });
  }
  return branchLine.slice('branch '.length).replace(/^refs\/heads\//, '');
}

import { EnsembleError } from '../../core/index.js';
import { runGitCommand } from '../run-git-command.js';
import { withRepositoryLock } from './repository-lock.js';
import { gitFailure, identityArgs, runGitStep } from './run-git-step.js';
import { conflictedFiles, listDirtyTrackedFiles } from './work-tree-state.js';

/** Options of {@link mergeBranch}. */
export interface MergeBranchOptions {
  /** The repository's main worktree, whose checked-out branch receives the merge. */
  readonly repo: string;
  readonly branch: string;
  /** The merge commit's message. */
  readonly message: string;
  readonly signal: AbortSignal;
}

/**
 * Merges `branch` into the branch checked out in `repo` with a merge commit (`git merge --no-ff`),
 * and resolves with that commit's sha. Refuses (`INVALID_INPUT`, naming the files) while tracked
 * files there have uncommitted changes, since a merge must not mix with someone's work in progress;
 * untracked files only matter when the merge would overwrite them (git refuses, so do we). On a
 * conflict the merge is aborted, leaving the work tree as it was, and `MERGE_CONFLICT` names the files.
 */
export async function mergeBranch(options: MergeBranchOptions): Promise<string> {
  const { repo, branch, signal } = options;
  const what = `merging ${branch} in ${repo}`;
  return withRepositoryLock(repo, async () => {
    const dirty = await listDirtyTrackedFiles(repo, signal);
    if (dirty.length > 0) {
      throw new EnsembleError('INVALID_INPUT', `cannot merge ${branch}: ${repo} has uncommitted changes in ${dirty.join(', ')}; commit or stash them first`, {
        details: { repo, branch, files: dirty },
      });
    }
    const args = [...(await identityArgs(repo, signal)), 'merge', '--no-ff', '--no-edit', '-m', options.message, branch];
    const merged = await runGitCommand(args, { cwd: repo, signal, env: { GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no' } });
    if (merged.exitCode === 0) return (await runGitStep(['rev-parse', 'HEAD'], { cwd: repo, signal, what })).trim();
    const files = await conflictedFiles(repo, signal);
    const inProgress = (await runGitCommand(['rev-parse', '--verify', '--quiet', 'MERGE_HEAD'], { cwd: repo, signal })).exitCode === 0;
    if (inProgress) await runGitStep(['merge', '--abort'], { cwd: repo, signal, what: `${what} (aborting the conflicted merge)` });
    if (files.length > 0) {
      throw new EnsembleError('MERGE_CONFLICT', `merging ${branch} conflicts in ${files.join(', ')}; the merge was aborted`, { details: { repo, branch, files } });
    }
    if (/untracked working tree files would be overwritten/.test(merged.stderr)) {
      // git lists them one a line, each indented with a tab.
      const untracked = merged.stderr.split('\n').filter((line) => line.startsWith('\t')).map((line) => line.trim());
      throw new EnsembleError('INVALID_INPUT', `cannot merge ${branch}: it would overwrite untracked files in ${repo} (${untracked.join(', ')}); move them away first`, {
        details: { repo, branch, files: untracked },
      });
    }
    throw gitFailure(args, { cwd: repo, what }, merged);
  });
}

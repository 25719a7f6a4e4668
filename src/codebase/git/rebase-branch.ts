import { runGitCommand } from '../run-git-command.js';
import { gitFailure, identityArgs, runGitStep } from './run-git-step.js';
import { conflictedFiles } from './work-tree-state.js';

/** Options of {@link rebaseBranch}. */
export interface RebaseBranchOptions {
  /** The worktree whose checked-out branch is rebased (a ticket's worktree). */
  readonly worktree: string;
  /** What to rebase onto: the main branch. */
  readonly onto: string;
  readonly signal: AbortSignal;
}

/** How a rebase ended: the branch's new head, or the files that conflicted (the rebase was aborted). */
export type RebaseResult = { readonly ok: true; readonly head: string } | { readonly ok: false; readonly files: readonly string[] };

/**
 * Rebases the branch checked out in `worktree` onto `onto`. On a conflict the rebase is aborted,
 * leaving the branch as it was, and the conflicted files are reported; any other failure (a dirty
 * worktree, an unknown `onto`) is `GIT_FAILED`.
 */
export async function rebaseBranch(options: RebaseBranchOptions): Promise<RebaseResult> {
  const { worktree, onto, signal } = options;
  const what = `rebasing ${worktree} onto ${onto}`;
  const args = [...(await identityArgs(worktree, signal)), 'rebase', '--quiet', onto];
  // No editor: a rebase that stops must not wait for a person at a terminal nobody watches.
  const rebased = await runGitCommand(args, { cwd: worktree, signal, env: { GIT_EDITOR: 'true', GIT_SEQUENCE_EDITOR: 'true' } });
  if (rebased.exitCode === 0) return { ok: true, head: (await runGitStep(['rev-parse', 'HEAD'], { cwd: worktree, signal, what })).trim() };
  const files = await conflictedFiles(worktree, signal);
  const inProgress = await runGitCommand(['rebase', '--show-current-patch'], { cwd: worktree, signal });
  if (inProgress.exitCode === 0 || files.length > 0) await runGitStep(['rebase', '--abort'], { cwd: worktree, signal, what: `${what} (aborting the conflicted rebase)` });
  if (files.length > 0) return { ok: false, files };
  throw gitFailure(args, { cwd: worktree, what }, rebased);
}

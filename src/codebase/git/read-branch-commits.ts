import { runGitStep } from './run-git-step.js';

/** A branch's head and the commit where it forked from the main branch. */
export interface BranchCommits {
  readonly baseCommit: string;
  readonly headCommit: string;
}

/** Reads `branch`'s head and its merge base with `mainBranch`; `GIT_FAILED` when git knows either name not. */
export async function readBranchCommits(options: { readonly repo: string; readonly mainBranch: string; readonly branch: string; readonly signal: AbortSignal }): Promise<BranchCommits> {
  const { repo, branch, signal } = options;
  const what = `reading the commits of ${branch}`;
  const headCommit = (await runGitStep(['rev-parse', '--verify', '--end-of-options', `${branch}^{commit}`], { cwd: repo, signal, what })).trim();
  const baseCommit = (await runGitStep(['merge-base', options.mainBranch, headCommit], { cwd: repo, signal, what })).trim();
  return { baseCommit, headCommit };
}

import { runGitCommand } from '../run-git-command.js';
import { gitFailure, identityArgs, runGitStep } from './run-git-step.js';

/** Who a commit is attributed to. */
export interface CommitAuthor {
  readonly name: string;
  readonly email: string;
}

/** Options of {@link commitAll}. */
export interface CommitAllOptions {
  /** The worktree whose every change is committed (a ticket's worktree). */
  readonly worktree: string;
  readonly message: string;
  /** The commit's author (`--author`); the committer stays the configured (or fallback) identity. */
  readonly author?: CommitAuthor;
  readonly signal: AbortSignal;
}

/**
 * Stages everything in the worktree (edits, deletions, untracked files; ignored ones not, and git
 * never stages `.git`) and commits it. Resolves with the commit's sha, or undefined when nothing
 * changed. Hooks do not run (`runGitCommand` turns them off): the ticket's verify command is the check.
 */
export async function commitAll(options: CommitAllOptions): Promise<string | undefined> {
  const { worktree, signal } = options;
  const what = `committing the work in ${worktree}`;
  await runGitStep(['add', '--all', '--', '.'], { cwd: worktree, signal, what });
  const staged = await runGitCommand(['diff', '--cached', '--quiet'], { cwd: worktree, signal });
  if (staged.exitCode === 0) return undefined;
  if (staged.exitCode !== 1) throw gitFailure(['diff'], { cwd: worktree, what }, staged);
  const author = options.author === undefined ? [] : [`--author=${options.author.name} <${options.author.email}>`];
  await runGitStep([...(await identityArgs(worktree, signal)), 'commit', '--quiet', '--no-verify', ...author, '-m', options.message], { cwd: worktree, signal, what });
  return (await runGitStep(['rev-parse', 'HEAD'], { cwd: worktree, signal, what })).trim();
}

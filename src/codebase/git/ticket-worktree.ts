import { mkdir, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { EnsembleError } from '../../core/index.js';
import { runGitCommand } from '../run-git-command.js';
import { gitFailure, runGitStep } from './run-git-step.js';

/** A ticket's private worktree and the branch checked out in it. */
export interface TicketWorktree {
  /** Absolute: `<dataDir>/worktrees/tickets/<ticketId>`. */
  readonly path: string;
  /** `ensemble/<ticketId>`. */
  readonly branch: string;
}

/** Options of {@link createTicketWorktree}. */
export interface CreateTicketWorktreeOptions {
  /** The repository (its main worktree or any folder in it). */
  readonly repo: string;
  readonly dataDir: string;
  readonly ticketId: string;
  /** Where the branch starts: the main branch, or a commit. */
  readonly baseRef: string;
  readonly signal: AbortSignal;
}

/** The branch of a ticket's worktree. */
export function ticketBranchName(ticketId: string): string {
  return `ensemble/${checkTicketId(ticketId)}`;
}

/** The folder of a ticket's worktree. */
export function ticketWorktreePath(dataDir: string, ticketId: string): string {
  return join(resolve(dataDir), 'worktrees', 'tickets', checkTicketId(ticketId));
}

/**
 * Makes the ticket's worktree with `git worktree add -B ensemble/<ticketId> <path> <baseRef>`. When
 * the worktree is there already (a resumed run) it is reused as it is, work in progress included;
 * a folder at the path that git does not know as a worktree (a crash half-way) is replaced.
 */
export async function createTicketWorktree(options: CreateTicketWorktreeOptions): Promise<TicketWorktree> {
  const { repo, signal } = options;
  const path = ticketWorktreePath(options.dataDir, options.ticketId);
  const branch = ticketBranchName(options.ticketId);
  const what = `creating the worktree of ticket ${options.ticketId}`;
  if (await isRegisteredWorktree(repo, path, signal)) {
    if (await exists(path)) return { path, branch };
    // Registered but its folder is gone: git refuses to add it again until pruned.
    await runGitStep(['worktree', 'prune'], { cwd: repo, signal, what });
  } else if (await exists(path)) {
    await rm(path, { recursive: true, force: true });
  }
  await mkdir(dirname(path), { recursive: true });
  await runGitStep(['worktree', 'add', '--quiet', '-B', branch, path, options.baseRef], { cwd: repo, signal, what });
  return { path, branch };
}

/**
 * Makes sure `branch` is checked out in a worktree at `path`, adding one (without moving the branch)
 * when the folder is gone, so a branch whose worktree was removed by hand can still be rebased.
 */
export async function ensureBranchWorktree(options: { readonly repo: string; readonly path: string; readonly branch: string; readonly signal: AbortSignal }): Promise<void> {
  const { repo, path, signal } = options;
  if (await exists(path)) return;
  const what = `restoring the worktree of ${options.branch} at ${path}`;
  await runGitStep(['worktree', 'prune'], { cwd: repo, signal, what });
  await mkdir(dirname(path), { recursive: true });
  await runGitStep(['worktree', 'add', '--quiet', path, options.branch], { cwd: repo, signal, what });
}

/** Options of {@link removeTicketWorktree}. */
export interface RemoveTicketWorktreeOptions {
  readonly repo: string;
  /** The worktree's folder. */
  readonly path: string;
  /** The branch to delete with it, when `deleteBranch`. */
  readonly branch?: string;
  /** Deletes `branch` too (`git branch -D`): after a merge or a rejection. */
  readonly deleteBranch: boolean;
  readonly signal: AbortSignal;
}

/**
 * Removes a ticket's worktree whatever its state (`git worktree remove --force --force`, uncommitted
 * work and locks included), prunes git's record of it, and deletes its branch when asked. Removing
 * what is already gone is not an error.
 */
export async function removeTicketWorktree(options: RemoveTicketWorktreeOptions): Promise<void> {
  const { repo, path, signal } = options;
  const what = `removing the worktree ${path}`;
  if (await isRegisteredWorktree(repo, path, signal)) {
    const removed = await runGitCommand(['worktree', 'remove', '--force', '--force', path], { cwd: repo, signal });
    if (removed.exitCode !== 0 && (await exists(path))) throw gitFailure(['worktree', 'remove'], { cwd: repo, what }, removed);
  }
  await rm(path, { recursive: true, force: true });
  await runGitStep(['worktree', 'prune'], { cwd: repo, signal, what });
  if (options.deleteBranch && options.branch !== undefined) {
    const ref = `refs/heads/${options.branch}`;
    const known = await runGitCommand(['show-ref', '--verify', '--quiet', ref], { cwd: repo, signal });
    if (known.exitCode === 0) await runGitStep(['branch', '-D', options.branch], { cwd: repo, signal, what: `deleting the branch ${options.branch}` });
  }
}

/** Whether git lists `path` among the repository's worktrees (comparing real paths: /tmp may be a link). */
async function isRegisteredWorktree(repo: string, path: string, signal: AbortSignal): Promise<boolean> {
  const listing = await runGitStep(['worktree', 'list', '--porcelain'], { cwd: repo, signal, what: `listing the worktrees of ${repo}` });
  const wanted = new Set([path, await realpath(path).catch(() => path), join(await realpath(dirname(path)).catch(() => dirname(path)), path.split(/[\\/]/).at(-1) ?? '')]);
  return listing.split('\n').some((line) => line.startsWith('worktree ') && wanted.has(line.slice('worktree '.length)));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function checkTicketId(ticketId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ticketId) || ticketId.includes('..')) {
    throw new EnsembleError('INVALID_INPUT', `ticket id ${JSON.stringify(ticketId)} cannot name a branch and a folder; use letters, digits, '-', '_' and '.'`);
  }
  return ticketId;
}

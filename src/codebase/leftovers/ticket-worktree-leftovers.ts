import { readdir, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { EnsembleError } from '../../core/index.js';
import { runGitCommand } from '../run-git-command.js';

/** A ticket's worktree folder in the data folder (`<dataDir>/worktrees/tickets/<ticketId>`) as cleanup finds it. */
export interface TicketWorktreeFolder {
  /** The folder's name: the ticket id. */
  readonly ticketId: string;
  readonly path: string;
  /** The repository's main worktree, when the folder is a worktree of its own (not a stray folder inside some repository). */
  readonly repository?: string;
  /** Changed, staged or untracked files (ignored ones aside); true as well when git could not tell, so the work is kept. */
  readonly hasUncommittedChanges: boolean;
}

/** The ticket worktree folders under `<dataDir>/worktrees/tickets/`, with their repository and whether they hold uncommitted work; removes nothing. */
export async function listTicketWorktreeFolders(dataDir: string, signal: AbortSignal): Promise<TicketWorktreeFolder[]> {
  const top = join(resolve(dataDir), 'worktrees', 'tickets');
  const folders: TicketWorktreeFolder[] = [];
  for (const entry of await listEntries(top)) {
    if (!entry.isDirectory()) continue;
    const path = join(top, entry.name);
    const repository = await findOwnRepository(path, signal);
    const status = repository === undefined ? undefined : await runGitCommand(['status', '--porcelain=v1', '--untracked-files=normal'], { cwd: path, signal });
    const hasUncommittedChanges = status === undefined || status.exitCode !== 0 || status.stdout.length > 0;
    folders.push({ ticketId: entry.name, path, ...(repository === undefined ? {} : { repository }), hasUncommittedChanges });
  }
  return folders;
}

/**
 * Removes a ticket's worktree without force (`git worktree remove`): git itself refuses one with
 * uncommitted or untracked work, or a locked one. Its branch is kept, with every commit on it.
 * @throws EnsembleError `AGENT_FAILED` with git's reason when git refuses.
 */
export async function removeCleanTicketWorktree(folder: TicketWorktreeFolder & { readonly repository: string }, signal: AbortSignal): Promise<void> {
  const result = await runGitCommand(['worktree', 'remove', folder.path], { cwd: folder.repository, signal });
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split('\n').at(-1) ?? `exit ${String(result.exitCode)}`;
    throw new EnsembleError('AGENT_FAILED', `git worktree remove ${folder.path}: ${reason}`, { details: { path: folder.path, stderr: result.stderr } });
  }
}

/**
 * Worktrees registered in `repository` under `underDir` whose folders are gone (git's `prunable`,
 * git 2.31 and later; older git lists none, and nothing is pruned). Empty when `repository` is no
 * repository.
 */
export async function listPrunableWorktrees(repository: string, underDir: string, signal: AbortSignal): Promise<string[]> {
  const listing = await runGitCommand(['worktree', 'list', '--porcelain'], { cwd: repository, signal }).catch(() => undefined);
  if (listing === undefined || listing.exitCode !== 0) return [];
  const roots = [resolve(underDir), await realpath(underDir).catch(() => resolve(underDir))].map((root) => `${root}${sep}`);
  const prunable: string[] = [];
  for (const block of listing.stdout.toString('utf8').split('\n\n')) {
    const lines = block.split('\n');
    const path = lines.find((line) => line.startsWith('worktree '))?.slice('worktree '.length);
    if (path !== undefined && lines.some((line) => line.startsWith('prunable')) && roots.some((root) => path.startsWith(root))) prunable.push(path);
  }
  return prunable;
}

/** `git worktree prune` in `repository`: forgets worktrees whose folders are gone. */
export async function pruneWorktrees(repository: string, signal: AbortSignal): Promise<void> {
  const result = await runGitCommand(['worktree', 'prune'], { cwd: repository, signal });
  if (result.exitCode !== 0) {
    throw new EnsembleError('AGENT_FAILED', `git worktree prune in ${repository}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`, { details: { repository } });
  }
}

/** The main worktree of the repository `path` is a worktree of, if `path` is the top of a worktree (not a folder inside another repository). */
async function findOwnRepository(path: string, signal: AbortSignal): Promise<string | undefined> {
  const top = await runGitCommand(['rev-parse', '--show-toplevel'], { cwd: path, signal }).catch(() => undefined);
  if (top === undefined || top.exitCode !== 0) return undefined;
  const real = await realpath(path).catch(() => path);
  if (top.stdout.toString('utf8').trim() !== real) return undefined;
  const listing = await runGitCommand(['worktree', 'list', '--porcelain'], { cwd: path, signal }).catch(() => undefined);
  if (listing === undefined || listing.exitCode !== 0) return undefined;
  // The first entry is the main worktree (or the bare repository).
  const first = listing.stdout.toString('utf8').split('\n').find((line) => line.startsWith('worktree '));
  return first?.slice('worktree '.length);
}

async function listEntries(path: string) {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch {
    return [];
  }
}

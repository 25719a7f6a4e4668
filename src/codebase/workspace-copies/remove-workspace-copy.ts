import { rm, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runGitCommand } from '../run-git-command.js';
import { ownerFileOf } from './copy-owner-record.js';

/** Longest the removal of one copy may take, in ms; it runs after an abort, so it has its own deadline. */
const REMOVAL_TIMEOUT_MS = 60_000;

/** What removing a copy takes: where it is, where it is registered, what in it is a link. */
export interface CopyLocation {
  readonly root: string;
  readonly repository?: string | undefined;
  readonly gitDir?: string | undefined;
  readonly linkedPaths?: readonly string[];
}

/**
 * Removes a copy and every trace of it: its links first (so nothing follows them into the
 * originals), the worktree's registration (`git worktree remove --force`, then `prune` for one
 * whose folder is already gone), the folder, a folder copy's git dir, the owner record, and the
 * run's copies folder once empty. Never throws: it runs in `finally` blocks, after aborts too, with
 * a deadline of its own rather than the task's (already aborted) signal.
 */
export async function removeWorkspaceCopy(copy: CopyLocation): Promise<void> {
  const signal = AbortSignal.timeout(REMOVAL_TIMEOUT_MS);
  for (const path of copy.linkedPaths ?? []) await unlink(join(copy.root, path)).catch(() => undefined);
  if (copy.repository !== undefined) {
    // Twice --force: a locked worktree goes too.
    await runGitCommand(['worktree', 'remove', '--force', '--force', copy.root], { cwd: copy.repository, signal }).catch(() => undefined);
  }
  await rm(copy.root, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  if (copy.gitDir !== undefined) await rm(copy.gitDir, { recursive: true, force: true }).catch(() => undefined);
  if (copy.repository !== undefined) await runGitCommand(['worktree', 'prune'], { cwd: copy.repository, signal }).catch(() => undefined);
  await rm(ownerFileOf(copy.root), { force: true }).catch(() => undefined);
  // Not empty: another copy of the run is in use.
  await rmdir(dirname(copy.root)).catch(() => undefined);
}

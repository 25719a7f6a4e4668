import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { isProcessAlive } from '../../host/index.js';
import { runGitCommand } from '../run-git-command.js';
import { readCopyOwnerRecord } from './copy-owner-record.js';
import { removeWorkspaceCopy } from './remove-workspace-copy.js';

const OWNER_FILE_SUFFIX = '.owner.json';

/** Options of {@link sweepLeftoverCopies}. */
export interface SweepLeftoverCopiesOptions {
  readonly dataDir: string;
  /** A repository whose stale worktree registrations are pruned too (the workspace's), when it is one. */
  readonly repository?: string;
  readonly signal: AbortSignal;
}

/**
 * Removes the copies that processes killed mid-run left in `<dataDir>/worktrees/`: those whose
 * owner record names this host and a process that is gone (or a reused pid). Copies of live
 * processes and of other hosts (a shared data folder) are left alone. Then `git worktree prune`
 * drops registrations whose folders were deleted by hand. Resolves with the copies removed.
 */
export async function sweepLeftoverCopies(options: SweepLeftoverCopiesOptions): Promise<string[]> {
  const removed: string[] = [];
  const top = join(resolve(options.dataDir), 'worktrees');
  const host = hostname();
  for (const runFolder of await listFolder(top)) {
    for (const name of await listFolder(join(top, runFolder))) {
      if (!name.endsWith(OWNER_FILE_SUFFIX) || options.signal.aborted) continue;
      const record = await readCopyOwnerRecord(join(top, runFolder, name));
      // Unreadable: its owner may still be writing it.
      if (record === undefined || record.host !== host || isProcessAlive(record.pid, record.startTicks)) continue;
      // The folders are derived from the record's place, never read from it: only copies under the data folder go.
      // Its links need no unlinking first: neither git nor rm follows a link when removing a folder.
      const root = join(top, runFolder, name.slice(0, -OWNER_FILE_SUFFIX.length));
      await removeWorkspaceCopy({ root, repository: record.repository, gitDir: record.gitDir === undefined ? undefined : `${root}.git` });
      removed.push(root);
    }
  }
  if (options.repository !== undefined) await runGitCommand(['worktree', 'prune'], { cwd: options.repository, signal: options.signal }).catch(() => undefined);
  return removed;
}

async function listFolder(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

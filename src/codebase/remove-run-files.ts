import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { patchFilePath } from './patch-store.js';
import { runCopiesDir } from './workspace-copies/index.js';

/**
 * Removes what isolated tasks of a removed run left in the data folder: its patches and any
 * workspace copy a crash left behind (git forgets such a worktree at its next `worktree prune`).
 * Returns the folders that existed and were removed.
 */
export async function removeRunFiles(dataDir: string, runId: string): Promise<string[]> {
  const folders = [dirname(patchFilePath(dataDir, runId, 'any')), runCopiesDir(dataDir, runId)];
  const removed: string[] = [];
  for (const folder of folders) {
    try {
      await rm(folder, { recursive: true });
      removed.push(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}

import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { copyOwnerRecordSchema, type CopyOwnerRecord } from '../schema.js';
import { removeWorkspaceCopy } from '../workspace-copies/index.js';

// `createWorkspaceCopy` writes `<root>.owner.json` beside each copy before making it.
const OWNER_FILE_SUFFIX = '.owner.json';

/** A private copy of a workspace in the data folder, with the record of the process that made it. */
export interface RecordedWorkspaceCopy {
  /** The copy's folder: `<dataDir>/worktrees/<run folder>/<label>-<hex>`. */
  readonly root: string;
  /** The run folder's name: the run id (characters a path cannot hold replaced by `_`). */
  readonly runFolder: string;
  readonly owner: CopyOwnerRecord;
}

/**
 * Every workspace copy under `<dataDir>/worktrees/` whose owner record reads back (one being written
 * by a live process is skipped, as the sweep at a run's start skips it). Ticket worktrees, which
 * have no owner record, are not listed. Removes nothing.
 */
export async function listRecordedWorkspaceCopies(dataDir: string): Promise<RecordedWorkspaceCopy[]> {
  const top = join(resolve(dataDir), 'worktrees');
  const copies: RecordedWorkspaceCopy[] = [];
  for (const runFolder of await listFolder(top)) {
    for (const name of await listFolder(join(top, runFolder))) {
      if (!name.endsWith(OWNER_FILE_SUFFIX)) continue;
      const owner = await readOwnerRecord(join(top, runFolder, name));
      // The folder is derived from the record's place, never read from it: only copies under the data folder are ever named.
      if (owner !== undefined) copies.push({ root: join(top, runFolder, name.slice(0, -OWNER_FILE_SUFFIX.length)), runFolder, owner });
    }
  }
  return copies;
}

/** Removes a listed copy with every trace of it (its worktree registration, a folder copy's git dir, the owner record); never throws. */
export async function removeRecordedWorkspaceCopy(copy: RecordedWorkspaceCopy): Promise<void> {
  await removeWorkspaceCopy({ root: copy.root, repository: copy.owner.repository, gitDir: copy.owner.gitDir === undefined ? undefined : `${copy.root}.git` });
}

async function readOwnerRecord(path: string): Promise<CopyOwnerRecord | undefined> {
  try {
    const parsed = copyOwnerRecordSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function listFolder(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

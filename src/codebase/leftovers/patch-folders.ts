import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A run's folder of patches in the data folder (`<dataDir>/patches/<runId>/`). */
export interface PatchFolder {
  readonly runId: string;
  readonly path: string;
  /** `<taskId>.patch.<pid>.partial` files a process killed while storing a patch left. */
  readonly partialFiles: readonly string[];
}

/** The runs' patch folders under `<dataDir>/patches/`, with their half-written files; removes nothing. */
export async function listPatchFolders(dataDir: string): Promise<PatchFolder[]> {
  const top = join(resolve(dataDir), 'patches');
  const folders: PatchFolder[] = [];
  for (const entry of await listEntries(top)) {
    if (!entry.isDirectory()) continue;
    const path = join(top, entry.name);
    const partialFiles = (await listEntries(path)).filter((file) => file.isFile() && file.name.endsWith('.partial')).map((file) => join(path, file.name));
    folders.push({ runId: entry.name, path, partialFiles });
  }
  return folders;
}

/** Removes a file or folder (recursively); one that is gone already counts as removed. */
export async function removeDataPath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

async function listEntries(path: string) {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch {
    return [];
  }
}

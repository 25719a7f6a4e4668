import { copyFile, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { throwIfAborted } from './throw-if-aborted.js';

/** Folders a copy links to instead of copying: installed dependencies, large and never the subject of a fix. */
export const LINKED_FOLDER_NAMES: ReadonlySet<string> = new Set(['node_modules']);

/** Options of {@link copyFolderTree}. */
export interface CopyFolderTreeOptions {
  /** Absolute paths not copied at all (the data folder, where the copies themselves live). */
  readonly skipPaths: readonly string[];
  readonly signal: AbortSignal;
}

/**
 * Copies the folder `source` to `target` (which must not exist): files with their mode, symbolic
 * links as links, `.git` left out (the copy gets a git dir of its own), folders named in
 * {@link LINKED_FOLDER_NAMES} replaced by a link to the original so tests can run in the copy.
 * Resolves with the paths of those links, relative to `target`.
 */
export async function copyFolderTree(source: string, target: string, options: CopyFolderTreeOptions): Promise<string[]> {
  const linked: string[] = [];
  const skip = new Set(options.skipPaths);
  const copyInto = async (from: string, to: string): Promise<void> => {
    throwIfAborted(options.signal);
    await mkdir(to, { recursive: true });
    for (const entry of await readdir(from, { withFileTypes: true })) {
      const fromPath = join(from, entry.name);
      const toPath = join(to, entry.name);
      if (skip.has(fromPath) || (entry.name === '.git' && from === source)) continue;
      if (entry.isDirectory() && LINKED_FOLDER_NAMES.has(entry.name)) {
        await symlink(fromPath, toPath);
        linked.push(relative(target, toPath));
      } else if (entry.isDirectory()) {
        await copyInto(fromPath, toPath);
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(fromPath), toPath);
      } else if (entry.isFile()) {
        await copyFile(fromPath, toPath);
      }
      // Sockets, fifos and devices are not workspace content: left out.
    }
  };
  await copyInto(source, target);
  return linked;
}

/** Copies one file or symbolic link from `source` to `target` (parents made as needed); anything else is left out. */
export async function copyEntry(source: string, target: string): Promise<void> {
  const stats = await lstat(source);
  if (!stats.isFile() && !stats.isSymbolicLink()) return;
  await mkdir(dirname(target), { recursive: true });
  if (stats.isSymbolicLink()) await symlink(await readlink(source), target);
  else await copyFile(source, target);
}

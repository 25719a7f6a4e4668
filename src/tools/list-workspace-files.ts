import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GitignoreRules } from './gitignore-rules.js';
import { isInside, toDisplay } from './workspace-path.js';

/** Folders never walked: the repository's data, and installed dependencies (huge, and not the project's code). */
export const SKIPPED_FOLDER_NAMES: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/** Directory entries a walk looks at before it stops and says so: bounds a walk of a huge tree. */
export const MAX_WALKED_ENTRIES = 200_000;

/** A regular file found by {@link listWorkspaceFiles}. */
export interface WorkspaceFile {
  /** Where the content really is (a symbolic link's target, which is inside the workspace). */
  readonly realPath: string;
  /** Workspace-relative path with `/` separators, as the file is named where it was found. */
  readonly display: string;
}

export interface ListWorkspaceFilesOptions {
  /** The workspace's real path. */
  readonly workspaceDir: string;
  /** The real path of the folder to walk, inside the workspace. */
  readonly startDir: string;
  /** Keeps a file in the result, by its path relative to `startDir` (`/` separators); every file when absent. */
  readonly isWanted?: (pathFromStart: string) => boolean;
  /** Skips what `.gitignore` files (from the workspace down to each folder) ignore. @default false */
  readonly isGitignoreHonoured?: boolean;
  /** @default MAX_WALKED_ENTRIES */
  readonly maxEntries?: number;
  readonly signal: AbortSignal;
}

export interface WorkspaceFileList {
  /** In walk order: folders sorted by name, depth first. */
  readonly files: readonly WorkspaceFile[];
  /** True when the walk stopped at `maxEntries` and `files` may miss some. */
  readonly isCut: boolean;
}

/**
 * The regular files under `startDir`, never anything outside the workspace: `.git` and
 * `node_modules` folders are skipped; a symbolic link to a file counts when its target is inside
 * the workspace; a symbolic link to a folder is not followed (ripgrep's default, and a link cannot
 * loop the walk or lead it out); dangling links, sockets, FIFOs and devices are left out.
 */
export async function listWorkspaceFiles(options: ListWorkspaceFilesOptions): Promise<WorkspaceFileList> {
  const { workspaceDir, signal } = options;
  const maxEntries = options.maxEntries ?? MAX_WALKED_ENTRIES;
  const gitignore = options.isGitignoreHonoured === true ? await loadGitignoreChain(workspaceDir, options.startDir) : undefined;
  const files: WorkspaceFile[] = [];
  let entryCount = 0;

  const startDisplay = toDisplay(workspaceDir, options.startDir);
  const isWanted = (display: string) => options.isWanted === undefined || options.isWanted(startDisplay === '.' ? display : display.slice(startDisplay.length + 1));
  const walk = async (folder: string): Promise<boolean> => {
    signal.throwIfAborted();
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return true; // A folder we may not read is left out, as ripgrep does.
    }
    entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
    const folderDisplay = toDisplay(workspaceDir, folder);
    if (gitignore !== undefined && entries.some((entry) => entry.name === '.gitignore')) await gitignore.addFolder(folder, folderDisplay);
    for (const entry of entries) {
      entryCount += 1;
      if (entryCount > maxEntries) return false;
      const path = join(folder, entry.name);
      const display = folderDisplay === '.' ? entry.name : `${folderDisplay}/${entry.name}`;
      if (entry.isDirectory()) {
        if (SKIPPED_FOLDER_NAMES.has(entry.name) || gitignore?.isIgnored(display, true) === true) continue;
        if (!(await walk(path))) return false;
      } else if (entry.isFile()) {
        if (gitignore?.isIgnored(display, false) === true) continue;
        if (isWanted(display)) files.push({ realPath: path, display });
      } else if (entry.isSymbolicLink()) {
        if (gitignore?.isIgnored(display, false) === true) continue;
        if (!isWanted(display)) continue;
        const target = await fileTargetInside(workspaceDir, path);
        if (target !== undefined) files.push({ realPath: target, display });
      }
    }
    return true;
  };

  const isComplete = await walk(options.startDir);
  return { files, isCut: !isComplete };
}

/** The real path of the link at `path` when it leads to a regular file inside the workspace. */
async function fileTargetInside(workspaceDir: string, path: string): Promise<string | undefined> {
  try {
    const target = await realpath(path);
    if (!isInside(workspaceDir, target)) return undefined;
    return (await stat(target)).isFile() ? target : undefined;
  } catch {
    return undefined; // Dangling, or a loop of links.
  }
}

/** The `.gitignore` files of the workspace and every folder down to `startDir`, which apply to what is below them. */
async function loadGitignoreChain(workspaceDir: string, startDir: string): Promise<GitignoreRules> {
  const rules = new GitignoreRules();
  const startDisplay = toDisplay(workspaceDir, startDir);
  const parts = startDisplay === '.' ? [] : startDisplay.split('/');
  // The start folder's own .gitignore is read by the walk; its ancestors' are read here.
  for (let depth = 0; depth < parts.length; depth += 1) {
    const folderParts = parts.slice(0, depth);
    await rules.addFolder(join(workspaceDir, ...folderParts), folderParts.length === 0 ? '.' : folderParts.join('/'));
  }
  return rules;
}

import { copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runGit } from './run-git.js';

/** Largest diff kept as evidence: 256 KiB. */
export const MAX_DIFF_BYTES = 256 * 1024;

const SMALL_OUTPUT_BYTES = 64 * 1024;

/** The state of a git work tree when a task started, as a tree object. */
export interface WorkTreeSnapshot {
  /** The work tree's top folder. */
  readonly topLevel: string;
  /** The snapshot's own index, in the attempt's scratch folder; the user's index is never written. */
  readonly indexFile: string;
  /** The tree object of everything in the work tree, untracked files included (ignored ones not). */
  readonly tree: string;
}

/**
 * Snapshots the git work tree holding `workspaceDir`: a copy of its index (so unchanged files are
 * not hashed again) takes `git add -A` — edits, deletions and untracked files, .gitignore respected
 * — and `git write-tree` names the result. `onTopLevel` hears the work tree's top folder before
 * the snapshot is taken. Undefined when the folder is not in a work tree or git fails (evidence is best effort).
 */
export async function snapshotWorkTree(
  workspaceDir: string,
  scratchDir: string,
  signal: AbortSignal,
  onTopLevel?: (topLevel: string) => void,
): Promise<WorkTreeSnapshot | undefined> {
  const info = await runGit(['rev-parse', '--is-inside-work-tree', '--show-toplevel', '--git-path', 'index'], {
    cwd: workspaceDir,
    signal,
    maxBytes: SMALL_OUTPUT_BYTES,
  });
  const [inside, topLevel, indexPath] = info?.stdout.split('\n') ?? [];
  if (inside !== 'true' || topLevel === undefined || indexPath === undefined) return undefined;
  onTopLevel?.(topLevel);
  const indexFile = join(scratchDir, 'snapshot-index');
  try {
    await copyFile(resolve(workspaceDir, indexPath), indexFile);
  } catch {
    // No index yet (a fresh repository): the snapshot starts from an empty one.
  }
  const tree = await writeWorkTree(topLevel, indexFile, signal);
  return tree === undefined ? undefined : { topLevel, indexFile, tree };
}

/**
 * What changed in the work tree since `snapshot`: a second snapshot diffed against the first, so
 * changes that were there before the task are not in it, and new untracked files are. Capped at
 * `maxBytes` (a note says so); undefined when git fails.
 */
export async function diffSinceSnapshot(snapshot: WorkTreeSnapshot, signal: AbortSignal, maxBytes = MAX_DIFF_BYTES): Promise<string | undefined> {
  const tree = await writeWorkTree(snapshot.topLevel, snapshot.indexFile, signal);
  if (tree === undefined) return undefined;
  const diff = await runGit(['diff', '--no-color', '--no-ext-diff', '--no-textconv', snapshot.tree, tree], { cwd: snapshot.topLevel, signal, maxBytes });
  if (diff === undefined) return undefined;
  return diff.isTruncated ? `${diff.stdout}\n[diff truncated at ${maxBytes} bytes]\n` : diff.stdout;
}

async function writeWorkTree(topLevel: string, indexFile: string, signal: AbortSignal): Promise<string | undefined> {
  const env = { GIT_INDEX_FILE: indexFile };
  // --ignore-errors: an unreadable file is left out rather than losing the whole snapshot.
  const added = await runGit(['add', '--all', '--ignore-errors', '--', '.'], { cwd: topLevel, signal, maxBytes: SMALL_OUTPUT_BYTES, env, acceptedExitCodes: [0, 1] });
  if (added === undefined) return undefined;
  const tree = await runGit(['write-tree'], { cwd: topLevel, signal, maxBytes: SMALL_OUTPUT_BYTES, env });
  const name = tree?.stdout.trim();
  return name === undefined || !/^[0-9a-f]{40,64}$/.test(name) ? undefined : name;
}

import { runGitStep, splitNul } from './run-git-step.js';

/** Tracked files of the work tree at `cwd` with staged or unstaged changes (untracked files not counted). */
export async function listDirtyTrackedFiles(cwd: string, signal: AbortSignal): Promise<string[]> {
  const status = await runGitStep(['status', '--porcelain=v1', '-z', '--untracked-files=no'], { cwd, signal, what: `reading the state of ${cwd}` });
  return parsePorcelainStatus(status).map((entry) => entry.path);
}

/** Files left unmerged in the index of `cwd` by a conflicted merge or rebase. */
export async function conflictedFiles(cwd: string, signal: AbortSignal): Promise<string[]> {
  const names = await runGitStep(['diff', '--name-only', '--diff-filter=U', '-z'], { cwd, signal, what: `listing the conflicted files in ${cwd}` });
  return [...new Set(splitNul(names))];
}

/** One line of `git status --porcelain=v1 -z`: the two status letters and the path (and a rename's source). */
export interface PorcelainEntry {
  readonly index: string;
  readonly workTree: string;
  /** Repository-relative; a folder (a nested repository) ends in `/`. */
  readonly path: string;
  /** A rename's or copy's source path. */
  readonly from?: string;
}

/** Parses `git status --porcelain=v1 -z`, where a rename's entry is followed by its source path. */
export function parsePorcelainStatus(text: string): PorcelainEntry[] {
  const fields = text.split('\0');
  const entries: PorcelainEntry[] = [];
  for (let position = 0; position < fields.length; position += 1) {
    const field = fields[position] ?? '';
    if (field.length < 4) continue;
    const index = field[0] ?? ' ';
    const workTree = field[1] ?? ' ';
    const path = field.slice(3);
    if (index === 'R' || index === 'C' || workTree === 'R' || workTree === 'C') {
      position += 1;
      entries.push({ index, workTree, path, from: fields[position] ?? '' });
    } else {
      entries.push({ index, workTree, path });
    }
  }
  return entries;
}

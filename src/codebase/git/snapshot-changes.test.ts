import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempFolder } from '../../../test/helpers/temp-folder.js';
import type { TempFolder } from '../../../test/helpers/temp-folder.js';
import { commitFiles, gitIn, makeTicketRepository, writeFiles } from '../../../test/helpers/git-ticket-repo.js';
import { changedPathsSince, restorePaths, SNAPSHOT_CONTENT_LIMIT_BYTES, snapshotChanges } from './index.js';

const signal = new AbortController().signal;
let temp: TempFolder;
let repo: string;

beforeEach(() => {
  temp = createTempFolder('ensemble-git-snapshot-');
  repo = makeTicketRepository(join(temp.folder, 'repo'), { 'clean.txt': 'clean\n', 'dirty.txt': 'committed\n', 'old.txt': 'old\n', 'kept.txt': 'kept\n', 'sub/inner.txt': 'inner\n' });
  // Dirty before the command runs: someone's work in progress, which must count as the starting point.
  writeFiles(repo, { 'dirty.txt': 'work in progress\n', 'notes.txt': 'untracked before\n', '.ensemble/ensemble.db': 'journal v1' });
});
afterEach(() => temp.remove());

const read = (path: string): string => readFileSync(join(repo, path), 'utf8');

describe('snapshotChanges, changedPathsSince and restorePaths', () => {
  it('finds edits of clean and dirty files, new files and deletions, and puts them back', async () => {
    const snapshot = await snapshotChanges({ workspace: repo, ignore: ['.ensemble'], signal });
    expect(snapshot.isComplete).toBe(true);
    expect([...snapshot.entries.keys()].sort()).toEqual(['dirty.txt', 'notes.txt']);
    expect(await changedPathsSince(snapshot, signal)).toEqual([]);

    writeFiles(repo, { 'clean.txt': 'changed by the command\n', 'dirty.txt': 'overwritten by the command\n', 'new/deep/file.txt': 'new\n', '.ensemble/ensemble.db': 'journal v2' });
    rmSync(join(repo, 'old.txt'));
    rmSync(join(repo, 'notes.txt'));
    // Written back as it was: no change.
    writeFiles(repo, { 'kept.txt': 'scratch\n' });
    writeFiles(repo, { 'kept.txt': 'kept\n' });

    const changed = await changedPathsSince(snapshot, signal);
    expect(changed).toEqual(['clean.txt', 'dirty.txt', 'new/deep/file.txt', 'notes.txt', 'old.txt']);

    expect(await restorePaths(snapshot, changed, signal)).toEqual([]);
    expect(read('clean.txt')).toBe('clean\n');
    expect(read('dirty.txt')).toBe('work in progress\n');
    expect(read('old.txt')).toBe('old\n');
    expect(read('notes.txt')).toBe('untracked before\n');
    expect(existsSync(join(repo, 'new'))).toBe(false);
    expect(read('.ensemble/ensemble.db')).toBe('journal v2');
    expect(await changedPathsSince(snapshot, signal)).toEqual([]);
  });

  it('restores only the paths asked for', async () => {
    const snapshot = await snapshotChanges({ workspace: repo, ignore: ['.ensemble'], signal });
    writeFiles(repo, { 'clean.txt': 'outside the lease\n', 'kept.txt': 'inside the lease\n' });
    expect(await restorePaths(snapshot, ['clean.txt'], signal)).toEqual([]);
    expect(read('clean.txt')).toBe('clean\n');
    expect(read('kept.txt')).toBe('inside the lease\n');
    expect(await changedPathsSince(snapshot, signal)).toEqual(['kept.txt']);
  });

  it('sees what a command committed, and restores it in the work tree', async () => {
    const snapshot = await snapshotChanges({ workspace: repo, ignore: ['.ensemble'], signal });
    commitFiles(repo, { 'sub/inner.txt': 'committed by the command\n' }, 'sneaky');
    expect(gitIn(repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(await changedPathsSince(snapshot, signal)).toEqual(['sub/inner.txt']);
    expect(await restorePaths(snapshot, ['sub/inner.txt'], signal)).toEqual([]);
    expect(read('sub/inner.txt')).toBe('inner\n');
  });

  it('watches a sub-folder workspace with paths relative to it', async () => {
    const snapshot = await snapshotChanges({ workspace: join(repo, 'sub'), signal });
    writeFiles(repo, { 'sub/inner.txt': 'changed\n', 'sub/added.txt': 'added\n', 'clean.txt': 'outside the workspace\n' });
    expect(await changedPathsSince(snapshot, signal)).toEqual(['added.txt', 'inner.txt']);
    expect(await restorePaths(snapshot, ['added.txt', 'inner.txt'], signal)).toEqual([]);
    expect(read('sub/inner.txt')).toBe('inner\n');
    expect(existsSync(join(repo, 'sub/added.txt'))).toBe(false);
  });

  it('keeps only a hash past the content cap, and reports such a path as not restorable', async () => {
    writeFileSync(join(repo, 'big.bin'), Buffer.alloc(SNAPSHOT_CONTENT_LIMIT_BYTES + 1, 1));
    const snapshot = await snapshotChanges({ workspace: repo, ignore: ['.ensemble'], signal });
    expect(snapshot.isComplete).toBe(false);
    writeFileSync(join(repo, 'big.bin'), 'small now');
    writeFiles(repo, { 'dirty.txt': 'changed\n' });
    expect(await changedPathsSince(snapshot, signal)).toEqual(['big.bin', 'dirty.txt']);
    expect(await restorePaths(snapshot, ['big.bin', 'dirty.txt'], signal)).toEqual(['big.bin']);
    expect(read('dirty.txt')).toBe('work in progress\n');
  });

  it('refuses a folder outside git', async () => {
    await expect(snapshotChanges({ workspace: temp.folder, signal })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

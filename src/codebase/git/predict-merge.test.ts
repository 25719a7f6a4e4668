import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempFolder } from '../../../test/helpers/temp-folder.js';
import type { TempFolder } from '../../../test/helpers/temp-folder.js';
import { commitFiles, gitIn, makeTicketRepository, writeFiles } from '../../../test/helpers/git-ticket-repo.js';
import { createTicketWorktree, mergeBranch, predictConflicts, predictMerge, rebaseBranch } from './index.js';

const signal = new AbortController().signal;
let temp: TempFolder;
let repo: string;
let dataDir: string;

beforeEach(() => {
  temp = createTempFolder('ensemble-git-merge-');
  repo = makeTicketRepository(join(temp.folder, 'repo'), { 'shared.txt': 'line 1\nline 2\nline 3\n', 'a.txt': 'a\n', 'b.txt': 'b\n' });
  dataDir = join(temp.folder, 'data');
});
afterEach(() => temp.remove());

/** A ticket worktree off main with `files` committed on its branch. */
async function ticketBranch(ticketId: string, files: Record<string, string>): Promise<{ path: string; branch: string }> {
  const worktree = await createTicketWorktree({ repo, dataDir, ticketId, baseRef: 'main', signal });
  commitFiles(worktree.path, files, `work of ${ticketId}`);
  return worktree;
}

describe('predictMerge and predictConflicts', () => {
  it('tells a clean merge from a conflicting one without touching the work tree', async () => {
    const one = await ticketBranch('T-1', { 'shared.txt': 'line 1\nline 2 by T-1\nline 3\n' });
    const two = await ticketBranch('T-2', { 'shared.txt': 'line 1\nline 2 by T-2\nline 3\n', 'b.txt': 'b by T-2\n' });
    const three = await ticketBranch('T-3', { 'a.txt': 'a by T-3\n' });
    const head = gitIn(repo, 'rev-parse', 'HEAD');

    expect(await predictMerge({ repo, base: 'main', branch: one.branch, signal })).toEqual({ against: 'main', clean: true, files: [] });
    expect(await predictMerge({ repo, base: one.branch, branch: two.branch, signal })).toEqual({ against: one.branch, clean: false, files: ['shared.txt'] });

    // Both edit line 2: the conflict is known before anyone decides on either review.
    expect(await predictConflicts({ repo, mainBranch: 'main', branch: two.branch, others: [one.branch, two.branch, three.branch], signal })).toEqual([
      { against: 'main', clean: true, files: [] },
      { against: one.branch, clean: false, files: ['shared.txt'] },
      { against: three.branch, clean: true, files: [] },
    ]);
    expect(gitIn(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
  });

  it('fails GIT_FAILED for a branch that does not exist', async () => {
    await expect(predictMerge({ repo, base: 'main', branch: 'ensemble/nope', signal })).rejects.toMatchObject({ code: 'GIT_FAILED' });
  });
});

describe('mergeBranch', () => {
  it('merges with a merge commit into the checked-out branch', async () => {
    const one = await ticketBranch('T-1', { 'a.txt': 'a by T-1\n' });
    writeFiles(repo, { 'untracked-note.txt': 'the user keeps this\n' });
    const sha = await mergeBranch({ repo, branch: one.branch, message: 'Merge T-1', signal });
    expect(sha).toBe(gitIn(repo, 'rev-parse', 'main'));
    expect(gitIn(repo, 'log', '-1', '--format=%s|%P')).toBe(`Merge T-1|${gitIn(repo, 'rev-parse', 'main~1')} ${gitIn(repo, 'rev-parse', one.branch)}`);
    expect(readFileSync(join(repo, 'a.txt'), 'utf8')).toBe('a by T-1\n');
  });

  it('refuses while tracked files are dirty, naming them', async () => {
    const one = await ticketBranch('T-1', { 'a.txt': 'a by T-1\n' });
    writeFiles(repo, { 'b.txt': 'user edit\n' });
    await expect(mergeBranch({ repo, branch: one.branch, message: 'Merge T-1', signal })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('b.txt'),
    });
    expect(readFileSync(join(repo, 'b.txt'), 'utf8')).toBe('user edit\n');
  });

  it('aborts a conflicted merge and throws MERGE_CONFLICT naming the files', async () => {
    const one = await ticketBranch('T-1', { 'shared.txt': 'line 1\nline 2 by T-1\nline 3\n' });
    const head = commitFiles(repo, { 'shared.txt': 'line 1\nline 2 on main\nline 3\n' }, 'main moves');
    await expect(mergeBranch({ repo, branch: one.branch, message: 'Merge T-1', signal })).rejects.toMatchObject({
      code: 'MERGE_CONFLICT',
      details: { files: ['shared.txt'] },
    });
    expect(gitIn(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
  });
});

describe('rebaseBranch', () => {
  it('rebases onto a main that moved, or aborts and reports the conflicted files', async () => {
    const one = await ticketBranch('T-1', { 'a.txt': 'a by T-1\n' });
    const two = await ticketBranch('T-2', { 'shared.txt': 'line 1\nline 2 by T-2\nline 3\n' });
    commitFiles(repo, { 'shared.txt': 'line 1\nline 2 on main\nline 3\n', 'b.txt': 'b on main\n' }, 'main moves');

    const rebased = await rebaseBranch({ worktree: one.path, onto: 'main', signal });
    expect(rebased).toEqual({ ok: true, head: gitIn(one.path, 'rev-parse', 'HEAD') });
    expect(gitIn(one.path, 'rev-parse', 'HEAD~1')).toBe(gitIn(repo, 'rev-parse', 'main'));

    const before = gitIn(two.path, 'rev-parse', 'HEAD');
    expect(await rebaseBranch({ worktree: two.path, onto: 'main', signal })).toEqual({ ok: false, files: ['shared.txt'] });
    expect(gitIn(two.path, 'rev-parse', 'HEAD')).toBe(before);
    expect(gitIn(two.path, 'status', '--porcelain')).toBe('');
  });
});

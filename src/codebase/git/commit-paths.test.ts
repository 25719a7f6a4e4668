import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTempFolder } from '../../../test/helpers/temp-folder.js';
import type { TempFolder } from '../../../test/helpers/temp-folder.js';
import { gitIn, makeTicketRepository, writeFiles } from '../../../test/helpers/git-ticket-repo.js';
import { commitAll, commitPaths, createTicketWorktree, FALLBACK_IDENTITY } from './index.js';

const signal = new AbortController().signal;
let temp: TempFolder;
let repo: string;
const savedEnvironment = { global: process.env['GIT_CONFIG_GLOBAL'], noSystem: process.env['GIT_CONFIG_NOSYSTEM'] };

// As on a CI runner: no identity configured anywhere, so the fallback one must be used.
beforeAll(() => {
  process.env['GIT_CONFIG_GLOBAL'] = '/dev/null';
  process.env['GIT_CONFIG_NOSYSTEM'] = '1';
});
afterAll(() => {
  for (const [name, value] of [['GIT_CONFIG_GLOBAL', savedEnvironment.global], ['GIT_CONFIG_NOSYSTEM', savedEnvironment.noSystem]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
beforeEach(() => {
  temp = createTempFolder('ensemble-git-commit-');
  repo = makeTicketRepository(join(temp.folder, 'repo'), { 'a.txt': 'a\n', 'b.txt': 'b\n', 'gone.txt': 'soon deleted\n', 'other.txt': 'other\n' });
});
afterEach(() => temp.remove());

const filesIn = (ref: string): string[] => gitIn(repo, 'show', '--name-only', '--format=', ref).split('\n').filter((line) => line !== '').sort();

describe('commitAll', () => {
  it('commits edits, deletions and new files of a worktree with the fallback identity, and nothing when unchanged', async () => {
    const { path } = await createTicketWorktree({ repo, dataDir: join(temp.folder, 'data'), ticketId: 'T-1', baseRef: 'main', signal });
    expect(await commitAll({ worktree: path, message: 'nothing', signal })).toBeUndefined();
    writeFiles(path, { 'a.txt': 'changed\n', 'new/file.txt': 'new\n' });
    rmSync(join(path, 'gone.txt'));
    const sha = await commitAll({ worktree: path, message: 'ticket T-1', signal });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(gitIn(path, 'show', '--name-only', '--format=%an <%ae>|%cn|%s', 'HEAD').split('\n')).toEqual([
      `${FALLBACK_IDENTITY.name} <${FALLBACK_IDENTITY.email}>|${FALLBACK_IDENTITY.name}|ticket T-1`,
      '',
      'a.txt',
      'gone.txt',
      'new/file.txt',
    ]);
    expect(gitIn(path, 'status', '--porcelain')).toBe('');
    writeFiles(path, { 'b.txt': 'by someone\n' });
    await commitAll({ worktree: path, message: 'authored', author: { name: 'Ada', email: 'ada@example.com' }, signal });
    expect(gitIn(path, 'log', '-1', '--format=%an <%ae>')).toBe('Ada <ada@example.com>');
  });
});

describe('commitPaths', () => {
  it('commits exactly the given paths (added, modified, deleted) and leaves other changes as they were', async () => {
    writeFiles(repo, { 'a.txt': 'mine\n', 'added.txt': 'added\n', 'other.txt': 'someone else is editing\n', 'untracked.txt': 'not mine\n' });
    rmSync(join(repo, 'gone.txt'));
    writeFiles(repo, { 'b.txt': 'staged by the user\n' });
    gitIn(repo, 'add', 'b.txt');

    const sha = await commitPaths({ repo, paths: ['a.txt', 'added.txt', 'gone.txt', 'never-existed.txt'], message: 'ticket T-1', signal });
    expect(sha).toBe(gitIn(repo, 'rev-parse', 'HEAD'));
    expect(filesIn('HEAD')).toEqual(['a.txt', 'added.txt', 'gone.txt']);
    expect(gitIn(repo, 'diff', '--name-only')).toBe('other.txt');
    expect(gitIn(repo, 'diff', '--cached', '--name-only')).toBe('b.txt');
    expect(gitIn(repo, 'ls-files', '--others')).toBe('untracked.txt');
    expect(existsSync(join(repo, 'gone.txt'))).toBe(false);

    expect(await commitPaths({ repo, paths: ['a.txt'], message: 'again', signal })).toBeUndefined();
  });

  it('runs two concurrent calls on one repository one after the other', async () => {
    writeFiles(repo, { 'a.txt': 'first\n', 'b.txt': 'second\n' });
    const [first, second] = await Promise.all([
      commitPaths({ repo, paths: ['a.txt'], message: 'first', signal }),
      commitPaths({ repo: join(repo, '.'), paths: ['b.txt'], message: 'second', signal }),
    ]);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    // One after the other (either order: each waits for the repository's real path first), each with its own file only.
    const subjects = gitIn(repo, 'log', '--format=%s', '-3').split('\n');
    expect([...subjects.slice(0, 2)].sort()).toEqual(['first', 'second']);
    expect(subjects[2]).toBe('initial');
    expect(filesIn(first!)).toEqual(['a.txt']);
    expect(filesIn(second!)).toEqual(['b.txt']);
  });

  it('waits for another process holding index.lock, then commits', async () => {
    writeFiles(repo, { 'a.txt': 'after the lock\n' });
    const lock = join(repo, '.git', 'index.lock');
    writeFileSync(lock, '');
    const committing = commitPaths({ repo, paths: ['a.txt'], message: 'after lock', signal });
    // The first try fails on the lock; the retries wait at least 100 ms in all before giving up.
    await new Promise((resolve) => setTimeout(resolve, 50));
    rmSync(lock);
    expect(await committing).toBe(gitIn(repo, 'rev-parse', 'HEAD'));
  });

  it('refuses paths outside the workspace', async () => {
    await expect(commitPaths({ repo, paths: ['../x'], message: 'm', signal })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(commitPaths({ repo, paths: ['.git/config'], message: 'm', signal })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

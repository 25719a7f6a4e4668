import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempFolder } from '../../../test/helpers/temp-folder.js';
import type { TempFolder } from '../../../test/helpers/temp-folder.js';
import { gitIn, makeTicketRepository } from '../../../test/helpers/git-ticket-repo.js';
import { createTicketWorktree, removeTicketWorktree, resolveMainBranch } from './index.js';

const signal = new AbortController().signal;
let temp: TempFolder;
let repo: string;
let dataDir: string;

beforeEach(() => {
  temp = createTempFolder('ensemble-git-worktree-');
  repo = makeTicketRepository(join(temp.folder, 'repo'), { 'a.txt': 'one\n' });
  dataDir = join(temp.folder, 'data');
});
afterEach(() => temp.remove());

describe('resolveMainBranch', () => {
  it('names the branch of the main worktree, also from a ticket worktree', async () => {
    expect(await resolveMainBranch(repo, signal)).toBe('main');
    const { path } = await createTicketWorktree({ repo, dataDir, ticketId: 'T-1', baseRef: 'main', signal });
    expect(await resolveMainBranch(path, signal)).toBe('main');
  });

  it('refuses a folder outside git and a detached HEAD with INVALID_INPUT', async () => {
    await expect(resolveMainBranch(temp.folder, signal)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('not a git work tree') });
    gitIn(repo, 'switch', '-q', '--detach', 'HEAD');
    await expect(resolveMainBranch(repo, signal)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('detached') });
  });
});

describe('ticket worktrees', () => {
  it('creates the worktree on ensemble/<ticket>, reuses it as it is, and removes it with its branch', async () => {
    const made = await createTicketWorktree({ repo, dataDir, ticketId: 'T-1', baseRef: 'main', signal });
    expect(made).toEqual({ path: join(dataDir, 'worktrees', 'tickets', 'T-1'), branch: 'ensemble/T-1' });
    expect(gitIn(made.path, 'branch', '--show-current')).toBe('ensemble/T-1');
    expect(readFileSync(join(made.path, 'a.txt'), 'utf8')).toBe('one\n');

    writeFileSync(join(made.path, 'work.txt'), 'in progress\n');
    const again = await createTicketWorktree({ repo, dataDir, ticketId: 'T-1', baseRef: 'main', signal });
    expect(again).toEqual(made);
    expect(readFileSync(join(made.path, 'work.txt'), 'utf8')).toBe('in progress\n');

    await removeTicketWorktree({ repo, path: made.path, branch: made.branch, deleteBranch: true, signal });
    expect(existsSync(made.path)).toBe(false);
    expect(gitIn(repo, 'worktree', 'list')).not.toContain('T-1');
    expect(gitIn(repo, 'branch', '--list', 'ensemble/T-1')).toBe('');
    // Removing what is gone already is fine.
    await removeTicketWorktree({ repo, path: made.path, branch: made.branch, deleteBranch: true, signal });
  });

  it('keeps the branch when asked, makes the worktree again after its folder vanished, and removes a locked one', async () => {
    const made = await createTicketWorktree({ repo, dataDir, ticketId: 'T-2', baseRef: 'main', signal });
    await removeTicketWorktree({ repo, path: made.path, branch: made.branch, deleteBranch: false, signal });
    expect(gitIn(repo, 'branch', '--list', 'ensemble/T-2')).toContain('ensemble/T-2');

    const remade = await createTicketWorktree({ repo, dataDir, ticketId: 'T-2', baseRef: 'main', signal });
    rmSync(remade.path, { recursive: true, force: true });
    const third = await createTicketWorktree({ repo, dataDir, ticketId: 'T-2', baseRef: 'main', signal });
    expect(readFileSync(join(third.path, 'a.txt'), 'utf8')).toBe('one\n');

    gitIn(repo, 'worktree', 'lock', third.path);
    await removeTicketWorktree({ repo, path: third.path, deleteBranch: false, signal });
    expect(existsSync(third.path)).toBe(false);
    expect(gitIn(repo, 'worktree', 'list')).not.toContain('T-2');
  });

  it('refuses a ticket id that cannot name a folder', async () => {
    await expect(createTicketWorktree({ repo, dataDir, ticketId: '../x', baseRef: 'main', signal })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

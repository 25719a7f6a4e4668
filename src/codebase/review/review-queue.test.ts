import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRunStore } from '../../store/index.js';
import type { RunStore } from '../../store/index.js';
import { createTempFolder, openTempStore } from '../../../test/helpers/temp-folder.js';
import type { TempFolder, TempStore } from '../../../test/helpers/temp-folder.js';
import { commitFiles, gitIn, makeTicketRepository, writeFiles } from '../../../test/helpers/git-ticket-repo.js';
import { commitAll, createTicketWorktree } from '../git/index.js';
import { ReviewQueue } from './index.js';

const signal = new AbortController().signal;
const SHARED = 'line 1\nline 2\nline 3\nline 4\nline 5\n';
let temp: TempFolder;
let journal: TempStore<RunStore>;
let repo: string;
let dataDir: string;
let queue: ReviewQueue;
let clock = 1_000;

beforeEach(() => {
  temp = createTempFolder('ensemble-review-queue-');
  journal = openTempStore('ensemble-review-store-', openRunStore);
  repo = makeTicketRepository(join(temp.folder, 'repo'), { 'shared.txt': SHARED, 'a.txt': 'a\n' });
  dataDir = join(temp.folder, 'data');
  queue = new ReviewQueue({ store: journal.store.codebase, repo, now: () => (clock += 1) });
});
afterEach(() => {
  journal.remove();
  temp.remove();
});

/** Adds a ticket, does its work on its own worktree as `commits` (one commit each), and queues it for review. */
async function reviewedTicket(title: string, ...commits: Record<string, string>[]) {
  const ticket = journal.store.codebase.addTicket({ title }, clock);
  journal.store.codebase.updateTicket(ticket.id, { status: 'in-progress', attempts: 2 }, clock);
  const worktree = await createTicketWorktree({ repo, dataDir, ticketId: ticket.id, baseRef: 'main', signal });
  for (const [index, files] of commits.entries()) {
    writeFiles(worktree.path, files);
    await commitAll({ worktree: worktree.path, message: `${ticket.id} step ${index + 1}`, signal });
  }
  const review = await queue.enqueue({ ticketId: ticket.id, runId: 'run-1', branch: worktree.branch, worktree: worktree.path, signal });
  return { ticket, worktree, review };
}

const ticketOf = (id: string) => journal.store.codebase.getTicket(id);
const branchExists = (branch: string): boolean => gitIn(repo, 'branch', '--list', branch) !== '';

describe('ReviewQueue', () => {
  it('predicts a conflict between two open branches before any decision, and refreshes predictions on list', async () => {
    const one = await reviewedTicket('first', { 'shared.txt': SHARED.replace('line 2', 'line 2 by one') });
    expect(one.review).toMatchObject({ status: 'open', ticketId: one.ticket.id, branch: one.worktree.branch, conflicts: [{ against: 'main', clean: true, files: [] }] });
    expect(one.review.headCommit).toBe(gitIn(repo, 'rev-parse', one.worktree.branch));
    expect(one.review.baseCommit).toBe(gitIn(repo, 'rev-parse', 'main'));
    expect(ticketOf(one.ticket.id)).toMatchObject({ status: 'review', reviewId: one.review.id, branch: one.worktree.branch });

    const two = await reviewedTicket('second', { 'shared.txt': SHARED.replace('line 2', 'line 2 by two') });
    expect(two.review.conflicts).toEqual([
      { against: 'main', clean: true, files: [] },
      { against: one.worktree.branch, clean: false, files: ['shared.txt'] },
    ]);

    const listed = await queue.list({ signal });
    expect(listed.map((review) => review.conflicts)).toEqual([
      [
        { against: 'main', clean: true, files: [] },
        { against: two.worktree.branch, clean: false, files: ['shared.txt'] },
      ],
      two.review.conflicts,
    ]);
    // Saved, not only returned.
    expect(journal.store.codebase.getReview(one.review.id)?.conflicts).toEqual(listed[0]?.conflicts);
    expect(await queue.list({ signal, status: 'merged' })).toEqual([]);
  });

  it('approves a clean branch: merged into main, ticket done, worktree and branch removed', async () => {
    const { ticket, worktree, review } = await reviewedTicket('add b', { 'b.txt': 'b\n' });
    // main moved, but not where the branch changed things: a plain merge.
    commitFiles(repo, { 'a.txt': 'a moved\n' }, 'main moves');
    const merged = await queue.approve(review.id, { signal });
    expect(merged).toMatchObject({ status: 'merged', mergedCommit: gitIn(repo, 'rev-parse', 'main') });
    expect(gitIn(repo, 'log', '-1', '--format=%s')).toBe(`ensemble: merge ${worktree.branch} (${ticket.id}: add b)`);
    expect(readFileSync(join(repo, 'b.txt'), 'utf8')).toBe('b\n');
    expect(ticketOf(ticket.id)).toMatchObject({ status: 'done', attempts: 2 });
    expect(existsSync(worktree.path)).toBe(false);
    expect(branchExists(worktree.branch)).toBe(false);

    await expect(queue.approve(review.id, { signal })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('is merged') });
    await expect(queue.approve('R-99', { signal })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rebases onto a main that moved when the merge would conflict, then merges', async () => {
    const firstStep = { 'shared.txt': SHARED.replace('line 2', 'line 2 fixed') };
    const { ticket, worktree, review } = await reviewedTicket('fix line 2', firstStep, { 'shared.txt': SHARED.replace('line 2', 'line 2 fixed twice') });
    // Someone took the first step onto main (a cherry-pick) and changed line 5: merging now conflicts on line 2, rebasing does not.
    commitFiles(repo, firstStep, 'cherry-picked step 1');
    commitFiles(repo, { 'shared.txt': SHARED.replace('line 2', 'line 2 fixed').replace('line 5', 'line 5 on main') }, 'main moves');
    expect((await queue.list({ signal }))[0]?.conflicts).toEqual([{ against: 'main', clean: false, files: ['shared.txt'] }]);
    // Its worktree was deleted by hand: the rebase checks the branch out again.
    rmSync(worktree.path, { recursive: true, force: true });

    const merged = await queue.approve(review.id, { signal });
    expect(merged.status).toBe('merged');
    expect(merged.headCommit).not.toBe(review.headCommit);
    expect(readFileSync(join(repo, 'shared.txt'), 'utf8')).toBe(SHARED.replace('line 2', 'line 2 fixed twice').replace('line 5', 'line 5 on main'));
    expect(ticketOf(ticket.id)?.status).toBe('done');
    expect(existsSync(worktree.path)).toBe(false);
  });

  it('sends the ticket back to the queue when the rebase conflicts too', async () => {
    const { ticket, worktree, review } = await reviewedTicket('edit line 2', { 'shared.txt': SHARED.replace('line 2', 'line 2 by ticket') });
    const head = commitFiles(repo, { 'shared.txt': SHARED.replace('line 2', 'line 2 on main') }, 'main moves');
    await expect(queue.approve(review.id, { signal })).rejects.toMatchObject({ code: 'MERGE_CONFLICT', message: expect.stringContaining('re-queued') });
    expect(journal.store.codebase.getReview(review.id)).toMatchObject({ status: 'needs-retry', conflicts: [{ against: 'main', clean: false, files: ['shared.txt'] }] });
    const requeued = ticketOf(ticket.id);
    expect(requeued).toMatchObject({ status: 'queued', attempts: 2, lastError: { code: 'MERGE_CONFLICT' } });
    expect(requeued?.lastError?.message).toContain('shared.txt');
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(head);
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
    expect(existsSync(worktree.path)).toBe(false);
    expect(branchExists(worktree.branch)).toBe(false);
  });

  it('refuses to approve while the main worktree has uncommitted changes, keeping the review open', async () => {
    const { review } = await reviewedTicket('add b', { 'b.txt': 'b\n' });
    writeFiles(repo, { 'a.txt': 'user work in progress\n' });
    await expect(queue.approve(review.id, { signal })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('a.txt') });
    expect(journal.store.codebase.getReview(review.id)?.status).toBe('open');
  });

  it('rejects a review: the ticket rejected and the branch gone, or re-queued with the reason and the branch kept', async () => {
    const one = await reviewedTicket('one', { 'b.txt': 'b\n' });
    expect(await queue.reject(one.review.id, { reason: 'wrong approach', signal })).toMatchObject({ status: 'rejected', reason: 'wrong approach' });
    expect(ticketOf(one.ticket.id)?.status).toBe('rejected');
    expect(existsSync(one.worktree.path)).toBe(false);
    expect(branchExists(one.worktree.branch)).toBe(false);

    const two = await reviewedTicket('two', { 'c.txt': 'c\n' });
    await queue.reject(two.review.id, { reason: 'add tests', requeue: true, signal });
    expect(ticketOf(two.ticket.id)).toMatchObject({ status: 'queued', attempts: 2, lastError: { message: 'rejected in review: add tests' } });
    expect(existsSync(two.worktree.path)).toBe(false);
    expect(branchExists(two.worktree.branch)).toBe(true);
    await expect(queue.reject(two.review.id, { signal })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('is rejected') });
    expect(gitIn(repo, 'log', '--format=%s')).toBe('initial');
  });
});

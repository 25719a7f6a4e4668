import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../core/index.js';
import {
  judgeLease,
  judgePartialPatch,
  judgePatchFolder,
  judgeTicketWorktree,
  judgeWorkspaceCopy,
  mayHaveOrphans,
  toRunPresence,
  type RunPresence,
  type TicketWorktreeFacts,
} from './leftover-verdicts.js';

const OWNER = { pid: 4242, host: 'here' };
const alive = (): boolean => true;
const dead = (): boolean => false;
const PRESENCES: readonly RunPresence[] = ['live', 'resumable', 'succeeded', 'absent'];

describe('toRunPresence', () => {
  it('a running run is live only while its owner is alive; every other unfinished state is resumable', () => {
    expect(toRunPresence({ status: 'running', owner: OWNER }, alive)).toBe('live');
    expect(toRunPresence({ status: 'running', owner: OWNER }, dead)).toBe('resumable');
    for (const status of ['interrupted', 'failed', 'cancelled'] as const) expect(toRunPresence({ status, owner: OWNER }, alive)).toBe('resumable');
    expect(toRunPresence({ status: 'succeeded', owner: OWNER }, alive)).toBe('succeeded');
    expect(toRunPresence(undefined, alive)).toBe('absent');
  });

  it('passes the heartbeat to the judge, so a stale one counts as gone', () => {
    const seen: unknown[] = [];
    toRunPresence({ status: 'running', owner: OWNER, heartbeatAt: 5, staleAfterMs: 10 }, (owner) => (seen.push(owner), true));
    expect(seen).toEqual([{ ...OWNER, heartbeatAt: 5, staleAfterMs: 10 }]);
  });
});

describe('mayHaveOrphans', () => {
  it('a run its owner closed left no agents; one it never closed may have', () => {
    expect(mayHaveOrphans('interrupted', 'workflow:complete')).toBe(true);
    expect(mayHaveOrphans('running', 'task:start')).toBe(true);
    expect(mayHaveOrphans('cancelled', 'agent:process')).toBe(true);
    expect(mayHaveOrphans('failed', undefined)).toBe(true);
    expect(mayHaveOrphans('cancelled', 'workflow:error')).toBe(false);
    expect(mayHaveOrphans('failed', 'workflow:complete')).toBe(false);
    expect(mayHaveOrphans('succeeded', 'task:start' as const)).toBe(false);
  });
});

describe('judgeLease', () => {
  it('never touches a live run’s lease, removes every other (ended, interrupted, or a run the journal lost)', () => {
    expect(judgeLease('live')).toEqual({ action: 'skip' });
    for (const presence of ['resumable', 'succeeded', 'absent'] as const) expect(judgeLease(presence)).toEqual({ action: 'remove' });
  });
});

describe('judgeWorkspaceCopy', () => {
  const facts = { ownerHost: 'here', host: 'here', isOwnerRunning: false, presence: 'resumable' as RunPresence };

  it('removes the copy of a dead process whatever its run, unless the run is live again', () => {
    for (const presence of ['resumable', 'succeeded', 'absent'] as const) expect(judgeWorkspaceCopy({ ...facts, presence })).toEqual({ action: 'remove' });
    expect(judgeWorkspaceCopy({ ...facts, presence: 'live' })).toEqual({ action: 'skip' });
  });

  it('leaves a live process’s copy alone, and keeps another host’s (it cannot be judged from here)', () => {
    for (const presence of PRESENCES) expect(judgeWorkspaceCopy({ ...facts, presence, isOwnerRunning: true })).toEqual({ action: 'skip' });
    expect(judgeWorkspaceCopy({ ...facts, ownerHost: 'elsewhere' })).toMatchObject({ action: 'keep', reason: expect.stringContaining('host elsewhere') });
    expect(judgeWorkspaceCopy({ ...facts, ownerHost: 'elsewhere', presence: 'live' })).toEqual({ action: 'skip' });
  });
});

describe('judgePatchFolder', () => {
  it('removes the patches of a run the journal no longer has', () => {
    expect(judgePatchFolder('r1', 'absent', undefined)).toEqual({ action: 'remove' });
  });

  it('keeps what a resume reads (interrupted, failed, cancelled runs), naming the run; leaves live and succeeded runs’ alone', () => {
    for (const status of ['interrupted', 'failed', 'cancelled'] as RunStatus[]) {
      expect(judgePatchFolder('r1', 'resumable', status)).toEqual({ action: 'keep', reason: `run r1 is ${status}: a resume reads the patches of its finished attempts` });
    }
    expect(judgePatchFolder('r1', 'live', 'running')).toEqual({ action: 'skip' });
    expect(judgePatchFolder('r1', 'succeeded', 'succeeded')).toEqual({ action: 'skip' });
  });

  it('removes half-written patches except a live run’s, which may be being written', () => {
    expect(judgePartialPatch('live')).toEqual({ action: 'skip' });
    for (const presence of ['resumable', 'succeeded', 'absent'] as const) expect(judgePartialPatch(presence)).toEqual({ action: 'remove' });
  });
});

describe('judgeTicketWorktree', () => {
  const clean: TicketWorktreeFacts = { ticketId: 'T-1', isWorktree: true, hasUncommittedChanges: false };

  it('removes a clean worktree of a finished or forgotten ticket', () => {
    expect(judgeTicketWorktree(clean)).toEqual({ action: 'remove' });
    for (const status of ['done', 'rejected', 'cancelled'] as const) {
      expect(judgeTicketWorktree({ ...clean, ticket: { status, runId: 'r1' }, runPresence: 'resumable' })).toEqual({ action: 'remove' });
    }
  });

  it('never touches the worktree of a live run, whatever else holds', () => {
    expect(judgeTicketWorktree({ ...clean, ticket: { status: 'done', runId: 'r1' }, runPresence: 'live', hasUncommittedChanges: true })).toEqual({ action: 'skip' });
  });

  it('keeps uncommitted work, saying so', () => {
    expect(judgeTicketWorktree({ ...clean, hasUncommittedChanges: true })).toEqual({
      action: 'keep',
      reason: 'it holds uncommitted changes; commit or discard them, then run cleanup again',
    });
  });

  it('keeps what a pending review or the ticket’s next attempt or resume needs, naming it', () => {
    expect(judgeTicketWorktree({ ...clean, ticket: { status: 'done' }, pendingReview: { reviewId: 'R-2', status: 'open' } })).toEqual({
      action: 'keep',
      reason: 'review R-2 is open and needs this worktree',
    });
    expect(judgeTicketWorktree({ ...clean, ticket: { status: 'in-progress', runId: 'r9' }, runPresence: 'resumable' })).toEqual({
      action: 'keep',
      reason: 'ticket T-1 is in-progress (run r9, resumable): its next attempt or resume continues in this worktree',
    });
    for (const status of ['queued', 'waiting', 'review', 'failed', 'agent-failed'] as const) {
      expect(judgeTicketWorktree({ ...clean, ticket: { status } })).toMatchObject({ action: 'keep' });
    }
  });

  it('keeps a folder that is no worktree of its own rather than guess', () => {
    expect(judgeTicketWorktree({ ...clean, isWorktree: false })).toMatchObject({ action: 'keep', reason: expect.stringContaining('not a git worktree') });
  });
});

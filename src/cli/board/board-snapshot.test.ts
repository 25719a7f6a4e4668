import { beforeEach, describe, expect, it } from 'vitest';
import { openRunStore, type RunStore } from '../../store/index.js';
import { openTempStore } from '../../../test/helpers/temp-folder.js';
import { seedTicketRun } from '../../../test/helpers/tickets-cli-runs.js';
import { createBoardReader, readBoardSnapshot, RUNNING_PROGRESS_CAP } from './board-snapshot.js';

let store: RunStore;

beforeEach(() => {
  const temp = openTempStore('ensemble-board-', openRunStore);
  store = temp.store;
  return () => temp.remove();
});

/** Journals a finished run of `agentName` whose only task took `durationMs`, for the medians. */
function pastRun(runId: string, agentName: string, durationMs: number): void {
  const run = seedTicketRun(store, runId, [{ taskId: 'x', ticketId: 'T-99', member: 'past', agentName, startedAt: 1000 }], 'alive', 1000);
  run.append('task:complete', 1000 + durationMs, {
    taskId: 'x',
    agentName,
    duration: durationMs,
    tokensUsed: 0,
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    costUsd: 0,
    attempt: 1,
    output: 'done',
  });
}

describe('readBoardSnapshot', () => {
  it('reads an empty queue as no team and no metrics', () => {
    expect(readBoardSnapshot(store, 5000)).toEqual({
      members: [],
      queuedTickets: 0,
      inProgressTickets: 0,
      doneTickets: 0,
      totalTickets: 0,
      pendingEscalations: 0,
      readyReviews: 0,
      metrics: {},
      at: 5000,
    });
  });

  it('shows each member of the latest ticket run with its ticket, elapsed time and progress against its agent median, and escalated members', () => {
    pastRun('past-1', 'developer', 10 * 60_000);
    pastRun('past-2', 'reviewer', 60_000);
    const now = 100 * 60_000;
    const first = store.codebase.addTicket({ title: 'login' }, 1);
    const second = store.codebase.addTicket({ title: 'logout' }, 1);
    const third = store.codebase.addTicket({ title: 'reset' }, 1);
    store.codebase.addTicket({ title: 'later' }, 1);
    const tasks = [
      { taskId: 'T-1', ticketId: first.id, member: 'developer-1', agentName: 'developer', startedAt: now - 5 * 60_000 },
      { taskId: 'T-2', ticketId: second.id, member: 'reviewer-1', agentName: 'reviewer', startedAt: now - 5 * 60_000 },
      { taskId: 'T-3', ticketId: third.id, member: 'developer-2', agentName: 'developer', startedAt: now - 9 * 60_000 },
    ];
    const run = seedTicketRun(store, 'tickets-1', tasks, 'alive', now - 10 * 60_000);
    run.escalate(tasks[2]!, now - 2 * 60_000, { reason: 'which database?', options: ['sqlite', 'postgres'] });
    for (const [index, ticket] of [first, second, third].entries()) {
      store.codebase.updateTicket(ticket.id, { status: 'in-progress', runId: 'tickets-1', assignee: tasks[index]!.member, startedAt: now - 5 * 60_000 }, now - 60_000);
    }

    const snapshot = readBoardSnapshot(store, now);
    expect(snapshot).toMatchObject({ runId: 'tickets-1', runStatus: 'running', queuedTickets: 1, inProgressTickets: 3, totalTickets: 4, pendingEscalations: 1, readyReviews: 0 });
    expect(snapshot.members).toEqual([
      { name: 'developer-1', agentName: 'developer', state: 'working', ticketId: 'T-1', elapsedMs: 5 * 60_000, progress: 0.5 },
      // Five minutes against a one-minute median: capped, since only the end says it is done.
      { name: 'reviewer-1', agentName: 'reviewer', state: 'working', ticketId: 'T-2', elapsedMs: 5 * 60_000, progress: RUNNING_PROGRESS_CAP },
      { name: 'developer-2', agentName: 'developer', state: 'escalated', ticketId: 'T-3', elapsedMs: 2 * 60_000 },
    ]);
    expect(snapshot.metrics).toEqual({ escalationRate: 1 / 3, utilisation: 1 });
  });

  it('shows nobody working once the run stopped, but keeps its open escalations', () => {
    const ticket = store.codebase.addTicket({ title: 'login' }, 1);
    const other = store.codebase.addTicket({ title: 'logout' }, 1);
    const tasks = [
      { taskId: 'a', ticketId: ticket.id, member: 'dev-1', startedAt: 1000 },
      { taskId: 'b', ticketId: other.id, member: 'dev-2', startedAt: 1000 },
    ];
    const run = seedTicketRun(store, 'tickets-2', tasks, 'dead', 1000);
    run.escalate(tasks[1]!, 2000, { reason: 'which way?', options: [] });
    store.codebase.updateTicket(ticket.id, { runId: 'tickets-2', status: 'done', startedAt: 1000, finishedAt: 61_000 }, 3000);
    store.codebase.updateTicket(other.id, { runId: 'tickets-2', status: 'waiting', startedAt: 1000 }, 3000);
    store.codebase.addReview({ ticketId: ticket.id, runId: 'tickets-2', branch: 'ensemble/T-1', worktree: '/tmp/w', baseCommit: 'a', headCommit: 'b', conflicts: [{ against: 'main', clean: false, files: ['a.ts'] }] }, 3000);
    store.codebase.addReview({ ticketId: other.id, runId: 'tickets-2', branch: 'ensemble/T-2', worktree: '/tmp/w2', baseCommit: 'a', headCommit: 'c', conflicts: [] }, 3000);
    store.reconcileInterrupted(() => false);

    const snapshot = readBoardSnapshot(store, 10_000);
    expect(snapshot.runStatus).toBe('interrupted');
    expect(snapshot.members).toEqual([
      { name: 'dev-1', agentName: 'developer', state: 'idle' },
      { name: 'dev-2', agentName: 'developer', state: 'escalated', ticketId: other.id, elapsedMs: 8000 },
    ]);
    expect(snapshot).toMatchObject({ doneTickets: 1, inProgressTickets: 1, readyReviews: 2, pendingEscalations: 1 });
    // The same figures as /metrics; no utilisation while no ticket run is running.
    expect(snapshot.metrics).toEqual({ averageCompletionMs: 60_000, escalationRate: 0.5, conflictRate: 0.5 });
  });

  it('a reader folds the new events of each frame on top of the ones it read before', () => {
    const ticket = store.codebase.addTicket({ title: 'login' }, 1);
    const task = { taskId: 'a', ticketId: ticket.id, member: 'dev-1', startedAt: 1000 };
    const run = seedTicketRun(store, 'tickets-3', [task], 'alive', 1000);
    store.codebase.updateTicket(ticket.id, { runId: 'tickets-3', status: 'in-progress' }, 2000);
    const read = createBoardReader(store);
    expect(read(5000).members).toEqual([{ name: 'dev-1', agentName: 'developer', state: 'working', ticketId: ticket.id, elapsedMs: 4000 }]);
    run.escalate(task, 6000, { reason: 'which?', options: [] });
    expect(read(7000).members).toEqual([{ name: 'dev-1', agentName: 'developer', state: 'escalated', ticketId: ticket.id, elapsedMs: 1000 }]);
  });
});

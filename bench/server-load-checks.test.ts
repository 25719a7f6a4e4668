import { describe, expect, it } from 'vitest';
import { checkFollower, checkLoadResults, type JournalEvent, type ListedRun } from './server-load-checks.js';
import type { FollowerRecord, ReceivedEvent } from './server-load-follower.js';

const JOURNAL: JournalEvent[] = [
  { seq: 1, type: 'workflow:start', at: 1000 },
  { seq: 2, type: 'task:start', at: 1001 },
  { seq: 3, type: 'task:complete', at: 1002 },
  { seq: 4, type: 'workflow:complete', at: 1003 },
];

function received(events: readonly JournalEvent[], runId = 'run-a'): ReceivedEvent[] {
  return events.map((event) => ({ ...event, runId, frameId: String(event.seq), receivedAt: event.at + 2 }));
}

function follower(events: readonly ReceivedEvent[], runId = 'run-a'): FollowerRecord {
  return { runId, requestedAt: 999, connectedAt: 1000, events, closedAt: 1010 };
}

const listed = (runId: string, overrides: Partial<ListedRun> = {}): ListedRun => ({ runId, status: 'succeeded', totalTasks: 1, successfulTasks: 1, ...overrides });
const expectations = { runCount: 1, followersPerRun: 2, tasksPerRun: 1 };

describe('checkFollower', () => {
  it('accepts every journaled event once, in order, ending with workflow:complete', () => {
    expect(checkFollower('f', follower(received(JOURNAL)), JOURNAL)).toEqual([]);
  });

  it('reports a duplicate, a gap, reordering and a missing end', () => {
    const [first, second, third, fourth] = received(JOURNAL) as [ReceivedEvent, ReceivedEvent, ReceivedEvent, ReceivedEvent];
    expect(checkFollower('f', follower([first, second, second, third, fourth]), JOURNAL).join('\n')).toMatch(/received 5 events, the journal has 4[\s\S]*seq 2 \(a gap, a duplicate or out of order\)/);
    expect(checkFollower('f', follower([first, third, fourth]), JOURNAL).join('\n')).toMatch(/event 2 received has seq 3/);
    expect(checkFollower('f', follower([first, third, second, fourth]), JOURNAL).join('\n')).toMatch(/event 2 received has seq 3/);
    expect(checkFollower('f', follower([first, second, third]), JOURNAL).join('\n')).toMatch(/ended after task:complete, not workflow:complete/);
  });

  it('reports a frame id that is not the seq, another run\'s event, and a type or time unlike the journal\'s', () => {
    const events = received(JOURNAL);
    expect(checkFollower('f', follower(events.map((event) => (event.seq === 2 ? { ...event, frameId: '7' } : event))), JOURNAL)).toEqual(['f: seq 2 came in a frame with id "7"']);
    expect(checkFollower('f', follower(events.map((event) => (event.seq === 3 ? { ...event, runId: 'run-b' } : event))), JOURNAL)).toEqual(['f: seq 3 belongs to run run-b']);
    expect(checkFollower('f', follower(events.map((event) => (event.seq === 3 ? { ...event, at: 999 } : event))), JOURNAL)).toEqual(['f: seq 3 is task:complete@999, the journal has task:complete@1002']);
  });

  it('lists at most three problems per follower', () => {
    const shuffled = received([...JOURNAL].reverse());
    expect(checkFollower('f', follower([...shuffled, ...shuffled]), JOURNAL)).toHaveLength(3);
  });
});

describe('checkLoadResults', () => {
  const journal = new Map([['run-a', JOURNAL]]);
  const twoFollowers = [follower(received(JOURNAL)), follower(received(JOURNAL))];

  it('passes a run that succeeded and was fully delivered to all its followers', () => {
    expect(checkLoadResults(twoFollowers, journal, [listed('run-a')], ['run-a'], expectations)).toEqual([]);
  });

  it('reports a lost run, a failed run, a missing follower and a missing start', () => {
    expect(checkLoadResults(twoFollowers, journal, [], ['run-a'], expectations).join('\n')).toMatch(/not listed by GET \/api\/runs \(lost\)/);
    expect(checkLoadResults(twoFollowers, journal, [listed('run-a', { status: 'failed', successfulTasks: 0 })], ['run-a'], expectations).join('\n')).toMatch(/run-a: failed with 0\/1 tasks succeeded/);
    expect(checkLoadResults(twoFollowers.slice(1), journal, [listed('run-a')], ['run-a'], expectations)).toEqual(['run run-a: 1 followers finished, expected 2']);
    expect(checkLoadResults(twoFollowers, journal, [listed('run-a')], ['run-a'], { ...expectations, runCount: 2 })).toEqual(['1 runs started, expected 2']);
  });

  it('reports a journal that does not end with workflow:complete', () => {
    const unfinished = new Map([['run-a', JOURNAL.slice(0, 3)]]);
    const problems = checkLoadResults(twoFollowers, unfinished, [listed('run-a')], ['run-a'], expectations);
    expect(problems).toContain('run run-a: the journal ends with task:complete, not workflow:complete');
    expect(problems.some((problem) => problem.includes('received 4 events, the journal has 3'))).toBe(true);
  });
});

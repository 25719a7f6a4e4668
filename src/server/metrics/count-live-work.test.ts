import { describe, expect, it } from 'vitest';
import { ZERO_USAGE } from '../../core/index.js';
import { RunEventFactory } from '../../../test/helpers/run-events.js';
import { countLiveWork } from './count-live-work.js';

const failure = { code: 'AGENT_FAILED', message: 'no', retryable: true } as const;

describe('countLiveWork', () => {
  it('counts pending tasks whose dependencies all succeeded as ready, and running attempts as running agents', () => {
    const run = new RunEventFactory('run-1');
    run.start('w', [{ id: 'a' }, { id: 'b' }, { id: 'c', dependencies: ['a'] }, { id: 'd', dependencies: ['b'] }, { id: 'e', dependencies: ['ghost'] }, { id: 'f', dependencies: ['a', 'b'] }]);
    run.begin('a');
    run.complete('a');
    run.begin('b');
    // c: its dependency a succeeded. d and f wait for b (running); e names a task the run does not have.
    expect(countLiveWork([run.state])).toEqual({ readyTasks: 1, runningAgents: 1 });
  });

  it('does not count a task whose dependency failed, a task waiting out a retry, or runs that ended', () => {
    const failing = new RunEventFactory('run-2');
    failing.start('w', [{ id: 'a' }, { id: 'b' }, { id: 'c', dependencies: ['a'] }]);
    failing.begin('a');
    failing.fail('a', 'broken');
    failing.begin('b');
    failing.apply('task:retry', { taskId: 'b', agentName: 'worker', attempt: 1, delayMs: 100, error: failure, usage: ZERO_USAGE, costUsd: 0 });
    expect(countLiveWork([failing.state])).toEqual({ readyTasks: 0, runningAgents: 0 });

    const ended = new RunEventFactory('run-3');
    ended.start('w', [{ id: 'a' }, { id: 'b' }]);
    ended.begin('a');
    const summary = { totalTasks: 2, successfulTasks: 0, failedTasks: 0, skippedTasks: 0, cancelledTasks: 0, totalTokens: 0, totalCost: 0, totalDuration: 1, toolCalls: 0, contextTokens: 0 };
    ended.apply('workflow:error', { status: 'interrupted', error: { code: 'RUN_INTERRUPTED', message: 'stopped', retryable: false }, summary });
    expect(countLiveWork([ended.state])).toEqual({ readyTasks: 0, runningAgents: 0 });
  });

  it('adds up over runs', () => {
    const runs = ['x', 'y'].map((runId) => {
      const run = new RunEventFactory(runId);
      run.start('w', [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
      run.begin('a');
      return run.state;
    });
    expect(countLiveWork(runs)).toEqual({ readyTasks: 4, runningAgents: 2 });
  });
});

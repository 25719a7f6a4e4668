import { describe, expect, it } from 'vitest';
import { createHarness, randomScenario, task, type Harness, type Scenario } from '../../test/helpers/scheduler-harness.js';
import { createRandom } from './create-random.js';
import { EnsembleError } from './errors.js';
import type { RunEvent } from './events.js';
import type { TaskRequest } from './ports.js';
import { resumePriorFromEvents } from './resume-prior.js';
import { foldRunEvents, runElapsedMs } from './run-state.js';
import type { SchedulerPrior } from './scheduler.js';
import type { PriorTaskResult, RunOutcome } from './types.js';

const at = (events: readonly RunEvent[], type: RunEvent['type'], taskId: string): number => {
  const event = events.find((candidate) => candidate.type === type && 'taskId' in candidate && candidate.taskId === taskId);
  if (event === undefined) throw new Error(`no ${type} for ${taskId}`);
  return event.at;
};

describe('RunScheduler', () => {
  it('emits one ordered stream: seq from 1, workflow:start first, workflow:complete last, with the payloads clients read', async () => {
    const harness = createHarness([task('a'), task('b', ['a'])]);
    const outcome = await harness.run();
    const { events } = harness;
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]).toMatchObject({ type: 'workflow:start', taskCount: 2, runId: 'run-1' });
    expect(events.at(-1)).toMatchObject({
      type: 'workflow:complete',
      status: 'succeeded',
      summary: { totalTasks: 2, successfulTasks: 2, failedTasks: 0, skippedTasks: 0, totalTokens: 6, totalCost: 1 },
    });
    expect(events.find((event) => event.type === 'task:complete')).toMatchObject({ duration: 10, tokensUsed: 3, taskId: 'a' });
    expect(events.find((event) => event.type === 'agent:invoke')).toMatchObject({ model: 'test-model' });
    expect(events.find((event) => event.type === 'task:start')).toHaveProperty('description');
    expect(outcome.status).toBe('succeeded');
    expect(harness.dispatched[1]!.inputs).toEqual([{ taskId: 'a', agentName: 'worker', output: 'out:a' }]);
  });

  it("starts a task as soon as its own dependencies are done, not when an unrelated slow task of the same wave ends", async () => {
    const harness = createHarness(
      [task('slow', [], { estimatedMs: 1000 }), task('quick', [], { estimatedMs: 10 }), task('after-quick', ['quick'], { estimatedMs: 10 })],
      { config: { maxParallelAgents: 3 } },
    );
    await harness.run();
    const started = at(harness.events, 'task:start', 'after-quick');
    expect(started - at(harness.events, 'task:start', 'quick')).toBe(10);
    expect(started).toBeLessThan(at(harness.events, 'task:complete', 'slow'));
  });

  it('prefers higher priority, then the longer remaining critical path, then declaration order', async () => {
    const harness = createHarness(
      [
        task('low', [], { priority: 2 }),
        task('short-path', [], { priority: 5 }),
        task('long-path', [], { priority: 5 }),
        task('tail-1', ['long-path']),
        task('tail-2', ['tail-1']),
        task('urgent', [], { priority: 9 }),
        task('tie-b', [], { priority: 1 }),
        task('tie-a', [], { priority: 1 }),
      ],
      { config: { maxParallelAgents: 1 } },
    );
    await harness.run();
    const order = harness.dispatched.map((request) => request.task.id);
    expect(order.slice(0, 2)).toEqual(['urgent', 'long-path']);
    expect(order.indexOf('short-path')).toBeLessThan(order.indexOf('low'));
    expect(order.indexOf('tie-b')).toBeLessThan(order.indexOf('tie-a'));
  });

  it("uses the agents' median past durations for the critical path when tasks carry no estimate", async () => {
    const harness = createHarness(
      [task('x', [], { agentName: 'fast-agent' }), task('y', [], { agentName: 'slow-agent' })],
      { config: { maxParallelAgents: 1 }, agentMedianMs: new Map([['fast-agent', 5], ['slow-agent', 500]]) },
    );
    await harness.run();
    expect(harness.dispatched.map((request) => request.task.id)).toEqual(['y', 'x']);
  });

  it('retries with exponential backoff and jitter, honouring retry-after', async () => {
    const transient = new EnsembleError('AGENT_FAILED', 'flaky', { retryable: true });
    const limited = new EnsembleError('PROVIDER_RATE_LIMITED', '429', { retryable: true, retryAfterMs: 7000 });
    const harness = createHarness([task('flaky', [], { retry: { max: 3, backoffMs: 100 } })], {
      behaviours: { flaky: { failures: [transient, transient, limited] } },
    });
    const outcome = await harness.run();
    const retries = harness.events.filter((event) => event.type === 'task:retry');
    // random() = 0.5 gives 75% of the exponential step; retry-after is a floor plus at most 10% spread.
    expect(retries.map((event) => event.delayMs)).toEqual([75, 150, 7350]);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.results[0]).toMatchObject({ attempts: 4, status: 'succeeded' });
  });

  it('does not retry errors marked not retryable, nor past the retry limit', async () => {
    const fatal = new EnsembleError('AGENT_SPAWN_FAILED', 'no such program', { retryable: false });
    const flaky = new EnsembleError('AGENT_FAILED', 'flaky', { retryable: true });
    const harness = createHarness(
      [task('fatal', [], { retry: { max: 5 } }), task('limited', [], { retry: { max: 1 } })],
      { behaviours: { fatal: { failures: [fatal] }, limited: { failures: [flaky, flaky, flaky] } } },
    );
    const outcome = await harness.run();
    expect(outcome.results.map((result) => [result.taskId, result.status, result.attempts])).toEqual([
      ['fatal', 'failed', 1],
      ['limited', 'failed', 2],
    ]);
  });

  it('aborts a task that exceeds its timeout and may retry it', async () => {
    const harness = createHarness([task('hangs', [], { timeoutMs: 50, retry: { max: 1, backoffMs: 10 } })], {
      behaviours: { hangs: { durationsMs: [10_000, 5] } },
    });
    const outcome = await harness.run();
    expect(harness.aborted).toEqual(['hangs']);
    const retry = harness.events.find((event) => event.type === 'task:retry');
    expect(retry).toMatchObject({ error: { code: 'TASK_TIMEOUT' } });
    expect(outcome.status).toBe('succeeded');
  });

  it('records a timed-out task as failed after the grace period even if the work ignores the signal', async () => {
    const harness = createHarness([task('stubborn', [], { timeoutMs: 50 })], {
      config: { abortGraceMs: 100 },
      behaviours: { stubborn: { durationsMs: [1_000_000], ignoresAbort: true } },
    });
    const outcome = await harness.run();
    const error = harness.events.find((event) => event.type === 'task:error');
    expect(error).toMatchObject({ taskId: 'stubborn', error: { code: 'TASK_TIMEOUT' } });
    expect(error!.at - at(harness.events, 'task:start', 'stubborn')).toBe(150);
    expect(outcome.status).toBe('failed');
  });

  it("skips every task downstream of a failure while independent branches go on", async () => {
    const boom = new EnsembleError('AGENT_EXIT_NONZERO', 'exit 1', { retryable: true });
    const harness = createHarness(
      [task('root'), task('fails', ['root']), task('child', ['fails']), task('grandchild', ['child', 'other']), task('other', ['root'])],
      { behaviours: { fails: { failures: [boom] } } },
    );
    const outcome = await harness.run();
    const skipped = harness.events.filter((event) => event.type === 'task:skipped');
    expect(skipped.map((event) => [event.taskId, event.blockedBy])).toEqual([
      ['child', 'fails'],
      ['grandchild', 'fails'],
    ]);
    expect(harness.dispatched.map((request) => request.task.id).sort()).toEqual(['fails', 'other', 'root']);
    expect(outcome.summary).toMatchObject({ successfulTasks: 2, failedTasks: 1, skippedTasks: 2 });
    expect(harness.events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'failed' });
  });

  it('cancels promptly: the running task is aborted and every unfinished task ends cancelled, not failed or skipped (issue 6)', async () => {
    const harness: Harness = createHarness([task('a', [], { estimatedMs: 100 }), task('b', [], { estimatedMs: 100 }), task('c', ['a'])], {
      config: { maxParallelAgents: 1 },
      behaviours: { a: { reportedTokens: [40] } },
      onEvent: (event, scheduler) => {
        if (event.type === 'task:start' && event.taskId === 'a') harness.clock.setTimer(30, () => scheduler.cancel('user asked'));
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('cancelled');
    expect(harness.aborted).toEqual(['a']);
    const cancelled = harness.events.filter((event) => event.type === 'task:cancelled');
    expect(cancelled.map((event) => event.taskId).sort()).toEqual(['a', 'b', 'c']);
    // The aborted attempt says how long it ran and what it spent; tasks never launched carry no attempt.
    expect(cancelled.find((event) => event.taskId === 'a')).toMatchObject({
      reason: 'cancelled',
      attempt: 1,
      duration: 30,
      usage: { totalTokens: 40 },
      costUsd: 0.4,
    });
    expect(cancelled.find((event) => event.taskId === 'b')).not.toHaveProperty('attempt');
    expect(harness.events.some((event) => event.type === 'task:error' || event.type === 'task:skipped')).toBe(false);
    expect(harness.events.at(-1)).toMatchObject({
      type: 'workflow:error',
      status: 'cancelled',
      error: { code: 'RUN_CANCELLED' },
      summary: { cancelledTasks: 3, failedTasks: 0, skippedTasks: 0, totalTokens: 40 },
    });
    expect(outcome.results.map((result) => [result.taskId, result.status, result.attempts, result.tokensUsed])).toEqual([
      ['a', 'cancelled', 1, 40],
      ['b', 'cancelled', 0, 0],
      ['c', 'cancelled', 0, 0],
    ]);
    expect(harness.dispatched).toHaveLength(1);
  });

  it("keeps a failed task's dependents skipped when the run is cancelled afterwards", async () => {
    const boom = new EnsembleError('AGENT_EXIT_NONZERO', 'exit 1');
    const harness: Harness = createHarness(
      [task('fails', [], { estimatedMs: 10 }), task('after-fail', ['fails']), task('slow', [], { estimatedMs: 100 }), task('after-slow', ['slow'])],
      {
        behaviours: { fails: { failures: [boom] } },
        onEvent: (event, scheduler) => {
          if (event.type === 'task:error') harness.clock.setTimer(5, () => scheduler.cancel());
        },
      },
    );
    const outcome = await harness.run();
    expect(outcome.results.map((result) => [result.taskId, result.status])).toEqual([
      ['fails', 'failed'],
      ['after-fail', 'skipped'],
      ['slow', 'cancelled'],
      ['after-slow', 'cancelled'],
    ]);
    expect(outcome.summary).toMatchObject({ failedTasks: 1, skippedTasks: 1, cancelledTasks: 2 });
  });

  it('never launches work announced just before a cancel', async () => {
    const harness = createHarness([task('a'), task('b')], {
      onEvent: (event, scheduler) => {
        if (event.type === 'agent:invoke' && event.taskId === 'a') scheduler.cancel();
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('cancelled');
    expect(harness.dispatched).toHaveLength(0);
    expect(outcome.results.map((result) => result.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('stops the whole run at the global timeout: the running task and those never launched end cancelled (run-timeout)', async () => {
    const harness = createHarness([task('a', [], { estimatedMs: 100 }), task('b', ['a'], { estimatedMs: 100 }), task('c', ['b'])], {
      config: { globalTimeout: 150 },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('RUN_TIMEOUT');
    expect(harness.events.filter((event) => event.type === 'task:cancelled').map((event) => [event.taskId, event.reason, event.duration])).toEqual([
      ['c', 'run-timeout', undefined],
      ['b', 'run-timeout', 50],
    ]);
    expect(outcome.summary).toMatchObject({ successfulTasks: 1, failedTasks: 0, cancelledTasks: 2 });
  });

  it('ends cancelled, not failed, a task whose timed-out attempt would have been retried when the run stops during its grace period', async () => {
    const harness: Harness = createHarness([task('stubborn', [], { timeoutMs: 50, retry: { max: 2 } })], {
      config: { abortGraceMs: 100 },
      behaviours: { stubborn: { durationsMs: [1_000_000], ignoresAbort: true } },
      onEvent: (event, scheduler) => {
        if (event.type === 'task:start') harness.clock.setTimer(60, () => scheduler.cancel());
      },
    });
    const outcome = await harness.run();
    expect(outcome.results[0]).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(harness.events.find((event) => event.type === 'task:cancelled')).toMatchObject({ attempt: 1, duration: 150 });
  });

  it('journals every event before it is emitted, and before the work it announces starts', async () => {
    // Checked after the run: the scheduler swallows a listener's throw, so an expect() inside one could never fail.
    const journaled: number[] = [];
    const emittedBeforeJournal: number[] = [];
    let dispatchedBeforeJournal = false;
    const harness = createHarness([task('a'), task('b', ['a'])], {
      journal: {
        append(events) {
          for (const event of events) journaled.push(event.seq);
        },
      },
      onEvent: (event) => {
        if (!journaled.includes(event.seq)) emittedBeforeJournal.push(event.seq);
      },
    });
    const originalDispatch = harness.dispatched.push.bind(harness.dispatched);
    harness.dispatched.push = (...requests: TaskRequest[]) => {
      for (const request of requests) {
        const invoke = harness.events.find((event) => event.type === 'agent:invoke' && event.taskId === request.task.id && event.attempt === request.attempt);
        if (invoke === undefined || !journaled.includes(invoke.seq)) dispatchedBeforeJournal = true;
      }
      return originalDispatch(...requests);
    };
    await harness.run();
    expect(emittedBeforeJournal).toEqual([]);
    expect(dispatchedBeforeJournal).toBe(false);
    expect(journaled).toEqual(harness.events.map((event) => event.seq));
  });

  it('fails the run without announcing anything further when the journal cannot be written', async () => {
    let appends = 0;
    const harness = createHarness([task('a'), task('b', ['a'])], {
      journal: {
        append() {
          appends++;
          if (appends === 2) throw new Error('disk full');
        },
      },
    });
    await expect(harness.run()).rejects.toMatchObject({ code: 'JOURNAL_ERROR' });
    expect(harness.events.some((event) => event.type === 'task:complete')).toBe(false);
  });

  it('counts the spend an aborted attempt returns when its work finishes anyway within the grace period', async () => {
    const harness = createHarness([task('a', [], { timeoutMs: 50 })], {
      config: { retry: { max: 0 }, abortGraceMs: 1000 },
      behaviours: { a: { durationsMs: [100], ignoresAbort: true } },
    });
    const outcome = await harness.run();
    expect(outcome.results[0]).toMatchObject({ status: 'failed', error: { code: 'TASK_TIMEOUT' }, tokensUsed: 3, costUsd: 0.5 });
    expect(harness.events.find((event) => event.type === 'task:error')).toMatchObject({ usage: { totalTokens: 3 }, costUsd: 0.5 });
    expect(outcome.summary.totalTokens).toBe(3);
  });

  it('leaves no timer behind when the journal fails while an attempt with a timeout runs', async () => {
    let appends = 0;
    const harness = createHarness([task('a', [], { timeoutMs: 60_000 })], {
      behaviours: { a: { streams: ['partial'], durationsMs: [100] } },
      journal: {
        append() {
          appends++;
          if (appends === 2) throw new Error('disk full');
        },
      },
    });
    await expect(harness.run()).rejects.toMatchObject({ code: 'JOURNAL_ERROR' });
    // The aborted work cancelled its own timer; the attempt's 60 s timeout must not keep a process alive either.
    expect(harness.clock.pendingTimers).toBe(0);
  });

  it('resumes: finished tasks keep their outputs and are not run again, seq continues', async () => {
    const prior = new Map<string, PriorTaskResult>([
      ['a', { output: 'stored-a', usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 }, costUsd: 0.25, durationMs: 40 }],
    ]);
    const harness = createHarness([task('a'), task('b', ['a']), task('c')], { prior: { completed: prior, nextSeq: 42 } });
    const outcome = await harness.run();
    expect(harness.dispatched.map((request) => request.task.id).sort()).toEqual(['b', 'c']);
    expect(harness.dispatched.find((request) => request.task.id === 'b')!.inputs[0]!.output).toBe('stored-a');
    expect(harness.events[0]).toMatchObject({ type: 'workflow:start', seq: 42, resumed: true, completedTaskCount: 1 });
    expect(harness.events.some((event) => event.type === 'task:added')).toBe(false);
    expect(outcome.summary).toMatchObject({ successfulTasks: 3, totalTokens: 16 });
  });

  it("counts the spend of every attempt: a task that failed twice then succeeded shows all three attempts' tokens (issue 6)", async () => {
    const flaky = new EnsembleError('PROVIDER_UNAVAILABLE', '503', { retryable: true });
    const harness = createHarness([task('flaky', [], { retry: { max: 2, backoffMs: 10 } }), task('fatal')], {
      behaviours: {
        flaky: { failures: [flaky, flaky], reportedTokens: [100, 200, 50] },
        fatal: { failures: [new EnsembleError('AGENT_FAILED', 'bad', { retryable: false })], reportedTokens: [7] },
      },
    });
    const outcome = await harness.run();
    const retries = harness.events.filter((event) => event.type === 'task:retry');
    expect(retries.map((event) => [event.attempt, event.usage.totalTokens, event.costUsd])).toEqual([
      [1, 100, 1],
      [2, 200, 2],
    ]);
    // The successful attempt: what it reported (50) plus what its outcome says (3).
    expect(harness.events.find((event) => event.type === 'task:complete')).toMatchObject({
      attempt: 3,
      tokensUsed: 53,
      usage: { inputTokens: 51, outputTokens: 2, totalTokens: 53 },
      costUsd: 1,
    });
    expect(harness.events.find((event) => event.type === 'task:error')).toMatchObject({ taskId: 'fatal', usage: { totalTokens: 7 }, costUsd: 0.07 });
    expect(outcome.results.map((result) => [result.taskId, result.tokensUsed, result.costUsd])).toEqual([
      ['flaky', 353, 4],
      ['fatal', 7, 0.07],
    ]);
    expect(outcome.summary).toMatchObject({ totalTokens: 360 });
    expect(outcome.summary.totalCost).toBeCloseTo(4.07, 10);
  });

  it('does not count queued time against a task timeout: the clock stops while the attempt waits in a provider queue (issue 6)', async () => {
    const harness = createHarness(
      [task('queued', [], { timeoutMs: 100 }), task('queued-then-slow', [], { timeoutMs: 100 }), task('slow', [], { timeoutMs: 100 })],
      {
        behaviours: {
          queued: { queuedMs: [500], durationsMs: [80] },
          'queued-then-slow': { queuedMs: [300], durationsMs: [150] },
          slow: { durationsMs: [150] },
        },
      },
    );
    const outcome = await harness.run();
    expect(outcome.results.map((result) => [result.taskId, result.status])).toEqual([
      ['queued', 'succeeded'],
      ['queued-then-slow', 'failed'],
      ['slow', 'failed'],
    ]);
    const errors = harness.events.filter((event) => event.type === 'task:error');
    const queuedThenSlow = errors.find((event) => event.taskId === 'queued-then-slow')!;
    // It times out 100 ms of its own work after the 300 ms wait, and says it was queued.
    expect(queuedThenSlow.duration).toBe(400);
    expect(queuedThenSlow.error).toMatchObject({ code: 'TASK_TIMEOUT', details: { queuedMs: 300 } });
    expect(queuedThenSlow.error.message).toContain('not counting 300 ms spent queued');
    expect(errors.find((event) => event.taskId === 'slow')).toMatchObject({ duration: 100, error: { details: { queuedMs: 0 } } });
  });

  it('resumes with attempts that keep counting, prior spend, and the whole run\'s duration (issue 6)', async () => {
    const prior: SchedulerPrior = {
      completed: new Map([['a', { output: 'stored-a', usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 }, costUsd: 0.25, durationMs: 40 }]]),
      nextSeq: 30,
      attempts: new Map([
        ['a', 2],
        ['b', 3],
      ]),
      spend: new Map([['b', { usage: { inputTokens: 20, outputTokens: 0, totalTokens: 20 }, costUsd: 0.2 }]]),
      elapsedMs: 5_000,
    };
    const harness = createHarness([task('a'), task('b', ['a']), task('c')], { prior });
    const outcome = await harness.run();
    expect(harness.dispatched.map((request) => [request.task.id, request.attempt, request.executionId])).toEqual([
      ['b', 4, 'run-1:b:4'],
      ['c', 1, 'run-1:c:1'],
    ]);
    expect(outcome.results.map((result) => [result.taskId, result.attempts, result.tokensUsed])).toEqual([
      ['a', 2, 10],
      ['b', 4, 23],
      ['c', 1, 3],
    ]);
    expect(outcome.summary).toMatchObject({ successfulTasks: 3, totalTokens: 36, totalDuration: 5_010 });
    expect(harness.events.find((event) => event.type === 'workflow:results')).toMatchObject({ results: outcome.results });
  });

  it('journals streamed partial output as task:output events of the running attempt', async () => {
    const harness = createHarness([task('talks')], { behaviours: { talks: { streams: ['Hel', 'lo', '', '!Hi', '!'] } } });
    await harness.run();
    const outputs = harness.events.filter((event) => event.type === 'task:output');
    expect(outputs.map((event) => [event.delta, event.restart === true])).toEqual([
      ['Hel', false],
      ['lo', false],
      ['Hi', true],
      ['', true],
    ]);
    expect(outputs[0]).toMatchObject({ taskId: 'talks', attempt: 1 });
    const types = harness.events.map((event) => event.type);
    expect(types.indexOf('task:output')).toBeGreaterThan(types.indexOf('agent:invoke'));
    expect(types.lastIndexOf('task:output')).toBeLessThan(types.indexOf('task:complete'));
  });

  it('says in the summary which cap stopped which task', async () => {
    const stopped = new EnsembleError('BUDGET_EXCEEDED', 'over budget', { retryable: false, details: { cap: 'agent', name: 'worker' } });
    const harness = createHarness([task('pricey', [], { retry: { max: 3 } }), task('cheap')], { behaviours: { pricey: { failures: [stopped] } } });
    const outcome = await harness.run();
    expect(outcome.summary.budgetStops).toEqual([{ taskId: 'pricey', cap: 'agent', name: 'worker' }]);
    expect(outcome.results[0]).toMatchObject({ attempts: 1, status: 'failed' });
  });

  it('marks waves as topological levels: first start and last finish', async () => {
    const harness = createHarness([task('a'), task('b'), task('c', ['a', 'b'])]);
    await harness.run();
    const waves = harness.events.filter((event) => event.type === 'wave:start' || event.type === 'wave:complete');
    expect(waves.map((event) => `${event.type}:${event.wave}:${event.taskCount}`)).toEqual([
      'wave:start:0:2',
      'wave:complete:0:2',
      'wave:start:1:1',
      'wave:complete:1:1',
    ]);
  });
});

const TERMINAL_TYPES = new Set<RunEvent['type']>(['task:complete', 'task:error', 'task:skipped', 'task:cancelled']);

/**
 * Checks one execution's events (after `before`, the journal of earlier executions): seq continues,
 * dependencies first, the parallel limit, attempts that keep counting, exactly one terminal event per
 * unfinished task, no succeeded task run again, and a summary and results that agree with the reducer.
 */
function expectSessionInvariants(scenario: Scenario, before: readonly RunEvent[], events: readonly RunEvent[], outcome: RunOutcome): void {
  const earlier = foldRunEvents(before);
  const succeededBefore = new Set([...earlier.tasks.values()].filter((state) => state.status === 'succeeded').map((state) => state.taskId));
  const firstSeq = earlier.lastSeq + 1;
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => firstSeq + index));
  expect(events[0]).toMatchObject({ type: 'workflow:start', resumed: before.length > 0 });
  const isStopped = events.at(-1)!.type === 'workflow:error';

  const dependenciesOf = new Map(scenario.inputs.map((input) => [input.id, input.dependencies ?? []]));
  const status = new Map<string, string>([...succeededBefore].map((taskId) => [taskId, 'succeeded']));
  const lastAttempt = new Map([...earlier.tasks.values()].map((state) => [state.taskId, state.attempts]));
  const terminals = new Map<string, number>();
  let running = 0;
  let peak = 0;
  for (const event of events) {
    if (event.type === 'task:start') {
      expect(succeededBefore.has(event.taskId)).toBe(false);
      running++;
      peak = Math.max(peak, running);
      for (const dependency of dependenciesOf.get(event.taskId)!) expect(status.get(dependency)).toBe('succeeded');
      expect(event.attempt).toBe((lastAttempt.get(event.taskId) ?? 0) + 1);
      lastAttempt.set(event.taskId, event.attempt);
    }
    if (event.type === 'task:retry' || event.type === 'task:complete' || event.type === 'task:error') running--;
    if (event.type === 'task:cancelled') {
      expect(isStopped).toBe(true);
      if (event.attempt !== undefined) running--;
    }
    if (event.type === 'task:skipped') expect(status.get(event.blockedBy!)).toBe('failed');
    if (TERMINAL_TYPES.has(event.type) && 'taskId' in event) {
      terminals.set(event.taskId, (terminals.get(event.taskId) ?? 0) + 1);
      status.set(event.taskId, event.type.slice('task:'.length).replace('complete', 'succeeded').replace('error', 'failed'));
    }
  }
  expect(peak).toBeLessThanOrEqual(scenario.limit);
  expect(running).toBe(0);
  for (const input of scenario.inputs) expect(terminals.get(input.id) ?? 0).toBe(succeededBefore.has(input.id) ? 0 : 1);

  // The reducer over the whole journal agrees with the scheduler's results and summary.
  const state = foldRunEvents([...before, ...events]);
  for (const result of outcome.results) {
    const taskState = state.tasks.get(result.taskId)!;
    expect([taskState.status, taskState.attempts, taskState.usage.totalTokens]).toEqual([result.status, result.attempts, result.tokensUsed]);
    expect(taskState.costUsd).toBeCloseTo(result.costUsd, 9);
  }
  const { summary } = outcome;
  expect(state.summary).toEqual(summary);
  expect([summary.successfulTasks, summary.failedTasks, summary.skippedTasks, summary.cancelledTasks]).toEqual([
    state.counts.succeeded,
    state.counts.failed,
    state.counts.skipped,
    state.counts.cancelled,
  ]);
  expect(summary.totalTokens).toBe(state.totalTokens);
  expect(summary.totalCost).toBeCloseTo(state.totalCostUsd, 9);
  expect(summary.totalDuration).toBe(runElapsedMs(state));
}

describe('RunScheduler on random DAGs', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`holds its invariants with failures, retries, timeouts, ignored aborts, queueing, a cancel or a run timeout, then a resume from a random prefix (seed ${seed})`, async () => {
      const random = createRandom(seed);
      const scenario = randomScenario(random);
      // A third of the runs are cancelled after a random event, a sixth hit a random global timeout.
      const stopRoll = random();
      const cancelAtSeq = stopRoll < 1 / 3 ? 2 + Math.floor(random() * scenario.inputs.length * 4) : undefined;
      const globalTimeout = stopRoll >= 1 / 3 && stopRoll < 1 / 2 ? 1 + Math.floor(random() * 300) : undefined;
      const first = createHarness(scenario.inputs, {
        config: { ...scenario.config, ...(globalTimeout === undefined ? {} : { globalTimeout }) },
        behaviours: scenario.behaviours,
        random,
        onEvent: (event, scheduler) => {
          if (event.seq === cancelAtSeq) scheduler.cancel('cancelled by the test');
        },
      });
      const firstOutcome = await first.run();
      expectSessionInvariants(scenario, [], first.events, firstOutcome);

      // Resume from a random prefix of the journal, as after a crash at that point: state rebuilt from the events.
      const prefix = first.events.slice(0, 1 + Math.floor(random() * first.events.length));
      const prior = resumePriorFromEvents(prefix);
      const resumed = createHarness(scenario.inputs, {
        config: scenario.config,
        behaviours: scenario.behaviours,
        random,
        prior,
        startAt: prefix.at(-1)!.at + 1_000,
      });
      const resumedOutcome = await resumed.run();
      expectSessionInvariants(scenario, prefix, resumed.events, resumedOutcome);
      // Execution ids never repeat across the crash: those started before it, and those of the resume.
      const startedBefore = prefix.flatMap((event) => (event.type === 'task:start' ? [`${event.runId}:${event.taskId}:${event.attempt}`] : []));
      const executionIds = [...startedBefore, ...resumed.dispatched.map((request) => request.executionId)];
      expect(new Set(executionIds).size).toBe(executionIds.length);
    });
  }
});

describe('RunScheduler: process groups of earlier attempts', () => {
  it('journals the exit of an earlier attempt\'s process group that ends while a retry runs, so a resume does not wait for it', async () => {
    const { ManualClock } = await import('./manual-clock.js');
    const { RunScheduler } = await import('./scheduler.js');
    const { runConfigSchema, taskSpecSchema } = await import('./schema.js');
    const { validateGraph } = await import('./validate-graph.js');
    const validation = validateGraph([taskSpecSchema.parse({ id: 'edit', agentName: 'coder', timeoutMs: 50 })]);
    if (!validation.ok) throw new Error('invalid graph');
    const clock = new ManualClock(1_000_000);
    const events: RunEvent[] = [];
    const group = { pid: 4242, pgid: 4242, host: 'this-host' };
    let reportFirstExit: (() => void) | undefined;
    const scheduler = new RunScheduler({
      runId: 'run-1',
      workflowName: 'test',
      graph: validation.graph,
      config: runConfigSchema.parse({ retry: { max: 1, backoffMs: 0, maxBackoffMs: 0 }, abortGraceMs: 10 }),
      clock,
      emit: (event) => events.push(event),
      random: () => 0.5,
      dispatcher: {
        describe: () => ({ model: 'test-model', runtime: 'test' }),
        dispatch: (request, { reportEvent }) =>
          new Promise((resolve) => {
            if (request.attempt === 1) {
              // A process that ignores its abort: it outlives the attempt's grace period and exits later.
              reportEvent('agent:process', { state: 'started', ...group });
              reportFirstExit = () => reportEvent('agent:process', { state: 'exited', ...group });
              return;
            }
            reportFirstExit?.();
            clock.setTimer(20, () => resolve({ output: 'done' }));
          }),
      },
    });
    const outcome = scheduler.start();
    let settled: RunOutcome | undefined;
    void outcome.then((value) => (settled = value));
    for (let step = 0; step < 1000 && settled === undefined; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.fireNext();
    }
    expect(settled?.status).toBe('succeeded');
    expect(events.filter((event) => event.type === 'agent:process').map((event) => (event as { state: string; attempt: number }).state)).toEqual(['started', 'exited']);
    expect(foldRunEvents(events).tasks.get('edit')?.processes).toEqual([]);
  });
});

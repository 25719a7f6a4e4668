import { describe, expect, it } from 'vitest';
import { createHarness, task } from '../../test/helpers/scheduler-harness.js';
import { EnsembleError } from './errors.js';
import type { RunEvent } from './events.js';
import { resumePriorFromEvents } from './resume-prior.js';
import { foldRunEvents } from './run-state.js';
import { taskSpecSchema } from './schema.js';

const spec = (id: string, dependencies: string[] = [], extra: Record<string, unknown> = {}) => taskSpecSchema.parse({ ...task(id, dependencies), ...extra });
const types = (events: readonly RunEvent[], taskId: string): string[] =>
  events.filter((event) => 'taskId' in event && event.taskId === taskId).map((event) => event.type);

describe('RunScheduler: tasks added to the running graph', () => {
  it('runs tasks added round by round while a hold keeps the run open, each after its dependencies, journaled whole', async () => {
    let release: (() => void) | undefined;
    let round = 0;
    const harness = createHarness([task('r1-a'), task('r1-b')], {
      onEvent: (event, scheduler) => {
        if (event.type === 'workflow:start') release = scheduler.holdOpen();
        if (event.type !== 'task:complete') return;
        // The driver adds the next round once the last task of this one completed.
        if (round === 0 && scheduler.taskStatus('r1-a') === 'succeeded' && scheduler.taskStatus('r1-b') === 'succeeded') {
          round = 1;
          scheduler.addTasks([spec('r2-a', ['r1-a', 'r1-b']), spec('r2-b', ['r1-b'], { priority: 9 })]);
        } else if (round === 1 && scheduler.taskStatus('r2-a') === 'succeeded' && scheduler.taskStatus('r2-b') === 'succeeded') {
          round = 2;
          scheduler.addTasks([spec('summary', ['r2-a', 'r2-b'])]);
        } else if (round === 2 && event.taskId === 'summary') {
          release?.();
        }
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.summary.totalTasks).toBe(5);
    expect(harness.dispatched.map((request) => request.task.id)).toEqual(['r1-a', 'r1-b', 'r2-b', 'r2-a', 'summary']);
    expect(harness.dispatched.at(-1)!.inputs.map((input) => input.taskId)).toEqual(['r2-a', 'r2-b']);
    const added = harness.events.filter((event) => event.type === 'task:added');
    expect(added.map((event) => event.taskId)).toEqual(['r1-a', 'r1-b', 'r2-a', 'r2-b', 'summary']);
    expect(added[2]).toMatchObject({ task: { id: 'r2-a', prompt: 'do r2-a', dependencies: ['r1-a', 'r1-b'] } });
    expect(added[0]).not.toHaveProperty('task');
    // The reducer knows the added tasks whole, so a resume can rebuild the graph.
    expect(foldRunEvents(harness.events).addedTasks.map((added) => added.id)).toEqual(['r2-a', 'r2-b', 'summary']);
    expect(harness.events.at(-1)).toMatchObject({ type: 'workflow:complete', summary: { totalTasks: 5, successfulTasks: 5 } });
  });

  it('ends the run once the hold is released when every task had already ended', async () => {
    let release: (() => void) | undefined;
    const harness = createHarness([task('only')], {
      onEvent: (event, scheduler) => {
        if (event.type === 'workflow:start') release = scheduler.holdOpen();
        if (event.type === 'task:complete') harness.clock.setTimer(50, () => release?.());
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('succeeded');
    const complete = harness.events.find((event) => event.type === 'task:complete')!;
    expect(harness.events.at(-1)!.at - complete.at).toBe(50);
  });

  it('refuses duplicate ids, unknown dependencies and cycles, adding nothing, and refuses additions after the end', async () => {
    const errors: EnsembleError[] = [];
    let release: (() => void) | undefined;
    const harness = createHarness([task('a')], {
      onEvent: (event, scheduler) => {
        if (event.type === 'workflow:start') release = scheduler.holdOpen();
        if (event.type !== 'task:complete' || event.taskId !== 'a') return;
        for (const batch of [[spec('a')], [spec('b', ['nope'])], [spec('c', ['d']), spec('d', ['c'])]]) {
          try {
            scheduler.addTasks(batch);
          } catch (error) {
            errors.push(error as EnsembleError);
          }
        }
        release?.();
      },
    });
    const outcome = await harness.run();
    expect(outcome.summary.totalTasks).toBe(1);
    expect(errors.map((error) => error.code)).toEqual(['INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INPUT']);
    expect(errors[0]!.message).toContain('"a"');
    expect(errors[1]!.message).toContain('nope');
    expect(errors[2]!.message).toMatch(/cycle/i);
    expect(() => harness.scheduler.addTasks([spec('late')])).toThrow(/ended/);
  });

  it('skips an added task whose dependency already failed, with everything after it', async () => {
    let release: (() => void) | undefined;
    const harness = createHarness([task('bad')], {
      behaviours: { bad: { failures: [new EnsembleError('AGENT_FAILED', 'no', { retryable: false })] } },
      onEvent: (event, scheduler) => {
        if (event.type === 'workflow:start') release = scheduler.holdOpen();
        if (event.type === 'task:error') {
          scheduler.addTasks([spec('after', ['bad']), spec('after-after', ['after'])]);
          release?.();
        }
      },
    });
    const outcome = await harness.run();
    expect(outcome.summary).toMatchObject({ totalTasks: 3, failedTasks: 1, skippedTasks: 2 });
    expect(types(harness.events, 'after')).toEqual(['task:added', 'task:skipped']);
  });

  it('a cancel ends a held run', async () => {
    const harness = createHarness([task('a')], {
      onEvent: (event, scheduler) => {
        if (event.type === 'workflow:start') scheduler.holdOpen();
        if (event.type === 'task:complete') harness.clock.setTimer(5, () => scheduler.cancel('user'));
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('cancelled');
  });

  it('a resume of a grown run restores the added tasks that finished and runs the rest', async () => {
    let release: (() => void) | undefined;
    const first = createHarness([task('a')], {
      behaviours: { b: { failures: [new EnsembleError('AGENT_FAILED', 'crash', { retryable: false })] } },
      onEvent: (event, scheduler) => {
        if (event.type === 'workflow:start') release = scheduler.holdOpen();
        if (event.type === 'task:complete' && event.taskId === 'a') {
          scheduler.addTasks([spec('b', ['a']), spec('c', ['a'])]);
          release?.();
        }
      },
    });
    await first.run();
    const prior = resumePriorFromEvents(first.events);
    const state = foldRunEvents(first.events);
    const second = createHarness([task('a'), ...state.addedTasks], { prior, runId: 'run-1' });
    const outcome = await second.run();
    expect(outcome.status).toBe('succeeded');
    expect(second.dispatched.map((request) => request.task.id)).toEqual(['b']);
  });
});

describe('RunScheduler: dependencyMode any-succeeded (a selector among parallel attempts)', () => {
  const failing = { failures: [new EnsembleError('AGENT_FAILED', 'attempt broke', { retryable: false })] };

  it('runs once every dependency ended and one succeeded, with the outputs of those that did', async () => {
    const harness = createHarness(
      [task('a1'), task('a2'), task('a3', [], { estimatedMs: 50 }), task('pick', ['a1', 'a2', 'a3'], { dependencyMode: 'any-succeeded' }), task('after', ['pick'])],
      { behaviours: { a1: failing } },
    );
    const outcome = await harness.run();
    const pick = harness.dispatched.find((request) => request.task.id === 'pick')!;
    expect(pick.inputs.map((input) => input.taskId)).toEqual(['a2', 'a3']);
    // It waited for the slow attempt too.
    expect(harness.events.findIndex((event) => event.type === 'task:complete' && event.taskId === 'a3')).toBeLessThan(
      harness.events.findIndex((event) => event.type === 'task:start' && event.taskId === 'pick'),
    );
    expect(outcome.results.find((result) => result.taskId === 'after')?.status).toBe('succeeded');
    expect(outcome.summary).toMatchObject({ failedTasks: 1, skippedTasks: 0, successfulTasks: 4 });
  });

  it('is skipped, with everything after it, when no dependency succeeded; an all-succeeded task is skipped at the first failure', async () => {
    const harness = createHarness(
      [task('a1'), task('a2'), task('pick', ['a1', 'a2'], { dependencyMode: 'any-succeeded' }), task('after', ['pick']), task('strict', ['a1', 'a2'])],
      { behaviours: { a1: failing, a2: failing } },
    );
    const outcome = await harness.run();
    expect(Object.fromEntries(outcome.results.map((result) => [result.taskId, result.status]))).toEqual({ a1: 'failed', a2: 'failed', pick: 'skipped', after: 'skipped', strict: 'skipped' });
    expect(harness.dispatched.map((request) => request.task.id).sort()).toEqual(['a1', 'a2']);
  });

  it('an any-succeeded task added to a running graph after its dependencies ended runs or is skipped at once', async () => {
    let release: (() => void) | undefined;
    const harness = createHarness([task('ok'), task('bad')], {
      behaviours: { bad: failing },
      onEvent: (event, scheduler) => {
        if (event.type === 'workflow:start') release = scheduler.holdOpen();
        if ((event.type === 'task:complete' || event.type === 'task:error') && scheduler.taskStatus('ok') === 'succeeded' && scheduler.taskStatus('bad') === 'failed') {
          scheduler.addTasks([spec('runs', ['ok', 'bad'], { dependencyMode: 'any-succeeded' }), spec('skipped', ['bad'], { dependencyMode: 'any-succeeded' }), spec('below', ['skipped'])]);
          release?.();
        }
      },
    });
    const outcome = await harness.run();
    expect(Object.fromEntries(outcome.results.map((result) => [result.taskId, result.status]))).toMatchObject({ runs: 'succeeded', skipped: 'skipped', below: 'skipped' });
  });
});

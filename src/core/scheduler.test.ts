import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createRandom } from './create-random.js';
import { EnsembleError } from './errors.js';
import type { RunEvent } from './events.js';
import { ManualClock } from './manual-clock.js';
import type { Journal, TaskDispatcher, TaskRequest } from './ports.js';
import { RunScheduler } from './scheduler.js';
import { runConfigSchema, taskSpecSchema, type RunConfigInput, type TaskInput } from './schema.js';
import type { PriorTaskResult, RunOutcome, TaskOutcome } from './types.js';
import { validateGraph } from './validate-graph.js';

interface Behaviour {
  /** Simulated work time in ms per attempt (index = attempt - 1, last repeats). */
  readonly durationsMs?: readonly number[];
  /** Per attempt: throw this error instead of succeeding. */
  readonly failures?: readonly (EnsembleError | undefined)[];
  /** Never settles, even when aborted. */
  readonly ignoresAbort?: boolean;
  /** Partial output reported right after the attempt starts; a leading `!` marks a restart. */
  readonly streams?: readonly string[];
}

interface Harness {
  readonly events: RunEvent[];
  readonly dispatched: TaskRequest[];
  readonly aborted: string[];
  readonly clock: ManualClock;
  readonly scheduler: RunScheduler;
  run(): Promise<RunOutcome>;
}

function createHarness(
  inputs: readonly TaskInput[],
  options: {
    config?: RunConfigInput;
    behaviours?: Readonly<Record<string, Behaviour>>;
    journal?: Journal;
    prior?: { completed: ReadonlyMap<string, PriorTaskResult>; nextSeq: number };
    agentMedianMs?: ReadonlyMap<string, number>;
    onEvent?: (event: RunEvent, scheduler: RunScheduler) => void;
  } = {},
): Harness {
  const tasks = inputs.map((input) => taskSpecSchema.parse(input));
  const validation = validateGraph(tasks);
  if (!validation.ok) throw new Error(validation.issues.map((issue) => issue.message).join('\n'));
  const clock = new ManualClock(1_000_000);
  const events: RunEvent[] = [];
  const dispatched: TaskRequest[] = [];
  const aborted: string[] = [];
  const dispatcher: TaskDispatcher = {
    describe: () => ({ model: 'test-model', runtime: 'test' }),
    dispatch(request, { signal, reportOutput }) {
      dispatched.push(request);
      for (const delta of options.behaviours?.[request.task.id]?.streams ?? []) {
        if (delta.startsWith('!')) reportOutput?.(delta.slice(1), { restart: true });
        else reportOutput?.(delta);
      }
      const behaviour = options.behaviours?.[request.task.id] ?? {};
      const durations = behaviour.durationsMs ?? [request.task.estimatedMs ?? 10];
      const durationMs = durations[Math.min(request.attempt - 1, durations.length - 1)]!;
      const failure = behaviour.failures?.[request.attempt - 1];
      return new Promise<TaskOutcome>((resolve, reject) => {
        const timer = clock.setTimer(durationMs, () => {
          if (failure !== undefined) reject(failure);
          else resolve({ output: `out:${request.task.id}`, usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, costUsd: 0.5 });
        });
        signal.addEventListener('abort', () => {
          aborted.push(request.task.id);
          if (behaviour.ignoresAbort === true) return;
          timer.cancel();
          reject(new Error('aborted by signal'));
        });
      });
    },
  };
  const emit = (event: RunEvent): void => {
    events.push(event);
    options.onEvent?.(event, scheduler);
  };
  const scheduler: RunScheduler = new RunScheduler({
    runId: 'run-1',
    workflowName: 'test',
    graph: validation.graph,
    config: runConfigSchema.parse(options.config ?? {}),
    dispatcher,
    clock,
    emit,
    random: () => 0.5,
    ...(options.journal === undefined ? {} : { journal: options.journal }),
    ...(options.prior === undefined ? {} : { prior: options.prior }),
    ...(options.agentMedianMs === undefined ? {} : { agentMedianMs: options.agentMedianMs }),
  });
  return {
    events,
    dispatched,
    aborted,
    clock,
    scheduler,
    async run() {
      let settled: RunOutcome | undefined;
      let failure: unknown;
      scheduler.start().then(
        (outcome) => (settled = outcome),
        (error: unknown) => (failure = error),
      );
      for (let step = 0; step < 100_000; step++) {
        await nextMacrotask();
        if (settled !== undefined) return settled;
        if (failure !== undefined) throw failure;
        if (!clock.fireNext()) {
          await nextMacrotask();
          if (settled !== undefined) return settled;
          if (failure !== undefined) throw failure;
          throw new Error('run stalled: no timers left and no outcome');
        }
      }
      throw new Error('run did not finish');
    },
  };
}

const task = (id: string, dependencies: string[] = [], extra: Partial<TaskInput> = {}): TaskInput => ({
  id,
  agentName: 'worker',
  prompt: `do ${id}`,
  dependencies,
  ...extra,
});

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

  it('cancels promptly: running tasks are aborted, waiting ones skipped, the run ends cancelled', async () => {
    const harness: Harness = createHarness([task('a', [], { estimatedMs: 100 }), task('b', [], { estimatedMs: 100 }), task('c', ['a'])], {
      config: { maxParallelAgents: 1 },
      onEvent: (event, scheduler) => {
        if (event.type === 'task:start' && event.taskId === 'a') harness.clock.setTimer(30, () => scheduler.cancel('user asked'));
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('cancelled');
    expect(harness.aborted).toEqual(['a']);
    expect(harness.events.find((event) => event.type === 'task:error')).toMatchObject({ taskId: 'a', duration: 30, error: { code: 'RUN_CANCELLED' } });
    expect(harness.events.at(-1)).toMatchObject({ type: 'workflow:error', status: 'cancelled', error: { code: 'RUN_CANCELLED' } });
    expect(harness.events.filter((event) => event.type === 'task:skipped').map((event) => event.taskId).sort()).toEqual(['b', 'c']);
    expect(harness.dispatched).toHaveLength(1);
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
    expect(outcome.results.map((result) => result.status)).toEqual(['failed', 'failed']);
  });

  it('stops the whole run at the global timeout', async () => {
    const harness = createHarness([task('a', [], { estimatedMs: 100 }), task('b', ['a'], { estimatedMs: 100 })], {
      config: { globalTimeout: 150 },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('RUN_TIMEOUT');
    expect(harness.events.find((event) => event.type === 'task:error')).toMatchObject({ taskId: 'b', error: { code: 'RUN_TIMEOUT' } });
  });

  it('journals every event before it is emitted, and before the work it announces starts', async () => {
    const journaled: number[] = [];
    let dispatchedBeforeJournal = false;
    const harness = createHarness([task('a'), task('b', ['a'])], {
      journal: {
        append(events) {
          for (const event of events) journaled.push(event.seq);
        },
      },
      onEvent: (event) => {
        expect(journaled).toContain(event.seq);
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

describe('RunScheduler on random DAGs', () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`holds its invariants (seed ${seed}): dependencies first, the parallel limit, one terminal state per task`, async () => {
      const random = createRandom(seed);
      const taskCount = 5 + Math.floor(random() * 60);
      const limit = 1 + Math.floor(random() * 8);
      const inputs: TaskInput[] = [];
      const behaviours: Record<string, Behaviour> = {};
      for (let index = 0; index < taskCount; index++) {
        const dependencies = new Set<string>();
        const dependencyCount = index === 0 ? 0 : Math.floor(random() * 4);
        for (let k = 0; k < dependencyCount; k++) dependencies.add(`t${Math.floor(random() * index)}`);
        inputs.push(task(`t${index}`, [...dependencies], { priority: 1 + Math.floor(random() * 10), retry: { max: 1, backoffMs: 5 } }));
        const roll = random();
        behaviours[`t${index}`] = {
          durationsMs: [1 + Math.floor(random() * 50)],
          ...(roll < 0.1
            ? { failures: [new EnsembleError('AGENT_FAILED', 'x', { retryable: true }), new EnsembleError('AGENT_FAILED', 'x', { retryable: true })] }
            : roll < 0.2
              ? { failures: [new EnsembleError('AGENT_FAILED', 'once', { retryable: true })] }
              : {}),
        };
      }
      const harness = createHarness(inputs, { config: { maxParallelAgents: limit }, behaviours });
      const outcome = await harness.run();

      let running = 0;
      let peak = 0;
      const finished = new Map<string, string>();
      const terminalCounts = new Map<string, number>();
      const dependenciesOf = new Map(inputs.map((input) => [input.id, input.dependencies ?? []]));
      for (const event of harness.events) {
        if (event.type === 'task:start') {
          running++;
          peak = Math.max(peak, running);
          for (const dependency of dependenciesOf.get(event.taskId)!) expect(finished.get(dependency)).toBe('succeeded');
        }
        if (event.type === 'task:retry') running--;
        if (event.type === 'task:complete' || event.type === 'task:error') {
          running--;
          finished.set(event.taskId, event.type === 'task:complete' ? 'succeeded' : 'failed');
        }
        if (event.type === 'task:complete' || event.type === 'task:error' || event.type === 'task:skipped') {
          terminalCounts.set(event.taskId, (terminalCounts.get(event.taskId) ?? 0) + 1);
          if (event.type === 'task:skipped') {
            const blockedBy = event.blockedBy!;
            expect(finished.get(blockedBy)).toBe('failed');
          }
        }
      }
      expect(peak).toBeLessThanOrEqual(limit);
      expect(running).toBe(0);
      expect(terminalCounts.size).toBe(taskCount);
      expect([...terminalCounts.values()].every((count) => count === 1)).toBe(true);
      const summary = outcome.summary;
      expect(summary.successfulTasks + summary.failedTasks + summary.skippedTasks).toBe(taskCount);
    });
  }
});

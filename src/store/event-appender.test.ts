import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  EnsembleError,
  ManualClock,
  RunScheduler,
  runConfigSchema,
  taskSpecSchema,
  validateGraph,
  type PriorTaskResult,
  type RunEvent,
  type RunOutcome,
  type TaskDispatcher,
  type TaskInput,
  type TaskOutcome,
} from '../core/index.js';
import { openRunStore, type RunStore } from './index.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

// The journal as the real scheduler drives it: whatever the scheduler announces, the projection agrees with.

let store: RunStore;

beforeEach(() => {
  const temp = openTempStore('ensemble-appender-', openRunStore);
  store = temp.store;
  return () => temp.remove(store);
});

type Behaviour = (attempt: number) => TaskOutcome | EnsembleError | 'hang';

interface Execution {
  readonly emitted: RunEvent[];
  readonly dispatched: string[];
  readonly outcome: Promise<RunOutcome>;
  readonly clock: ManualClock;
}

function execute(
  runId: string,
  inputs: readonly TaskInput[],
  behaviours: Readonly<Record<string, Behaviour>>,
  prior?: { completed: ReadonlyMap<string, PriorTaskResult>; nextSeq: number },
): Execution {
  const tasks = inputs.map((input) => taskSpecSchema.parse(input));
  const config = runConfigSchema.parse({ maxParallelAgents: 2 });
  if (prior === undefined) {
    store.createRun({ runId, workflowName: 'pipeline', spec: { tasks, config, parameters: {} }, owner: { pid: 1, host: 'h' }, createdAt: 1 });
  }
  const validation = validateGraph(tasks);
  if (!validation.ok) throw new Error('invalid test graph');
  const clock = new ManualClock(1_000_000);
  const emitted: RunEvent[] = [];
  const dispatched: string[] = [];
  const dispatcher: TaskDispatcher = {
    describe: () => ({ model: 'test-model', runtime: 'test' }),
    dispatch(request) {
      dispatched.push(request.task.id);
      const result = (behaviours[request.task.id] ?? (() => ({ output: `out:${request.task.id}` })))(request.attempt);
      if (result === 'hang') return new Promise<TaskOutcome>(() => {});
      return new Promise<TaskOutcome>((resolve, reject) => {
        clock.setTimer(10, () => (result instanceof EnsembleError ? reject(result) : resolve(result)));
      });
    },
  };
  const scheduler = new RunScheduler({
    runId,
    workflowName: 'pipeline',
    graph: validation.graph,
    config,
    dispatcher,
    clock,
    emit: (event) => emitted.push(event),
    random: () => 0.5,
    journal: store.journalFor(runId),
    ...(prior === undefined ? {} : { prior }),
  });
  return { emitted, dispatched, outcome: scheduler.start(), clock };
}

/** Advances the manual clock until the run settles, or until no timer is left (a hung task). */
async function drive(execution: Execution): Promise<RunOutcome | undefined> {
  let outcome: RunOutcome | undefined;
  void execution.outcome.then((value) => (outcome = value));
  for (let step = 0; step < 10_000; step++) {
    await nextMacrotask();
    if (outcome !== undefined) return outcome;
    if (!execution.clock.fireNext()) {
      await nextMacrotask();
      return outcome;
    }
  }
  throw new Error('run did not settle');
}

const usage = { inputTokens: 3, outputTokens: 4, totalTokens: 7 };

describe('EventAppender under the scheduler', () => {
  it('journals exactly what the scheduler announces, and the rows agree with the outcome', async () => {
    const execution = execute(
      'run-1',
      [
        { id: 'a', agentName: 'coder' },
        { id: 'b', agentName: 'coder', retry: { max: 1, backoffMs: 5 } },
        { id: 'c', agentName: 'tester' },
        { id: 'd', agentName: 'tester', dependencies: ['c'] },
        { id: 'e', agentName: 'reviewer', dependencies: ['a', 'b'] },
      ],
      {
        a: () => ({ output: 'A', usage, costUsd: 0.5, model: 'm-a', evidence: { exitCode: 0 } }),
        b: (attempt) => (attempt === 1 ? new EnsembleError('AGENT_FAILED', 'flaky', { retryable: true }) : { output: 'B', usage }),
        c: () => new EnsembleError('AGENT_EXIT_NONZERO', 'exit 2', { details: { exitCode: 2 } }),
      },
    );
    const outcome = await drive(execution);
    expect(outcome?.status).toBe('failed');

    expect(store.readEvents('run-1')).toEqual(execution.emitted);
    const run = store.getRun('run-1');
    expect(run).toMatchObject({ status: outcome?.status, summary: outcome?.summary, lastSeq: execution.emitted.length });

    const tasks = store.listTasks('run-1');
    expect(tasks.map((task) => task.taskId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const result of outcome?.results ?? []) {
      const task = tasks.find((candidate) => candidate.taskId === result.taskId);
      expect(task, result.taskId).toMatchObject({ status: result.status, attempts: result.attempts, costUsd: result.costUsd });
      expect(task?.usage.totalTokens, result.taskId).toBe(result.tokensUsed);
      if (result.output !== undefined) expect(task?.output).toBe(result.output);
      if (result.error !== undefined) expect(task?.error).toEqual(result.error);
    }
    expect(tasks[0]).toMatchObject({ model: 'm-a', evidence: { exitCode: 0 }, costUsd: 0.5 });
    expect(tasks[1]).toMatchObject({ status: 'succeeded', attempts: 2, model: 'test-model' });
    expect(tasks[1]?.error).toBeUndefined();
    expect(tasks[3]?.status).toBe('skipped');
    expect(store.agentMedianDurations(['coder', 'reviewer', 'tester'])).toEqual(new Map([['coder', 10], ['reviewer', 10]]));
  });

  it('resumes a run whose process died: finished tasks keep their outputs, the rest run, seqs continue', async () => {
    const inputs: TaskInput[] = [
      { id: 'a', agentName: 'coder' },
      { id: 'stuck', agentName: 'coder' },
      { id: 'after', agentName: 'reviewer', dependencies: ['a', 'stuck'] },
    ];
    // First execution: `stuck` never returns, then the process "dies" (the scheduler is abandoned).
    const first = execute('run-1', inputs, { a: () => ({ output: 'A', usage }), stuck: () => 'hang' });
    expect(await drive(first)).toBeUndefined();
    expect(store.listTasks('run-1').map((task) => task.status)).toEqual(['succeeded', 'running', 'pending']);
    expect(store.reconcileInterrupted(() => false)).toEqual(['run-1']);

    store.claimRun('run-1', { pid: 2, host: 'h' });
    const completed = store.completedTasks('run-1');
    expect([...completed.keys()]).toEqual(['a']);
    const second = execute('run-1', inputs, {}, { completed, nextSeq: store.lastSeq('run-1') + 1 });
    const outcome = await drive(second);

    expect(outcome?.status).toBe('succeeded');
    expect(second.dispatched).toEqual(['stuck', 'after']);
    const events = store.readEvents('run-1');
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.filter((event) => event.type === 'workflow:start').map((event) => 'resumed' in event && event.resumed)).toEqual([false, true]);
    expect(store.listTasks('run-1').map((task) => [task.taskId, task.status, task.output])).toEqual([
      ['a', 'succeeded', 'A'],
      ['stuck', 'succeeded', 'out:stuck'],
      ['after', 'succeeded', 'out:after'],
    ]);
    expect(store.getRun('run-1')).toMatchObject({ status: 'succeeded', owner: { pid: 2, host: 'h' } });
  });
});

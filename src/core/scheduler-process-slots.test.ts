import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { EnsembleError } from './errors.js';
import type { RunEvent } from './events.js';
import { ManualClock } from './manual-clock.js';
import type { ProcessSlotGate, TaskDispatcher, TimerHandle } from './ports.js';
import { ProcessSlots } from './process-slots.js';
import { RunScheduler } from './scheduler.js';
import { runConfigSchema, taskSpecSchema, type RunConfigInput, type TaskInput } from './schema.js';
import type { RunOutcome, TaskOutcome } from './types.js';
import { validateGraph } from './validate-graph.js';

/** Tasks of agent `proc` run as host processes (they need a slot); `model` ones do not. */
const PROCESS_AGENT = 'proc';

interface Script {
  /** Work time per attempt, in ms (last repeats). @default 100 */
  readonly durationsMs?: readonly number[];
  /** Per attempt: fail with this error. */
  readonly failures?: readonly (EnsembleError | undefined)[];
  /** `dispatch` throws before returning a promise. */
  readonly throwsOnDispatch?: boolean;
  /** `describe` throws (the launch fails before the work is dispatched). */
  readonly throwsOnDescribe?: boolean;
}

/** Counts process agents working at once across every scheduler that uses it. */
class ProcessMeter {
  active = 0;
  maxActive = 0;
  readonly startedAt = new Map<string, number[]>();
  start(key: string, at: number): void {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const list = this.startedAt.get(key) ?? [];
    list.push(at);
    this.startedAt.set(key, list);
  }
  end(): void {
    this.active--;
  }
}

interface Run {
  readonly scheduler: RunScheduler;
  readonly events: RunEvent[];
  outcome?: RunOutcome;
}

function createRun(
  runId: string,
  inputs: readonly TaskInput[],
  options: { readonly clock: ManualClock; readonly gate: ProcessSlotGate; readonly meter: ProcessMeter; readonly scripts?: Readonly<Record<string, Script>>; readonly config?: RunConfigInput },
): Run {
  const tasks = inputs.map((input) => taskSpecSchema.parse(input));
  const validation = validateGraph(tasks);
  if (!validation.ok) throw new Error(validation.issues.map((issue) => issue.message).join('\n'));
  const { clock, meter } = options;
  const dispatcher: TaskDispatcher = {
    describe: (task) => {
      if (options.scripts?.[task.id]?.throwsOnDescribe === true) throw new EnsembleError('UNKNOWN_AGENT', `cannot describe ${task.id}`);
      return { model: 'n/a', runtime: task.agentName === PROCESS_AGENT ? 'command' : 'test' };
    },
    dispatch(request, { signal }) {
      const script = options.scripts?.[request.task.id] ?? {};
      if (script.throwsOnDispatch === true) throw new EnsembleError('AGENT_FAILED', `could not spawn ${request.task.id}`);
      const isProcess = request.task.agentName === PROCESS_AGENT;
      if (isProcess) meter.start(`${runId}:${request.task.id}`, clock.now());
      const durations = script.durationsMs ?? [100];
      const durationMs = durations[Math.min(request.attempt - 1, durations.length - 1)] ?? 100;
      const failure = script.failures?.[request.attempt - 1];
      return new Promise<TaskOutcome>((resolve, reject) => {
        let isDone = false;
        const finish = (error?: unknown): void => {
          if (isDone) return;
          isDone = true;
          if (isProcess) meter.end();
          if (error === undefined) resolve({ output: `out:${request.task.id}` });
          else reject(error);
        };
        const timer: TimerHandle = clock.setTimer(durationMs, () => finish(failure));
        signal.addEventListener('abort', () => {
          timer.cancel();
          finish(new Error('aborted'));
        });
      });
    },
  };
  const events: RunEvent[] = [];
  const scheduler = new RunScheduler({
    runId,
    workflowName: 'slots',
    graph: validation.graph,
    config: runConfigSchema.parse(options.config ?? { maxParallelAgents: 8 }),
    dispatcher,
    clock,
    emit: (event) => events.push(event),
    random: () => 0.5,
    processSlots: options.gate,
  });
  return { scheduler, events };
}

function gateOver(slots: ProcessSlots): ProcessSlotGate {
  return {
    needsSlot: (task) => task.agentName === PROCESS_AGENT,
    tryAcquire: () => slots.tryAcquire(),
    release: () => slots.release(),
    onAvailable: (listener) => slots.onAvailable(listener),
  };
}

/** Starts the runs and moves the clock until every one has its outcome; `onStep` runs after each timer. */
async function runAll(clock: ManualClock, runs: readonly Run[], onStep?: () => void): Promise<void> {
  for (const run of runs) {
    run.scheduler.start().then(
      (outcome) => (run.outcome = outcome),
      (error: unknown) => {
        throw error;
      },
    );
  }
  for (let step = 0; step < 10_000; step++) {
    await nextMacrotask();
    onStep?.();
    if (runs.every((run) => run.outcome !== undefined)) return;
    if (!clock.fireNext()) {
      await nextMacrotask();
      if (runs.every((run) => run.outcome !== undefined)) return;
      throw new Error('runs stalled: no timers left and no outcome');
    }
  }
  throw new Error('runs did not finish');
}

const proc = (id: string, extra: Partial<TaskInput> = {}): TaskInput => ({ id, agentName: PROCESS_AGENT, prompt: `do ${id}`, ...extra });
const model = (id: string, extra: Partial<TaskInput> = {}): TaskInput => ({ id, agentName: 'model', prompt: `do ${id}`, ...extra });
const startsOf = (events: readonly RunEvent[]): string[] => events.filter((event) => event.type === 'task:start').map((event) => (event as { taskId: string }).taskId);
const indexOf = (events: readonly RunEvent[], type: string, taskId: string, nth = 0): number => {
  let seen = 0;
  return events.findIndex((event) => event.type === type && 'taskId' in event && event.taskId === taskId && seen++ === nth);
};

describe('RunScheduler with process slots', () => {
  it('holds a ready process task while the only slot is taken, and starts it when the first settles; other tasks are not held', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    const meter = new ProcessMeter();
    const run = createRun('run-a', [proc('p1'), proc('p2'), model('m1'), model('m2')], { clock, gate: gateOver(slots), meter });
    let heldSeen = false;
    await runAll(clock, [run], () => {
      if (slots.running === 1 && startsOf(run.events).includes('p1') && !startsOf(run.events).includes('p2')) heldSeen = true;
    });
    expect(heldSeen).toBe(true);
    expect(run.outcome?.status).toBe('succeeded');
    // Both model tasks started at once, with the first process task: none waited for a slot.
    expect(startsOf(run.events).slice(0, 3).sort()).toEqual(['m1', 'm2', 'p1']);
    expect(indexOf(run.events, 'task:start', 'p2')).toBeGreaterThan(indexOf(run.events, 'task:complete', 'p1'));
    expect(meter.maxActive).toBe(1);
    expect(slots.running).toBe(0);
  });

  it('gives the slot back when the attempt fails, and when it is retried, so another task runs during the backoff', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    const meter = new ProcessMeter();
    const retryable = new EnsembleError('AGENT_EXIT_NONZERO', 'exit 1', { retryable: true });
    const fatal = new EnsembleError('AGENT_EXIT_NONZERO', 'exit 2', { retryable: false });
    const run = createRun('run-a', [proc('flaky', { retry: { max: 1, backoffMs: 1000 }, priority: 9 }), proc('doomed', { priority: 5 }), proc('steady', { priority: 1 })], {
      clock,
      gate: gateOver(slots),
      meter,
      scripts: { flaky: { failures: [retryable] }, doomed: { failures: [fatal], durationsMs: [50] }, steady: { durationsMs: [50] } },
    });
    await runAll(clock, [run]);
    const { events } = run;
    // flaky failed, and while it waited to retry the others had the slot.
    expect(indexOf(events, 'task:start', 'doomed')).toBeGreaterThan(indexOf(events, 'task:retry', 'flaky'));
    expect(indexOf(events, 'task:start', 'doomed')).toBeLessThan(indexOf(events, 'task:start', 'flaky', 1));
    expect(indexOf(events, 'task:error', 'doomed')).toBeGreaterThan(-1);
    expect(run.outcome?.results.find((result) => result.taskId === 'flaky')?.status).toBe('succeeded');
    expect(run.outcome?.results.find((result) => result.taskId === 'steady')?.status).toBe('succeeded');
    expect(meter.maxActive).toBe(1);
    expect(slots.running).toBe(0);
  });

  it('gives the slot back when the attempt times out', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    const meter = new ProcessMeter();
    const run = createRun('run-a', [proc('slow', { timeoutMs: 200, priority: 9 }), proc('next')], { clock, gate: gateOver(slots), meter, scripts: { slow: { durationsMs: [60_000] } } });
    await runAll(clock, [run]);
    expect(run.outcome?.results.find((result) => result.taskId === 'slow')?.error?.code).toBe('TASK_TIMEOUT');
    expect(run.outcome?.results.find((result) => result.taskId === 'next')?.status).toBe('succeeded');
    expect(clock.now()).toBeLessThan(1000);
    expect(slots.running).toBe(0);
  });

  it('gives every slot back when the run is cancelled, with tasks running and tasks held', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(2);
    const meter = new ProcessMeter();
    const run = createRun('run-a', [proc('p1'), proc('p2'), proc('p3'), proc('p4')], { clock, gate: gateOver(slots), meter, scripts: { p1: { durationsMs: [60_000] }, p2: { durationsMs: [60_000] } } });
    let isCancelled = false;
    await runAll(clock, [run], () => {
      if (!isCancelled && startsOf(run.events).length === 2) {
        expect(slots.running).toBe(2);
        isCancelled = true;
        run.scheduler.cancel('test cancels');
      }
    });
    expect(run.outcome?.status).toBe('cancelled');
    expect(startsOf(run.events).sort()).toEqual(['p1', 'p2']);
    expect(slots.running).toBe(0);
  });

  it('gives the slot back when the launch fails (describe throws) or the dispatch throws', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    const meter = new ProcessMeter();
    const run = createRun('run-a', [proc('undescribed', { priority: 9 }), proc('unspawned', { priority: 8 }), proc('fine', { priority: 1 })], {
      clock,
      gate: gateOver(slots),
      meter,
      scripts: { undescribed: { throwsOnDescribe: true }, unspawned: { throwsOnDispatch: true } },
    });
    await runAll(clock, [run]);
    const statuses = Object.fromEntries(run.outcome?.results.map((result) => [result.taskId, result.status]) ?? []);
    expect(statuses).toEqual({ undescribed: 'failed', unspawned: 'failed', fine: 'succeeded' });
    expect(slots.running).toBe(0);
  });

  it('gives the slot back when the admission check refuses the task, and holds no slot while it waits', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    let isOpen = false;
    const tasks = [proc('gated', { priority: 9 }), proc('free', { priority: 1 })].map((input) => taskSpecSchema.parse(input));
    const validation = validateGraph(tasks);
    if (!validation.ok) throw new Error('invalid');
    const events: RunEvent[] = [];
    const scheduler = new RunScheduler({
      runId: 'run-a',
      workflowName: 'slots',
      graph: validation.graph,
      config: runConfigSchema.parse({ maxParallelAgents: 4 }),
      dispatcher: {
        describe: () => ({ model: 'n/a', runtime: 'command' }),
        dispatch: () => new Promise((resolve) => clock.setTimer(100, () => resolve({ output: 'ok' }))),
      },
      clock,
      emit: (event) => events.push(event),
      processSlots: gateOver(slots),
      admission: { admit: ({ task }) => (task.id !== 'gated' || isOpen ? { admitted: true } : { admitted: false, reason: 'lease held elsewhere' }) },
    });
    const outcome = scheduler.start();
    await nextMacrotask();
    // The refused task gave its slot back: the other one took it.
    expect(startsOf(events)).toEqual(['free']);
    expect(slots.running).toBe(1);
    clock.fireNext();
    await nextMacrotask();
    expect(slots.running).toBe(0);
    isOpen = true;
    scheduler.recheckAdmission();
    await nextMacrotask();
    expect(startsOf(events)).toEqual(['free', 'gated']);
    expect(slots.running).toBe(1);
    clock.fireNext();
    expect((await outcome).status).toBe('succeeded');
    expect(slots.running).toBe(0);
  });

  it('never lets two runs sharing the slots exceed the limit together', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(3);
    const meter = new ProcessMeter();
    const durations = (seed: number): Record<string, Script> =>
      Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`p${index}`, { durationsMs: [50 + ((index * 37 + seed) % 200)] }]));
    const inputs = Array.from({ length: 10 }, (_, index) => proc(`p${index}`));
    const first = createRun('run-a', inputs, { clock, gate: gateOver(slots), meter, scripts: durations(3), config: { maxParallelAgents: 5 } });
    const second = createRun('run-b', [...inputs, model('m0')], { clock, gate: gateOver(slots), meter, scripts: durations(11), config: { maxParallelAgents: 5 } });
    await runAll(clock, [first, second], () => expect(slots.running).toBeLessThanOrEqual(3));
    expect(first.outcome?.status).toBe('succeeded');
    expect(second.outcome?.status).toBe('succeeded');
    expect(meter.maxActive).toBe(3);
    expect(slots.running).toBe(0);
  });

  it('starts held tasks when the limit is raised, and holds new starts when it is lowered', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    const meter = new ProcessMeter();
    const run = createRun('run-a', Array.from({ length: 6 }, (_, index) => proc(`p${index}`)), { clock, gate: gateOver(slots), meter, scripts: Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`p${index}`, { durationsMs: [1000] }])) });
    const outcome = run.scheduler.start();
    await nextMacrotask();
    expect(startsOf(run.events)).toHaveLength(1);
    slots.setLimit(4);
    // The recheck runs on a microtask after the change: no timer needs to fire for the held tasks to start.
    await nextMacrotask();
    expect(startsOf(run.events)).toHaveLength(4);
    expect(slots.running).toBe(4);
    slots.setLimit(2);
    // The four end one by one at t=1000: none of the held two starts until fewer than two run.
    clock.fireNext();
    await nextMacrotask();
    expect(slots.running).toBe(3);
    expect(startsOf(run.events)).toHaveLength(4);
    clock.fireNext();
    await nextMacrotask();
    expect(slots.running).toBe(2);
    expect(startsOf(run.events)).toHaveLength(4);
    clock.fireNext();
    await nextMacrotask();
    expect(slots.running).toBe(2);
    expect(startsOf(run.events)).toHaveLength(5);
    for (let step = 0; step < 100 && run.outcome === undefined; step++) {
      if (!clock.fireNext()) break;
      await nextMacrotask();
      expect(slots.running).toBeLessThanOrEqual(2);
    }
    expect((await outcome).status).toBe('succeeded');
    expect(slots.running).toBe(0);
  });

  it('journals a pressure decision with how many of its ready tasks wait for a slot', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    const meter = new ProcessMeter();
    const run = createRun('run-a', [proc('p1'), proc('p2'), proc('p3'), model('m1')], { clock, gate: gateOver(slots), meter });
    const outcome = run.scheduler.start();
    await nextMacrotask();
    run.scheduler.recordPressure({ cpuPercent: 97, loadAverage: 3.2, memoryAvailableMb: 8000, memoryTotalMb: 16_000, limit: 1, previousLimit: 2, reason: 'cpu-above-target', running: 1 });
    const pressure = run.events.filter((event) => event.type === 'resources:pressure');
    expect(pressure).toHaveLength(1);
    expect(pressure[0]).toMatchObject({ type: 'resources:pressure', runId: 'run-a', cpuPercent: 97, limit: 1, previousLimit: 2, reason: 'cpu-above-target', running: 1, held: 2 });
    while (clock.fireNext()) await nextMacrotask();
    expect((await outcome).status).toBe('succeeded');
    // Once the run has ended a decision is not journaled into it.
    run.scheduler.recordPressure({ cpuPercent: 10, loadAverage: 0.1, memoryAvailableMb: 8000, memoryTotalMb: 16_000, limit: 2, previousLimit: 1, reason: 'below-band', running: 0 });
    expect(run.events.filter((event) => event.type === 'resources:pressure')).toHaveLength(1);
  });

  it('journals a warning about the whole run after it started, and none once it ended', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    const run = createRun('run-a', [proc('p1')], { clock, gate: gateOver(slots), meter: new ProcessMeter() });
    expect(() => run.scheduler.recordWarning('RESOURCES_LIMITED', 'too early')).toThrow(/after the run started/);
    const outcome = run.scheduler.start();
    run.scheduler.recordWarning('RESOURCES_LIMITED', 'concurrency 8 asks for up to 8 process agents; so they run one at a time');
    while (clock.fireNext()) await nextMacrotask();
    expect((await outcome).status).toBe('succeeded');
    run.scheduler.recordWarning('RESOURCES_LIMITED', 'too late');
    const warnings = run.events.filter((event) => event.type === 'run:warning');
    expect(warnings).toEqual([expect.objectContaining({ code: 'RESOURCES_LIMITED', message: 'concurrency 8 asks for up to 8 process agents; so they run one at a time' })]);
    expect(warnings[0]).not.toHaveProperty('taskId');
    expect(run.events[0]?.type).toBe('workflow:start');
  });

  it('treats a gate that cannot tell whether a task needs a slot as "no", and lets the launch report the problem', async () => {
    const clock = new ManualClock(0);
    const slots = new ProcessSlots(1);
    const meter = new ProcessMeter();
    const gate: ProcessSlotGate = {
      ...gateOver(slots),
      needsSlot: (task) => {
        if (task.id === 'odd') throw new EnsembleError('UNKNOWN_AGENT', 'no such agent');
        return task.agentName === PROCESS_AGENT;
      },
    };
    const run = createRun('run-a', [proc('odd'), proc('p1')], { clock, gate, meter });
    await runAll(clock, [run]);
    expect(run.outcome?.status).toBe('succeeded');
    expect(slots.running).toBe(0);
  });
});

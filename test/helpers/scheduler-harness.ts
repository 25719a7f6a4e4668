import { setImmediate as nextMacrotask } from 'node:timers/promises';
import {
  EnsembleError,
  ManualClock,
  RunScheduler,
  runConfigSchema,
  taskSpecSchema,
  validateGraph,
  type Journal,
  type RunConfigInput,
  type RunEvent,
  type RunOutcome,
  type SchedulerPrior,
  type TaskDispatcher,
  type TaskInput,
  type TaskOutcome,
  type TaskRequest,
  type TimerHandle,
  type ContextStrategyPort,
  type OutgoingMessage,
  type SendMessageResult,
  type AdmissionCheck,
  type TerminalPolicy,
} from '../../src/core/index.js';

// A RunScheduler driven by a ManualClock with scripted work, and random task graphs for it: shared by
// the scheduler's own tests and the tests that check the store's projection against the reducer.

export interface Behaviour {
  /** Simulated work time in ms per attempt (index = attempt - 1, last repeats). */
  readonly durationsMs?: readonly number[];
  /** Per attempt: throw this error instead of succeeding. */
  readonly failures?: readonly (EnsembleError | undefined)[];
  /** Never settles, even when aborted. */
  readonly ignoresAbort?: boolean;
  /** Partial output reported right after the attempt starts; a leading `!` marks a restart. */
  readonly streams?: readonly string[];
  /** Per attempt (last repeats): tokens reported through `reportUsage` as the attempt starts, at $0.01 per token. */
  readonly reportedTokens?: readonly number[];
  /** Per attempt (last repeats): time spent queued (timeout suspended) before the work starts. */
  readonly queuedMs?: readonly number[];
  /** Messages sent as each attempt starts (their results land in `Harness.sent`). */
  readonly messages?: readonly OutgoingMessage[];
  /** Shared context keys written as each attempt starts. */
  readonly sharedWrites?: readonly { readonly key: string; readonly value: string }[];
}

const perAttempt = <T>(values: readonly T[] | undefined, attempt: number): T | undefined =>
  values === undefined || values.length === 0 ? undefined : values[Math.min(attempt - 1, values.length - 1)];

export interface Harness {
  readonly events: RunEvent[];
  readonly dispatched: TaskRequest[];
  readonly aborted: string[];
  /** What each `sendMessage` call returned, with the sending task. */
  readonly sent: { readonly taskId: string; readonly result: SendMessageResult }[];
  readonly clock: ManualClock;
  readonly scheduler: RunScheduler;
  run(): Promise<RunOutcome>;
}

export function createHarness(
  inputs: readonly TaskInput[],
  options: {
    config?: RunConfigInput;
    behaviours?: Readonly<Record<string, Behaviour>>;
    journal?: Journal;
    prior?: SchedulerPrior;
    agentMedianMs?: ReadonlyMap<string, number>;
    onEvent?: (event: RunEvent, scheduler: RunScheduler) => void;
    /** Epoch ms the manual clock starts at. @default 1_000_000 */
    startAt?: number;
    /** @default 'run-1' */
    runId?: string;
    random?: () => number;
    context?: ContextStrategyPort;
    admission?: AdmissionCheck;
    terminalPolicy?: TerminalPolicy;
  } = {},
): Harness {
  const tasks = inputs.map((input) => taskSpecSchema.parse(input));
  const validation = validateGraph(tasks);
  if (!validation.ok) throw new Error(validation.issues.map((issue) => issue.message).join('\n'));
  const clock = new ManualClock(options.startAt ?? 1_000_000);
  const events: RunEvent[] = [];
  const dispatched: TaskRequest[] = [];
  const aborted: string[] = [];
  const sent: { taskId: string; result: SendMessageResult }[] = [];
  const dispatcher: TaskDispatcher = {
    describe: () => ({ model: 'test-model', runtime: 'test' }),
    dispatch(request, { signal, reportOutput, reportUsage, suspendTimeout, sendMessage, updateShared }) {
      dispatched.push(request);
      for (const message of options.behaviours?.[request.task.id]?.messages ?? []) sent.push({ taskId: request.task.id, result: sendMessage(message) });
      for (const { key, value } of options.behaviours?.[request.task.id]?.sharedWrites ?? []) updateShared(key, value);
      for (const delta of options.behaviours?.[request.task.id]?.streams ?? []) {
        if (delta.startsWith('!')) reportOutput(delta.slice(1), { restart: true });
        else reportOutput(delta);
      }
      const behaviour = options.behaviours?.[request.task.id] ?? {};
      const reported = perAttempt(behaviour.reportedTokens, request.attempt) ?? 0;
      if (reported > 0) reportUsage({ inputTokens: reported, outputTokens: 0, totalTokens: reported }, reported / 100);
      const durationMs = perAttempt(behaviour.durationsMs, request.attempt) ?? request.task.estimatedMs ?? 10;
      const queuedMs = perAttempt(behaviour.queuedMs, request.attempt) ?? 0;
      const failure = behaviour.failures?.[request.attempt - 1];
      return new Promise<TaskOutcome>((resolve, reject) => {
        let timer: TimerHandle | undefined;
        const work = (): void => {
          timer = clock.setTimer(durationMs, () => {
            if (failure !== undefined) reject(failure);
            else resolve({ output: `out:${request.task.id}`, usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, costUsd: 0.5 });
          });
        };
        if (queuedMs > 0) {
          const resumeTimeout = suspendTimeout();
          timer = clock.setTimer(queuedMs, () => {
            resumeTimeout();
            work();
          });
        } else {
          work();
        }
        signal.addEventListener('abort', () => {
          aborted.push(request.task.id);
          if (behaviour.ignoresAbort === true) return;
          timer?.cancel();
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
    runId: options.runId ?? 'run-1',
    workflowName: 'test',
    graph: validation.graph,
    config: runConfigSchema.parse(options.config ?? {}),
    dispatcher,
    clock,
    emit,
    random: options.random ?? (() => 0.5),
    ...(options.journal === undefined ? {} : { journal: options.journal }),
    ...(options.prior === undefined ? {} : { prior: options.prior }),
    ...(options.agentMedianMs === undefined ? {} : { agentMedianMs: options.agentMedianMs }),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.admission === undefined ? {} : { admission: options.admission }),
    ...(options.terminalPolicy === undefined ? {} : { terminalPolicy: options.terminalPolicy }),
  });
  return {
    events,
    dispatched,
    aborted,
    sent,
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

export const task = (id: string, dependencies: string[] = [], extra: Partial<TaskInput> = {}): TaskInput => ({
  id,
  agentName: 'worker',
  prompt: `do ${id}`,
  dependencies,
  ...extra,
});


export interface Scenario {
  readonly inputs: readonly TaskInput[];
  readonly behaviours: Readonly<Record<string, Behaviour>>;
  readonly limit: number;
  readonly config: RunConfigInput;
}

export const retryable = (message: string): EnsembleError => new EnsembleError('AGENT_FAILED', message, { retryable: true });

/** A random DAG whose tasks succeed, fail once or twice, fail for good, time out, ignore their abort, or wait in a queue. */
export function randomScenario(random: () => number): Scenario {
  const taskCount = 5 + Math.floor(random() * 50);
  const limit = 1 + Math.floor(random() * 8);
  const inputs: TaskInput[] = [];
  const behaviours: Record<string, Behaviour> = {};
  for (let index = 0; index < taskCount; index++) {
    const dependencies = new Set<string>();
    const dependencyCount = index === 0 ? 0 : Math.floor(random() * 4);
    for (let k = 0; k < dependencyCount; k++) dependencies.add(`t${Math.floor(random() * index)}`);
    const id = `t${index}`;
    const base = { durationsMs: [1 + Math.floor(random() * 50)], reportedTokens: [Math.floor(random() * 20)] };
    const roll = random();
    let extra: Partial<TaskInput> = {};
    if (roll < 0.1) behaviours[id] = { ...base, failures: [retryable('twice'), retryable('twice')] };
    else if (roll < 0.2) behaviours[id] = { ...base, failures: [retryable('once')] };
    else if (roll < 0.26) behaviours[id] = { ...base, failures: [new EnsembleError('AGENT_EXIT_NONZERO', 'fatal', { retryable: false })] };
    else if (roll < 0.33) {
      behaviours[id] = { ...base, durationsMs: [100, 5] };
      extra = { timeoutMs: 20 };
    } else if (roll < 0.38) {
      behaviours[id] = { ...base, durationsMs: [1_000_000], ignoresAbort: true };
      extra = { timeoutMs: 20 };
    } else if (roll < 0.45) {
      behaviours[id] = { ...base, queuedMs: [1 + Math.floor(random() * 200)] };
      extra = { timeoutMs: 60 };
    } else behaviours[id] = base;
    inputs.push(task(id, [...dependencies], { priority: 1 + Math.floor(random() * 10), retry: { max: 1, backoffMs: 5 }, ...extra }));
  }
  return { inputs, behaviours, limit, config: { maxParallelAgents: limit, abortGraceMs: Math.floor(random() * 30) } };
}


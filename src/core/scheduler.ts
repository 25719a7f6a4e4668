import { AttemptTimeout } from './attempt-timeout.js';
import { computeCriticalPath, estimateTaskDurations } from './critical-path.js';
import { EnsembleError, isEnsembleError, serializeError, toEnsembleError, type SerializedError } from './errors.js';
import type { EventPayloads, RunEvent, RunEventType } from './events.js';
import type { ActivityEventType, ActivityPayload, Clock, Journal, TaskDispatcher, TimerHandle } from './ports.js';
import { ReadyQueue } from './ready-queue.js';
import { decideRetry } from './retry-policy.js';
import type { RunConfig, TaskSpec } from './schema.js';
import type { TaskGraph } from './task-graph.js';
import type {
  BudgetStop,
  DependencyOutput,
  PriorTaskResult,
  RunOutcome,
  RunStatus,
  RunSummary,
  TaskOutcome,
  TaskResult,
  TaskSpend,
  TaskStatus,
  TokenUsage,
} from './types.js';

const PENDING = 0;
const RUNNING = 1;
const RETRYING = 2;
const SUCCEEDED = 3;
const FAILED = 4;
const SKIPPED = 5;
const CANCELLED = 6;
const STATUS_NAMES: readonly TaskStatus[] = ['pending', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'cancelled'];
const ZERO_SPEND: TokenUsage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
const KEEP_TIMEOUT_RUNNING = (): (() => void) => noop;

/**
 * What a resumed run carries over from its earlier executions (see `toResumePrior`, which derives
 * it from the run's journal).
 */
export interface SchedulerPrior {
  /** Tasks that already succeeded: they keep their outputs and do not run again. */
  readonly completed: ReadonlyMap<string, PriorTaskResult>;
  /** The seq the first event of this execution gets (the journal's last seq + 1). */
  readonly nextSeq: number;
  /** Attempts already made per task, so attempt numbers and execution ids keep counting. @default none */
  readonly attempts?: ReadonlyMap<string, number>;
  /** What the earlier attempts of tasks that did not succeed spent (succeeded tasks carry theirs in `completed`). @default none */
  readonly spend?: ReadonlyMap<string, TaskSpend>;
  /** Wall time of the earlier executions, in ms, added to `summary.totalDuration`. @default 0 */
  readonly elapsedMs?: number;
}

export interface SchedulerOptions {
  readonly runId: string;
  readonly workflowName: string;
  readonly workflowId?: string;
  readonly graph: TaskGraph;
  readonly config: RunConfig;
  readonly dispatcher: TaskDispatcher;
  readonly clock: Clock;
  /** Where events are made durable before they are emitted; omit to run without a journal. */
  readonly journal?: Journal;
  /** The folder tasks work in, handed to the dispatcher. @default '.' */
  readonly workspace?: string;
  /** Receives every event, in order, after it is journaled. */
  readonly emit: (event: RunEvent) => void;
  /** Source of jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Median past duration per agent, in ms, used when a task has no `estimatedMs`. */
  readonly agentMedianMs?: ReadonlyMap<string, number>;
  /** For resume: what earlier executions of the run finished, attempted and spent. */
  readonly prior?: SchedulerPrior;
}

/**
 * Runs one task graph: dependency-driven (a task starts as soon as its own dependencies are
 * done and a slot is free), ordered by priority then remaining critical path. Every state
 * change becomes an event that is journaled before it is emitted, and before the work it
 * announces is started.
 */
export class RunScheduler {
  private readonly options: SchedulerOptions;
  private readonly graph: TaskGraph;
  private readonly tasks: readonly TaskSpec[];
  private readonly taskCount: number;
  private readonly random: () => number;

  private readonly status: Uint8Array;
  private readonly waitingOn: Int32Array;
  private readonly attempts: Int32Array;
  private readonly startedAt: Float64Array;
  private readonly durations: Float64Array;
  /** Spend of all attempts of each task (across resumes). */
  private readonly tokens: Float64Array;
  private readonly costs: Float64Array;
  /** Spend reported through `reportUsage` by the current attempt; reset when an attempt starts. */
  private readonly attemptTokens: Float64Array;
  private readonly attemptInputTokens: Float64Array;
  private readonly attemptOutputTokens: Float64Array;
  private readonly attemptCosts: Float64Array;
  private readonly outputs: (string | undefined)[];
  private readonly errors: (SerializedError | undefined)[];
  private readonly controllers: (AbortController | undefined)[];
  /** Retry-delay and abort-grace timers. */
  private readonly timers: (TimerHandle | undefined)[];
  /** The running attempt's timeout clock (tasks with `timeoutMs`). */
  private readonly timeouts: (AttemptTimeout | undefined)[];
  private readonly levelRemaining: Int32Array;
  private readonly levelSize: Int32Array;
  private readonly levelStarted: Uint8Array;
  private readonly queue: ReadyQueue;

  private seq: number;
  private inFlight = 0;
  private terminalCount = 0;
  private runStartedAt = 0;
  private globalTimer: TimerHandle | undefined;
  private stopReason: EnsembleError | undefined;
  private isFinished = false;
  private isBroken = false;
  private isFlushing = false;
  private pendingEvents: RunEvent[] = [];
  private pendingLaunches: number[] = [];
  private resolveOutcome: ((outcome: RunOutcome) => void) | undefined;
  private rejectOutcome: ((error: EnsembleError) => void) | undefined;
  private outcome: RunOutcome | undefined;

  constructor(options: SchedulerOptions) {
    this.options = options;
    this.graph = options.graph;
    this.tasks = options.graph.tasks;
    this.taskCount = this.tasks.length;
    this.random = options.random ?? Math.random;
    this.seq = options.prior?.nextSeq ?? 1;

    const taskCount = this.taskCount;
    this.status = new Uint8Array(taskCount);
    this.waitingOn = new Int32Array(taskCount);
    this.attempts = new Int32Array(taskCount);
    this.startedAt = new Float64Array(taskCount);
    this.durations = new Float64Array(taskCount);
    this.tokens = new Float64Array(taskCount);
    this.costs = new Float64Array(taskCount);
    this.attemptTokens = new Float64Array(taskCount);
    this.attemptInputTokens = new Float64Array(taskCount);
    this.attemptOutputTokens = new Float64Array(taskCount);
    this.attemptCosts = new Float64Array(taskCount);
    this.outputs = new Array<string | undefined>(taskCount);
    this.errors = new Array<SerializedError | undefined>(taskCount);
    this.controllers = new Array<AbortController | undefined>(taskCount);
    this.timers = new Array<TimerHandle | undefined>(taskCount);
    this.timeouts = new Array<AttemptTimeout | undefined>(taskCount);
    const priorities = new Uint8Array(taskCount);
    for (let i = 0; i < taskCount; i++) {
      this.waitingOn[i] = this.graph.dependencyOffsets[i + 1]! - this.graph.dependencyOffsets[i]!;
      priorities[i] = (this.tasks[i] as TaskSpec).priority;
    }
    this.levelRemaining = new Int32Array(this.graph.levelCount);
    this.levelSize = new Int32Array(this.graph.levelCount);
    this.levelStarted = new Uint8Array(this.graph.levelCount);
    for (let i = 0; i < taskCount; i++) this.levelSize[this.graph.levels[i]!]!++;
    this.levelRemaining.set(this.levelSize);
    const estimates = estimateTaskDurations(this.graph, options.agentMedianMs ?? new Map());
    this.queue = new ReadyQueue(priorities, computeCriticalPath(this.graph, estimates));
  }

  /** Runs the graph to its end. Resolves with the outcome (also when tasks failed); rejects only if the journal fails. */
  start(): Promise<RunOutcome> {
    if (this.resolveOutcome !== undefined) throw new EnsembleError('INTERNAL', 'a run scheduler can be started once');
    const promise = new Promise<RunOutcome>((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    const { options } = this;
    const prior = options.prior;
    this.runStartedAt = options.clock.now();
    this.record('workflow:start', {
      workflowName: options.workflowName,
      ...(options.workflowId === undefined ? {} : { workflowId: options.workflowId }),
      taskCount: this.taskCount,
      maxParallelAgents: options.config.maxParallelAgents,
      resumed: prior !== undefined,
      completedTaskCount: prior?.completed.size ?? 0,
    });
    if (prior === undefined) {
      for (const task of this.tasks) {
        this.record('task:added', {
          taskId: task.id,
          agentName: task.agentName,
          description: task.description,
          dependencies: task.dependencies,
          priority: task.priority,
        });
      }
    } else {
      this.restorePrior(prior);
    }
    for (let i = 0; i < this.taskCount; i++) {
      if (this.status[i] === PENDING && this.waitingOn[i] === 0) this.queue.push(i);
    }
    if (options.config.globalTimeout !== undefined) {
      const timeoutMs = options.config.globalTimeout;
      this.globalTimer = options.clock.setTimer(timeoutMs, () => {
        this.globalTimer = undefined;
        this.stop(new EnsembleError('RUN_TIMEOUT', `run exceeded its global timeout of ${timeoutMs} ms`, { details: { timeoutMs } }));
      });
    }
    this.pump();
    this.finishIfDone();
    this.flush();
    return promise;
  }

  /** Stops the run promptly: running tasks are aborted, waiting ones cancelled. */
  cancel(reason?: string): void {
    this.stop(new EnsembleError('RUN_CANCELLED', reason ?? 'run cancelled'));
  }

  /** Current state of one task, for observers. */
  taskStatus(taskId: string): TaskStatus | undefined {
    const index = this.graph.indexById.get(taskId);
    return index === undefined ? undefined : STATUS_NAMES[this.status[index]!];
  }

  private restorePrior(prior: SchedulerPrior): void {
    for (const [taskId, attempts] of prior.attempts ?? []) {
      const index = this.graph.indexById.get(taskId);
      if (index !== undefined) this.attempts[index] = attempts;
    }
    for (const [taskId, spend] of prior.spend ?? []) {
      const index = this.graph.indexById.get(taskId);
      if (index === undefined || prior.completed.has(taskId)) continue;
      this.tokens[index] = spend.usage.totalTokens;
      this.costs[index] = spend.costUsd;
    }
    for (const [taskId, result] of prior.completed) {
      const index = this.graph.indexById.get(taskId);
      if (index === undefined || this.status[index] !== PENDING) continue;
      this.status[index] = SUCCEEDED;
      this.outputs[index] = result.output;
      this.tokens[index] = result.usage.totalTokens;
      this.costs[index] = result.costUsd;
      this.durations[index] = result.durationMs;
      this.terminalCount++;
      this.levelRemaining[this.graph.levels[index]!]!--;
      for (let edge = this.graph.dependentOffsets[index]!; edge < this.graph.dependentOffsets[index + 1]!; edge++) {
        this.waitingOn[this.graph.dependents[edge]!]!--;
      }
    }
  }

  private record<T extends RunEventType>(type: T, payload: EventPayloads[T]): void {
    const event = {
      type,
      runId: this.options.runId,
      seq: this.seq++,
      at: Math.round(this.options.clock.now()),
      ...payload,
    } as unknown as RunEvent;
    this.pendingEvents.push(event);
  }

  /** Journals pending events, then emits them, then launches the work they announced. */
  private flush(): void {
    if (this.isFlushing || this.isBroken) return;
    this.isFlushing = true;
    try {
      for (;;) {
        if (this.pendingEvents.length > 0) {
          const batch = this.pendingEvents;
          this.pendingEvents = [];
          try {
            this.options.journal?.append(batch);
          } catch (error) {
            this.breakRun(error);
            return;
          }
          for (const event of batch) {
            try {
              this.options.emit(event);
            } catch {
              // A listener must never stop the run; the event hub reports listener errors itself.
            }
          }
        } else if (this.pendingLaunches.length > 0) {
          const launches = this.pendingLaunches;
          this.pendingLaunches = [];
          for (const index of launches) this.launch(index);
        } else {
          break;
        }
      }
    } finally {
      this.isFlushing = false;
    }
    if (this.outcome !== undefined && this.resolveOutcome !== undefined) {
      const resolve = this.resolveOutcome;
      this.resolveOutcome = undefined;
      resolve(this.outcome);
    }
  }

  /** The journal failed: nothing more can be announced, so stop all work and fail the run. */
  private breakRun(cause: unknown): void {
    this.isBroken = true;
    this.isFinished = true;
    const error = new EnsembleError('JOURNAL_ERROR', `could not write the run journal: ${toEnsembleError(cause).message}`, {
      cause,
    });
    this.globalTimer?.cancel();
    for (let i = 0; i < this.taskCount; i++) {
      this.timers[i]?.cancel();
      this.controllers[i]?.abort(error);
    }
    this.rejectOutcome?.(error);
  }

  private pump(): void {
    const limit = this.options.config.maxParallelAgents;
    while (this.inFlight < limit && this.stopReason === undefined) {
      const index = this.queue.pop();
      if (index === undefined) return;
      this.begin(index);
    }
  }

  private begin(index: number): void {
    const task = this.tasks[index] as TaskSpec;
    const attempt = ++this.attempts[index]!;
    this.status[index] = RUNNING;
    this.inFlight++;
    this.startedAt[index] = this.options.clock.now();
    this.attemptTokens[index] = 0;
    this.attemptInputTokens[index] = 0;
    this.attemptOutputTokens[index] = 0;
    this.attemptCosts[index] = 0;
    const level = this.graph.levels[index]!;
    if (this.levelStarted[level] === 0) {
      this.levelStarted[level] = 1;
      this.record('wave:start', { wave: level, taskCount: this.levelSize[level]! });
    }
    this.record('task:start', { taskId: task.id, agentName: task.agentName, description: task.description, attempt });
    let invocation;
    try {
      invocation = this.options.dispatcher.describe(task);
    } catch (error) {
      this.failLaunch(index, error);
      return;
    }
    this.record('agent:invoke', { taskId: task.id, agentName: task.agentName, attempt, ...invocation });
    this.pendingLaunches.push(index);
  }

  private failLaunch(index: number, error: unknown): void {
    // Defer so the failure is reported after task:start is journaled, like any other failure.
    const attempt = this.attempts[index]!;
    this.controllers[index] = new AbortController();
    queueMicrotask(() => this.settle(index, attempt, undefined, error));
  }

  private launch(index: number): void {
    if (this.status[index] !== RUNNING || this.controllers[index] !== undefined) return;
    const task = this.tasks[index] as TaskSpec;
    const attempt = this.attempts[index]!;
    if (this.stopReason !== undefined) {
      // Stopped between announcing the attempt and launching it: the work never starts.
      this.settle(index, attempt, undefined, this.stopReason);
      return;
    }
    const controller = new AbortController();
    this.controllers[index] = controller;
    let timeout: AttemptTimeout | undefined;
    if (task.timeoutMs !== undefined) {
      const timeoutMs = task.timeoutMs;
      timeout = new AttemptTimeout(this.options.clock, timeoutMs, () => {
        const queuedMs = Math.round(timeout!.suspendedMs);
        const queued = queuedMs > 0 ? ` (not counting ${queuedMs} ms spent queued)` : '';
        this.abortAttempt(
          index,
          attempt,
          new EnsembleError('TASK_TIMEOUT', `task "${task.id}" exceeded its timeout of ${timeoutMs} ms${queued}`, {
            retryable: true,
            details: { taskId: task.id, timeoutMs, queuedMs },
          }),
        );
      });
      this.timeouts[index] = timeout;
    }
    let promise: Promise<TaskOutcome>;
    try {
      const runId = this.options.runId;
      promise = this.options.dispatcher.dispatch(
        { runId, task, attempt, executionId: `${runId}:${task.id}:${attempt}`, inputs: this.dependencyOutputs(index) },
        {
          signal: controller.signal,
          workspace: this.options.workspace ?? '.',
          reportOutput: (delta, options) => this.reportOutput(index, attempt, delta, options?.restart === true),
          reportUsage: (usage, costUsd) => this.reportUsage(index, attempt, usage, costUsd),
          reportEvent: (type, payload) => this.reportActivity(index, attempt, type, payload),
          suspendTimeout: timeout === undefined ? KEEP_TIMEOUT_RUNNING : () => timeout.suspend(),
        },
      );
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (outcome) => this.settle(index, attempt, outcome, undefined),
      (error: unknown) => this.settle(index, attempt, undefined, error),
    );
  }

  private reportOutput(index: number, attempt: number, delta: string, restart: boolean): void {
    // Late output of an attempt that already ended (or was aborted) is dropped.
    if (this.status[index] !== RUNNING || this.attempts[index] !== attempt || (delta === '' && !restart)) return;
    if (this.controllers[index]?.signal.aborted === true) return;
    const task = this.tasks[index] as TaskSpec;
    this.record('task:output', { taskId: task.id, agentName: task.agentName, attempt, delta, ...(restart ? { restart } : {}) });
    this.flush();
  }

  /**
   * Spend of one model call of a running attempt; counted whether or not the attempt succeeds. Spend
   * reported after the attempt was recorded as ended (work that ignored its abort past the grace
   * period) has no event left to carry it and is not counted here; budgets still count it.
   */
  private reportUsage(index: number, attempt: number, usage: TokenUsage, costUsd: number): void {
    if (this.status[index] !== RUNNING || this.attempts[index] !== attempt) return;
    this.attemptTokens[index]! += usage.totalTokens;
    this.attemptInputTokens[index]! += usage.inputTokens;
    this.attemptOutputTokens[index]! += usage.outputTokens;
    this.attemptCosts[index]! += costUsd;
  }

  private reportActivity<T extends ActivityEventType>(index: number, attempt: number, type: T, payload: ActivityPayload<T>): void {
    // Process exits are recorded even after the attempt ended: a resume must know the group is gone.
    if (this.attempts[index] !== attempt || (this.status[index] !== RUNNING && type !== 'agent:process')) return;
    const task = this.tasks[index] as TaskSpec;
    this.record(type, { taskId: task.id, agentName: task.agentName, attempt, ...payload } as unknown as EventPayloads[T]);
    this.flush();
  }

  private dependencyOutputs(index: number): DependencyOutput[] {
    const inputs: DependencyOutput[] = [];
    const { dependencyOffsets, dependencies } = this.graph;
    for (let edge = dependencyOffsets[index]!; edge < dependencyOffsets[index + 1]!; edge++) {
      const dependency = dependencies[edge]!;
      const task = this.tasks[dependency] as TaskSpec;
      inputs.push({ taskId: task.id, agentName: task.agentName, output: this.outputs[dependency] ?? '' });
    }
    return inputs;
  }

  /** Aborts a running attempt; if the work ignores the signal, it is recorded as stopped after the grace period. */
  private abortAttempt(index: number, attempt: number, reason: EnsembleError): void {
    if (this.status[index] !== RUNNING || this.attempts[index] !== attempt) return;
    const controller = this.controllers[index];
    if (controller === undefined || controller.signal.aborted) return;
    this.timeouts[index]?.cancel();
    this.timeouts[index] = undefined;
    this.timers[index]?.cancel();
    controller.abort(reason);
    this.timers[index] = this.options.clock.setTimer(this.options.config.abortGraceMs, () => {
      this.settle(index, attempt, undefined, reason);
    });
  }

  /** Takes the attempt's spend (what it reported while running, plus what its outcome says) into the task's totals. */
  private takeAttemptSpend(index: number, outcome: TaskOutcome | undefined): TaskSpend {
    const returned = outcome?.usage;
    const totalTokens = this.attemptTokens[index]! + (returned?.totalTokens ?? 0);
    const costUsd = this.attemptCosts[index]! + (outcome?.costUsd ?? 0);
    const usage: TokenUsage =
      totalTokens === 0 && returned === undefined
        ? ZERO_SPEND
        : {
            inputTokens: this.attemptInputTokens[index]! + (returned?.inputTokens ?? 0),
            outputTokens: this.attemptOutputTokens[index]! + (returned?.outputTokens ?? 0),
            totalTokens,
          };
    this.attemptTokens[index] = 0;
    this.attemptInputTokens[index] = 0;
    this.attemptOutputTokens[index] = 0;
    this.attemptCosts[index] = 0;
    this.tokens[index]! += totalTokens;
    this.costs[index]! += costUsd;
    return { usage, costUsd };
  }

  private settle(index: number, attempt: number, outcome: TaskOutcome | undefined, thrown: unknown): void {
    if (this.isBroken || this.status[index] !== RUNNING || this.attempts[index] !== attempt) return;
    const controller = this.controllers[index];
    this.controllers[index] = undefined;
    this.timers[index]?.cancel();
    this.timers[index] = undefined;
    this.timeouts[index]?.cancel();
    this.timeouts[index] = undefined;
    this.inFlight--;
    const task = this.tasks[index] as TaskSpec;
    const duration = Math.max(0, Math.round(this.options.clock.now() - this.startedAt[index]!));
    this.durations[index] = duration;

    if (outcome !== undefined && controller?.signal.aborted !== true) {
      this.succeed(index, task, attempt, duration, outcome);
    } else {
      const spend = this.takeAttemptSpend(index, undefined);
      // An aborted attempt fails with the abort's reason, whatever the work threw on its way out.
      const reason: unknown = controller?.signal.aborted === true ? controller.signal.reason : thrown;
      if (reason !== undefined && reason === this.stopReason) this.cancelTask(index, task, spend, attempt, duration);
      else this.fail(index, task, attempt, duration, toAgentError(reason), spend);
    }
    this.pump();
    this.finishIfDone();
    this.flush();
  }

  private succeed(index: number, task: TaskSpec, attempt: number, duration: number, outcome: TaskOutcome): void {
    this.status[index] = SUCCEEDED;
    const output = typeof outcome.output === 'string' ? outcome.output : String(outcome.output);
    this.outputs[index] = output;
    const { usage, costUsd } = this.takeAttemptSpend(index, outcome);
    this.record('task:complete', {
      taskId: task.id,
      agentName: task.agentName,
      duration,
      tokensUsed: usage.totalTokens,
      usage,
      costUsd,
      ...(outcome.model === undefined ? {} : { model: outcome.model }),
      attempt,
      output,
      ...(outcome.evidence === undefined ? {} : { evidence: outcome.evidence }),
    });
    this.markTerminal(index);
    if (this.stopReason !== undefined) return;
    const { dependentOffsets, dependents } = this.graph;
    for (let edge = dependentOffsets[index]!; edge < dependentOffsets[index + 1]!; edge++) {
      const dependent = dependents[edge]!;
      if (--this.waitingOn[dependent]! === 0 && this.status[dependent] === PENDING) this.queue.push(dependent);
    }
  }

  private fail(index: number, task: TaskSpec, attempt: number, duration: number, error: EnsembleError, spend: TaskSpend): void {
    // The retry policy applies afresh in each execution (a resume is a new try); attempt numbers keep counting.
    const attemptThisExecution = attempt - (this.options.prior?.attempts?.get(task.id) ?? 0);
    const decision = decideRetry(error, attemptThisExecution, task.retry ?? this.options.config.retry, this.random());
    if (decision.retry && this.stopReason !== undefined) {
      // It would have been retried: it did not fail for good, the stopping run ended it.
      this.cancelTask(index, task, spend, attempt, duration);
      return;
    }
    if (decision.retry) {
      this.status[index] = RETRYING;
      this.record('task:retry', {
        taskId: task.id,
        agentName: task.agentName,
        attempt,
        delayMs: decision.delayMs,
        error: serializeError(error),
        usage: spend.usage,
        costUsd: spend.costUsd,
      });
      this.timers[index] = this.options.clock.setTimer(decision.delayMs, () => {
        this.timers[index] = undefined;
        if (this.status[index] !== RETRYING || this.stopReason !== undefined) return;
        this.status[index] = PENDING;
        this.queue.push(index);
        this.pump();
        this.flush();
      });
      return;
    }
    this.status[index] = FAILED;
    const serialized = serializeError(error);
    this.errors[index] = serialized;
    this.record('task:error', {
      taskId: task.id,
      agentName: task.agentName,
      duration,
      attempt,
      error: serialized,
      usage: spend.usage,
      costUsd: spend.costUsd,
    });
    this.markTerminal(index);
    this.skipDependents(index);
  }

  /** Ends a task the stopping run will not let finish: an aborted attempt (with its spend), or one never launched. */
  private cancelTask(index: number, task: TaskSpec, spend: TaskSpend, attempt?: number, duration?: number): void {
    this.status[index] = CANCELLED;
    this.record('task:cancelled', {
      taskId: task.id,
      agentName: task.agentName,
      reason: this.stopReason?.code === 'RUN_TIMEOUT' ? 'run-timeout' : 'cancelled',
      ...(attempt === undefined ? {} : { attempt }),
      ...(duration === undefined ? {} : { duration }),
      usage: spend.usage,
      costUsd: spend.costUsd,
    });
    this.markTerminal(index);
  }

  /** A failed task never feeds its dependents: every task downstream of it is skipped. */
  private skipDependents(failedIndex: number): void {
    const blockedBy = (this.tasks[failedIndex] as TaskSpec).id;
    const { dependentOffsets, dependents } = this.graph;
    const stack = [failedIndex];
    while (stack.length > 0) {
      const index = stack.pop()!;
      for (let edge = dependentOffsets[index]!; edge < dependentOffsets[index + 1]!; edge++) {
        const dependent = dependents[edge]!;
        if (this.status[dependent] !== PENDING) continue;
        this.status[dependent] = SKIPPED;
        const task = this.tasks[dependent] as TaskSpec;
        this.record('task:skipped', { taskId: task.id, agentName: task.agentName, reason: 'dependency-failed', blockedBy });
        this.markTerminal(dependent);
        stack.push(dependent);
      }
    }
  }

  private markTerminal(index: number): void {
    this.terminalCount++;
    const level = this.graph.levels[index]!;
    if (--this.levelRemaining[level]! === 0 && this.levelStarted[level] === 1) {
      this.record('wave:complete', { wave: level, taskCount: this.levelSize[level]! });
    }
  }

  private stop(reason: EnsembleError): void {
    if (this.isFinished || this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.globalTimer?.cancel();
    this.globalTimer = undefined;
    this.queue.drain();
    for (let index = 0; index < this.taskCount; index++) {
      const state = this.status[index];
      if (state === PENDING || state === RETRYING) {
        this.timers[index]?.cancel();
        this.timers[index] = undefined;
        this.cancelTask(index, this.tasks[index] as TaskSpec, { usage: ZERO_SPEND, costUsd: 0 });
      } else if (state === RUNNING) {
        this.abortAttempt(index, this.attempts[index]!, reason);
      }
    }
    this.finishIfDone();
    this.flush();
  }

  private finishIfDone(): void {
    if (this.isFinished || this.terminalCount < this.taskCount) return;
    this.isFinished = true;
    this.globalTimer?.cancel();
    this.globalTimer = undefined;
    const results: TaskResult[] = [];
    const counts = new Int32Array(STATUS_NAMES.length);
    let totalTokens = 0;
    let totalCost = 0;
    const budgetStops: BudgetStop[] = [];
    for (let index = 0; index < this.taskCount; index++) {
      const task = this.tasks[index] as TaskSpec;
      const state = this.status[index]!;
      counts[state]!++;
      totalTokens += this.tokens[index]!;
      totalCost += this.costs[index]!;
      const output = this.outputs[index];
      const error = this.errors[index];
      results.push({
        taskId: task.id,
        agentName: task.agentName,
        status: STATUS_NAMES[state]!,
        ...(output === undefined ? {} : { output }),
        ...(error === undefined ? {} : { error }),
        attempts: this.attempts[index]!,
        durationMs: this.durations[index]!,
        tokensUsed: this.tokens[index]!,
        costUsd: this.costs[index]!,
      });
      if (error?.code === 'BUDGET_EXCEEDED') budgetStops.push(toBudgetStop(task.id, error));
    }
    const summary: RunSummary = {
      totalTasks: this.taskCount,
      successfulTasks: counts[SUCCEEDED]!,
      failedTasks: counts[FAILED]!,
      skippedTasks: counts[SKIPPED]!,
      cancelledTasks: counts[CANCELLED]!,
      totalTokens,
      totalCost,
      totalDuration: Math.max(0, Math.round((this.options.prior?.elapsedMs ?? 0) + this.options.clock.now() - this.runStartedAt)),
      ...(budgetStops.length === 0 ? {} : { budgetStops }),
    };
    this.record('workflow:results', { results });
    const runId = this.options.runId;
    if (this.stopReason !== undefined) {
      const status: RunStatus = this.stopReason.code === 'RUN_CANCELLED' ? 'cancelled' : 'failed';
      const error = serializeError(this.stopReason);
      this.record('workflow:error', { status, error, summary });
      this.outcome = { runId, status, summary, results, error };
    } else {
      const status: RunStatus = summary.failedTasks > 0 || summary.skippedTasks > 0 ? 'failed' : 'succeeded';
      this.record('workflow:complete', { status, summary });
      this.outcome = { runId, status, summary, results };
    }
  }
}

function toBudgetStop(taskId: string, error: SerializedError): BudgetStop {
  const cap = error.details?.['cap'];
  const name = error.details?.['name'];
  return { taskId, cap: typeof cap === 'string' ? cap : 'unknown', name: typeof name === 'string' ? name : '' };
}

/** Anything an agent throws becomes an EnsembleError; unknown failures may be retried per policy. */
function toAgentError(thrown: unknown): EnsembleError {
  if (isEnsembleError(thrown)) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new EnsembleError('AGENT_FAILED', message || 'agent failed', { retryable: true, cause: thrown });
}

function noop(): void {}

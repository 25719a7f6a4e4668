import { serializeError, type EnsembleError, type SerializedError } from './errors.js';
import type { EventOutbox } from './event-outbox.js';
import type { ReadyQueue } from './ready-queue.js';
import { restoreResumePrior, type SchedulerPrior } from './resume-prior.js';
import type { TaskSpec } from './schema.js';
import type { TaskGraph } from './task-graph.js';
import { TaskSpendTally } from './task-spend-tally.js';
import { TASK_STATUS_CODES } from './task-status-codes.js';
import type { DependencyOutput, TaskOutcome, TaskSpend } from './types.js';
import { WaveProgress } from './wave-progress.js';

const { PENDING, RUNNING, RETRYING, SUCCEEDED, FAILED, SKIPPED, CANCELLED, WAITING } = TASK_STATUS_CODES;

/**
 * The tasks of one run as typed-array columns by graph index, and the changes of their state, each
 * recorded as its event (wave events included): an attempt starts, then the task completes (freeing
 * its dependents), is retried, fails (skipping everything downstream) or is cancelled. When a change
 * happens is the scheduler's call; the table keeps the columns, the counts and the ready queue right.
 */
export class TaskTable {
  // Columns are replaced (grown) when tasks are added to the running graph; readers re-read them then.
  /** {@link TASK_STATUS_CODES} by task. */
  status: Uint8Array;
  /** Attempts started, across resumes. */
  attempts: Int32Array;
  readonly outputs: (string | undefined)[];
  readonly errors: (SerializedError | undefined)[];
  /** Duration of each task's last finished attempt, in ms. */
  durations: Float64Array;
  readonly spend: TaskSpendTally;
  /** Dependencies each task still waits for. */
  private waitingOn: Int32Array;
  /** Epoch ms each task's latest attempt started. */
  private startedAt: Float64Array;
  private graph: TaskGraph;
  private tasks: readonly TaskSpec[];
  private readonly outbox: EventOutbox;
  private readonly queue: ReadyQueue;
  private waves: WaveProgress;
  private endedCount = 0;

  constructor(graph: TaskGraph, outbox: EventOutbox, queue: ReadyQueue) {
    const taskCount = graph.tasks.length;
    this.graph = graph;
    this.tasks = graph.tasks;
    this.outbox = outbox;
    this.queue = queue;
    this.status = new Uint8Array(taskCount);
    this.attempts = new Int32Array(taskCount);
    this.outputs = new Array<string | undefined>(taskCount);
    this.errors = new Array<SerializedError | undefined>(taskCount);
    this.durations = new Float64Array(taskCount);
    this.spend = new TaskSpendTally(taskCount);
    this.waitingOn = new Int32Array(taskCount);
    this.startedAt = new Float64Array(taskCount);
    this.waves = new WaveProgress(graph);
    for (let i = 0; i < taskCount; i++) this.waitingOn[i] = graph.dependencyOffsets[i + 1]! - graph.dependencyOffsets[i]!;
  }

  /**
   * Grows the columns to `graph`, which holds the old tasks at the same indexes plus new ones
   * (none of the old tasks depends on a new one). New tasks are pending; call
   * {@link settleAddedTasks} once their \`task:added\` events are recorded.
   */
  extend(graph: TaskGraph): void {
    const oldCount = this.tasks.length;
    const taskCount = graph.tasks.length;
    this.status = grow(this.status, new Uint8Array(taskCount));
    this.attempts = grow(this.attempts, new Int32Array(taskCount));
    this.durations = grow(this.durations, new Float64Array(taskCount));
    this.waitingOn = grow(this.waitingOn, new Int32Array(taskCount));
    this.startedAt = grow(this.startedAt, new Float64Array(taskCount));
    this.outputs.length = taskCount;
    this.errors.length = taskCount;
    this.spend.grow(taskCount);
    for (let index = oldCount; index < taskCount; index++) {
      // What the task still waits for: dependencies to succeed, or (any-succeeded) to end.
      const isAny = (graph.tasks[index] as TaskSpec).dependencyMode === 'any-succeeded';
      let waiting = 0;
      for (let edge = graph.dependencyOffsets[index]!; edge < graph.dependencyOffsets[index + 1]!; edge++) {
        const state = this.status[graph.dependencies[edge]!]!;
        if (isAny ? !isEnded(state) : state !== SUCCEEDED) waiting++;
      }
      this.waitingOn[index] = waiting;
    }
    this.waves = this.waves.extend(graph, oldCount, (index) => this.status[index] !== PENDING, (index) => isEnded(this.status[index]!));
    this.graph = graph;
    this.tasks = graph.tasks;
  }

  /**
   * Settles tasks from `fromIndex` on, just added: one that needs a task that already failed, was
   * skipped or cancelled is skipped (with everything after it); one with every dependency done is queued.
   */
  settleAddedTasks(fromIndex: number): void {
    const { dependencyOffsets, dependencies } = this.graph;
    for (let index = fromIndex; index < this.tasks.length; index++) {
      if (this.status[index] !== PENDING) continue;
      if ((this.tasks[index] as TaskSpec).dependencyMode === 'any-succeeded') {
        if (this.waitingOn[index] === 0 && !this.releaseAnySucceeded(index)) this.skipDependents(index);
        continue;
      }
      for (let edge = dependencyOffsets[index]!; edge < dependencyOffsets[index + 1]!; edge++) {
        const dependency = dependencies[edge]!;
        const state = this.status[dependency]!;
        if (state === FAILED || state === SKIPPED || state === CANCELLED) {
          this.status[index] = SKIPPED;
          const task = this.tasks[index] as TaskSpec;
          this.outbox.record('task:skipped', { taskId: task.id, agentName: task.agentName, reason: 'dependency-failed', blockedBy: (this.tasks[dependency] as TaskSpec).id });
          this.markEnded(index);
          this.skipDependents(index);
          break;
        }
      }
      if (this.status[index] === PENDING && this.waitingOn[index] === 0) this.queue.push(index);
    }
  }

  /** Whether every task reached a terminal state. */
  get isEveryTaskEnded(): boolean {
    return this.endedCount >= this.tasks.length;
  }

  /** Takes over what earlier executions did (see {@link restoreResumePrior}); before the run starts. */
  restore(prior: SchedulerPrior): void {
    const { graph, status, waitingOn, attempts, durations, outputs, spend, waves } = this;
    this.endedCount += restoreResumePrior(prior, { graph, status, waitingOn, attempts, durations, outputs, spend, waves });
  }

  /** Queues every pending task that waits for no dependency. */
  queueReadyTasks(): void {
    for (let i = 0; i < this.tasks.length; i++) {
      if (this.status[i] === PENDING && this.waitingOn[i] === 0) this.queue.push(i);
    }
  }

  /** The task waits for a person's answer (its `escalation:open` is the caller's to record); it holds no slot. */
  wait(index: number): void {
    this.status[index] = WAITING;
  }

  /** A retried (or answered) task waits for a slot again. */
  requeue(index: number): void {
    this.status[index] = PENDING;
    this.queue.push(index);
  }

  /** The task starts its next attempt at `now` (epoch ms); returns the attempt's number. */
  startAttempt(index: number, now: number): number {
    const task = this.tasks[index] as TaskSpec;
    const attempt = ++this.attempts[index]!;
    this.status[index] = RUNNING;
    this.startedAt[index] = now;
    this.spend.startAttempt(index);
    const level = this.graph.levels[index]!;
    if (this.waves.startTask(level)) this.outbox.record('wave:start', { wave: level, taskCount: this.waves.sizeOf(level) });
    this.outbox.record('task:start', { taskId: task.id, agentName: task.agentName, description: task.description, attempt });
    return attempt;
  }

  /** The task's attempt ended at `now` (epoch ms); returns its duration in ms. */
  endAttempt(index: number, now: number): number {
    const duration = Math.max(0, Math.round(now - this.startedAt[index]!));
    this.durations[index] = duration;
    return duration;
  }

  /** The outputs of the task's dependencies, handed to its attempt. */
  dependencyOutputs(index: number): DependencyOutput[] {
    const inputs: DependencyOutput[] = [];
    const { dependencyOffsets, dependencies } = this.graph;
    for (let edge = dependencyOffsets[index]!; edge < dependencyOffsets[index + 1]!; edge++) {
      const dependency = dependencies[edge]!;
      // Only an any-succeeded task starts with dependencies that did not succeed: it gets the others'.
      if (this.status[dependency] !== SUCCEEDED) continue;
      const task = this.tasks[dependency] as TaskSpec;
      inputs.push({ taskId: task.id, agentName: task.agentName, output: this.outputs[dependency] ?? '' });
    }
    return inputs;
  }

  /** The attempt succeeded; unless the run is stopping, the dependents it was the last wait of are queued. */
  complete(index: number, attempt: number, duration: number, outcome: TaskOutcome, isStopping: boolean): void {
    const task = this.tasks[index] as TaskSpec;
    this.status[index] = SUCCEEDED;
    const output = typeof outcome.output === 'string' ? outcome.output : String(outcome.output);
    this.outputs[index] = output;
    const { usage, costUsd } = this.spend.takeAttempt(index, outcome);
    this.outbox.record('task:complete', {
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
      ...(outcome.cachedFrom === undefined ? {} : { cached: true, cachedFrom: outcome.cachedFrom }),
    });
    this.markEnded(index);
    if (isStopping) return;
    const { dependentOffsets, dependents } = this.graph;
    for (let edge = dependentOffsets[index]!; edge < dependentOffsets[index + 1]!; edge++) {
      const dependent = dependents[edge]!;
      if (--this.waitingOn[dependent]! === 0 && this.status[dependent] === PENDING) this.queue.push(dependent);
    }
  }

  /** The attempt failed and the task will try again after `delayMs`. */
  retry(index: number, attempt: number, delayMs: number, error: EnsembleError, spend: TaskSpend): void {
    const task = this.tasks[index] as TaskSpec;
    this.status[index] = RETRYING;
    this.outbox.record('task:retry', {
      taskId: task.id,
      agentName: task.agentName,
      attempt,
      delayMs,
      error: serializeError(error),
      usage: spend.usage,
      costUsd: spend.costUsd,
    });
  }

  /** The task failed for good: it never feeds its dependents, so every task downstream of it is skipped. */
  fail(index: number, attempt: number, duration: number, error: EnsembleError, spend: TaskSpend): void {
    const task = this.tasks[index] as TaskSpec;
    this.status[index] = FAILED;
    const serialized = serializeError(error);
    this.errors[index] = serialized;
    this.outbox.record('task:error', {
      taskId: task.id,
      agentName: task.agentName,
      duration,
      attempt,
      error: serialized,
      usage: spend.usage,
      costUsd: spend.costUsd,
    });
    this.markEnded(index);
    this.skipDependents(index);
  }

  /** Ends a task the run stopping for `stopReason` will not let finish: an aborted attempt (with its spend), or one never launched. */
  cancel(index: number, stopReason: EnsembleError, spend: TaskSpend, attempt?: number, duration?: number): void {
    const task = this.tasks[index] as TaskSpec;
    this.status[index] = CANCELLED;
    this.outbox.record('task:cancelled', {
      taskId: task.id,
      agentName: task.agentName,
      reason: stopReason.code === 'RUN_TIMEOUT' ? 'run-timeout' : 'cancelled',
      ...(attempt === undefined ? {} : { attempt }),
      ...(duration === undefined ? {} : { duration }),
      usage: spend.usage,
      costUsd: spend.costUsd,
    });
    this.markEnded(index);
  }

  private skipDependents(failedIndex: number): void {
    const blockedBy = (this.tasks[failedIndex] as TaskSpec).id;
    const { dependentOffsets, dependents } = this.graph;
    const stack = [failedIndex];
    while (stack.length > 0) {
      const index = stack.pop()!;
      for (let edge = dependentOffsets[index]!; edge < dependentOffsets[index + 1]!; edge++) {
        const dependent = dependents[edge]!;
        if (this.status[dependent] !== PENDING) continue;
        if ((this.tasks[dependent] as TaskSpec).dependencyMode === 'any-succeeded') {
          // One dependency fewer to wait for; skipped only when the last one ended and none succeeded.
          if (--this.waitingOn[dependent]! === 0 && !this.releaseAnySucceeded(dependent, blockedBy)) stack.push(dependent);
          continue;
        }
        this.status[dependent] = SKIPPED;
        const task = this.tasks[dependent] as TaskSpec;
        this.outbox.record('task:skipped', { taskId: task.id, agentName: task.agentName, reason: 'dependency-failed', blockedBy });
        this.markEnded(dependent);
        stack.push(dependent);
      }
    }
  }

  /**
   * An any-succeeded task whose dependencies have all ended: queued if one of them succeeded (true),
   * else skipped, blocked by `blockedBy` or its first dependency (false; its dependents are the caller's).
   */
  private releaseAnySucceeded(index: number, blockedBy?: string): boolean {
    const { dependencyOffsets, dependencies } = this.graph;
    for (let edge = dependencyOffsets[index]!; edge < dependencyOffsets[index + 1]!; edge++) {
      if (this.status[dependencies[edge]!] === SUCCEEDED) {
        this.queue.push(index);
        return true;
      }
    }
    this.status[index] = SKIPPED;
    const task = this.tasks[index] as TaskSpec;
    const first = dependencies[dependencyOffsets[index]!];
    const blocker = blockedBy ?? (first === undefined ? undefined : (this.tasks[first] as TaskSpec).id);
    this.outbox.record('task:skipped', { taskId: task.id, agentName: task.agentName, reason: 'dependency-failed', ...(blocker === undefined ? {} : { blockedBy: blocker }) });
    this.markEnded(index);
    return false;
  }

  private markEnded(index: number): void {
    this.endedCount++;
    const level = this.graph.levels[index]!;
    if (this.waves.endTask(level)) this.outbox.record('wave:complete', { wave: level, taskCount: this.waves.sizeOf(level) });
  }
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(old: T, next: T): T {
  next.set(old);
  return next;
}

function isEnded(state: number): boolean {
  return state === SUCCEEDED || state === FAILED || state === SKIPPED || state === CANCELLED;
}

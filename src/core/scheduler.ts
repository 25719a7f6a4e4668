import { AttemptControls } from './attempt-controls.js';
import { AttemptTimeout, createTaskTimeoutError } from './attempt-timeout.js';
import { computeCriticalPath, estimateTaskDurations } from './critical-path.js';
import { EnsembleError, toAgentError, toEnsembleError } from './errors.js';
import { EventOutbox } from './event-outbox.js';
import type { EventPayloads, RunEvent, RunWarningCode } from './events.js';
import type { ActivityEventType, ActivityPayload, AdmissionCheck, ProcessSlotGate, Clock, ContextStrategy, Journal, SendMessageResult, TaskDispatcher, TaskEventRecorder, TaskEventType, TerminalPolicy, TimerHandle } from './ports.js';
import type { ContextEntry } from './task-context.js';
import { RunCommunication } from './run-communication.js';
import { DEFAULT_MESSAGE_LIMITS, type MessageLimits, type OutgoingMessage, type SharedContextEntry } from './run-messages.js';
import { ContextAssembler } from './context-assembler.js';
import { validateGraph } from './validate-graph.js';
import { ReadyQueue } from './ready-queue.js';
import type { SchedulerPrior } from './resume-prior.js';
import { defaultTerminalPolicy } from './default-terminal-policy.js';
import { toGuidanceEntry, type EscalationGuidance } from './escalation.js';
import type { TerminalDecision } from './ports.js';
import { buildRunOutcome } from './run-outcome.js';
import type { RunConfig, TaskSpec } from './schema.js';
import type { TaskGraph } from './task-graph.js';
import { TASK_STATUS_CODES } from './task-status-codes.js';
import { TaskTable } from './task-table.js';
import { TASK_STATUSES, ZERO_USAGE, type RunOutcome, type TaskOutcome, type TaskSpend, type TaskStatus, type TokenUsage } from './types.js';

export type { SchedulerPrior } from './resume-prior.js';

const { PENDING, RUNNING, RETRYING, WAITING } = TASK_STATUS_CODES;
const NO_SPEND: TaskSpend = Object.freeze({ usage: ZERO_USAGE, costUsd: 0 });
const KEEP_TIMEOUT_RUNNING = (): (() => void) => noop;

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
  /**
   * Decides what each task receives besides its prompt (the run's `contextStrategy`); without one a
   * task gets its direct dependencies' outputs, whole, and nothing else.
   */
  readonly context?: ContextStrategy;
  /** Per-task limits on agent messages. @default DEFAULT_MESSAGE_LIMITS */
  readonly messageLimits?: MessageLimits;
  /** Asked before each ready task starts (file leases, a free team member); a refused task stays ready. @default every task admitted */
  readonly admission?: AdmissionCheck;
  /** Decides retry, failure or escalation of a failed attempt. @default defaultTerminalPolicy */
  readonly terminalPolicy?: TerminalPolicy;
  /** Host slots process agents start in (the pressure monitor's limit); a task that needs one and finds none stays ready. @default no limit but `maxParallelAgents` */
  readonly processSlots?: ProcessSlotGate;
}

/** An escalation a task of this run waits on. */
interface WaitingEscalation {
  readonly index: number;
  readonly attempt: number;
  readonly reason: string;
  readonly options: readonly string[];
  readonly defaultAction?: string;
}

/**
 * Runs one task graph: dependency-driven (a task starts as soon as its own dependencies are
 * done and a slot is free), ordered by priority then remaining critical path. Every state
 * change becomes an event that is journaled before it is emitted, and before the work it
 * announces is started. The scheduler decides when things happen; the tasks' state and the
 * events that change it live in {@link TaskTable}, the journal-first order in {@link EventOutbox},
 * and what can stop an attempt in {@link AttemptControls}.
 */
export class RunScheduler {
  private readonly options: SchedulerOptions;
  private graph: TaskGraph;
  private tasks: readonly TaskSpec[];
  private taskCount: number;
  private readonly random: () => number;
  private readonly table: TaskTable;
  // The table's columns the hot path reads, held here so a read takes no extra hop.
  private status: Uint8Array;
  private attempts: Int32Array;
  private readonly controls: AttemptControls;
  private readonly queue: ReadyQueue;
  private readonly outbox: EventOutbox;

  private inFlight = 0;
  private runStartedAt = 0;
  private globalTimer: TimerHandle | undefined;
  private stopReason: EnsembleError | undefined;
  private isFinished = false;
  private isBroken = false;
  private isFlushing = false;
  private pendingLaunches: number[] = [];
  private resolveOutcome: ((outcome: RunOutcome) => void) | undefined;
  private rejectOutcome: ((error: EnsembleError) => void) | undefined;
  private outcome: RunOutcome | undefined;
  /** Tool calls journaled over every execution of the run (the summary counts them). */
  private toolCalls: number;
  private readonly communication: RunCommunication;
  private readonly contexts: ContextAssembler;
  /** Open holds ({@link holdOpen}): while any is open, the run does not end when every task has. */
  private holds = 0;
  /** Escalations tasks wait on, by escalation id. */
  private readonly escalations = new Map<string, WaitingEscalation>();
  /** Escalations each task opened, over every execution, by task id. */
  private readonly escalationCounts: Map<string, number>;
  /** Answers to each task's escalations, by task id: every later attempt gets them in its context. */
  private readonly guidance: Map<string, EscalationGuidance[]>;
  /** The attempt holding a process slot, by task index. */
  private readonly slotHolders = new Map<number, number>();
  /** Ready tasks the last pump held back for want of a process slot. */
  private heldForSlots = 0;
  private isSlotRecheckQueued = false;
  private unsubscribeSlots: (() => void) | undefined;

  constructor(options: SchedulerOptions) {
    this.options = options;
    this.graph = options.graph;
    this.tasks = options.graph.tasks;
    this.taskCount = this.tasks.length;
    this.random = options.random ?? Math.random;
    this.toolCalls = options.prior?.toolCalls ?? 0;
    this.escalationCounts = new Map(options.prior?.escalations ?? []);
    this.guidance = new Map([...(options.prior?.guidance ?? [])].map(([taskId, list]) => [taskId, [...list]]));

    const order = readyOrderOf(this.graph, options.agentMedianMs);
    this.queue = new ReadyQueue(order.priorities, order.criticalPaths);
    const { runId, clock, journal, emit } = options;
    this.outbox = new EventOutbox({ runId, clock, emit, nextSeq: options.prior?.nextSeq ?? 1, ...(journal === undefined ? {} : { journal }) });
    this.table = new TaskTable(this.graph, this.outbox, this.queue);
    this.status = this.table.status;
    this.attempts = this.table.attempts;
    this.controls = new AttemptControls(this.taskCount);
    this.communication = new RunCommunication({
      runId,
      outbox: this.outbox,
      clock,
      limits: options.messageLimits ?? DEFAULT_MESSAGE_LIMITS,
      isEnabled: options.config.enableCommunication,
    });
    this.communication.addRecipients(this.tasks);
    if (options.prior !== undefined) this.communication.restore(options.prior);
    const state = { graph: () => this.graph, status: () => this.status, outputs: () => this.table.outputs };
    this.contexts = new ContextAssembler(options.context, this.outbox, options.config, options.prior, state, this.communication);
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
    this.outbox.record('workflow:start', {
      workflowName: options.workflowName,
      ...(options.workflowId === undefined ? {} : { workflowId: options.workflowId }),
      taskCount: this.taskCount,
      maxParallelAgents: options.config.maxParallelAgents,
      permissions: options.config.permissions,
      resumed: prior !== undefined,
      completedTaskCount: prior?.completed.size ?? 0,
    });
    if (prior === undefined) {
      for (const task of this.tasks) this.recordTaskAdded(task, false);
    } else {
      this.table.restore(prior);
      for (const taskId of prior.completed.keys()) {
        const index = this.graph.indexById.get(taskId);
        if (index !== undefined && this.status[index] === TASK_STATUS_CODES.SUCCEEDED) this.contexts.taskSucceeded(index);
      }
      for (const { taskId, ...group } of prior.reapedGroups ?? []) {
        const index = this.graph.indexById.get(taskId);
        if (index === undefined) continue;
        this.outbox.record('agent:process', { taskId, agentName: (this.tasks[index] as TaskSpec).agentName, state: 'exited', ...group });
      }
      this.restoreWaiting(prior);
    }
    this.table.queueReadyTasks();
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

  /**
   * Stops the run promptly as a cancel does, but leaves it `interrupted`, to be resumed: its process
   * is shutting down (a server on SIGTERM). `details` go into the `workflow:error` the run ends with.
   */
  interrupt(reason: string, details?: Readonly<Record<string, unknown>>): void {
    this.stop(new EnsembleError('RUN_INTERRUPTED', reason, details === undefined ? {} : { details: { ...details } }));
  }

  /** Current state of one task, for observers. */
  taskStatus(taskId: string): TaskStatus | undefined {
    const index = this.graph.indexById.get(taskId);
    return index === undefined ? undefined : TASK_STATUSES[this.status[index]!];
  }

  /**
   * Keeps the run from ending when every task has ended, until the returned function is called
   * (once): a driver that adds tasks round by round (a meeting) holds the run between rounds. A
   * cancel or the global timeout ends the run regardless.
   */
  holdOpen(): () => void {
    if (this.isFinished) throw new EnsembleError('INVALID_INPUT', `run "${this.options.runId}" has already ended`);
    this.holds++;
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.holds--;
      this.finishIfDone();
      this.flush();
    };
  }

  /**
   * Delivers a person's answer to an escalation a task waits on: journaled (\`escalation:answered\`),
   * then the task is queued again and its next attempt gets the guidance. False when no task of this
   * run waits on that escalation (answered already, expired, or the run is stopping).
   */
  answerEscalation(escalationId: string, guidance: string, answeredBy?: string): boolean {
    const waiting = this.escalations.get(escalationId);
    if (waiting === undefined || this.status[waiting.index] !== WAITING || this.stopReason !== undefined || this.isFinished) return false;
    const { index } = waiting;
    const task = this.tasks[index] as TaskSpec;
    this.escalations.delete(escalationId);
    this.controls.clearTimer(index);
    this.outbox.record('escalation:answered', { taskId: task.id, agentName: task.agentName, escalationId, guidance, ...(answeredBy === undefined ? {} : { answeredBy }) });
    this.addGuidance(task.id, { escalationId, reason: waiting.reason, options: waiting.options, guidance, isDefault: false });
    this.table.requeue(index);
    this.pump();
    this.flush();
    return true;
  }

  /** The ids of the escalations tasks of this run wait on. */
  waitingEscalations(): readonly string[] {
    return [...this.escalations.keys()];
  }

  /** Asks the admission check again for the ready tasks it refused (a lease was released elsewhere, a member freed). */
  recheckAdmission(): void {
    if (this.isFinished) return;
    this.pump();
    this.finishIfDone();
    this.flush();
  }

  /**
   * Journals a change of the process-agent limit (the pressure monitor's decision) with how many of
   * this run's ready tasks wait for a slot. Ignored once the run has ended.
   */
  recordPressure(payload: Omit<EventPayloads['resources:pressure'], 'held'>): void {
    if (this.isFinished || this.isBroken) return;
    this.outbox.record('resources:pressure', { ...payload, held: this.heldForSlots });
    this.flush();
  }

  /**
   * Journals a warning about the whole run, not one task (its process agents held back by the host's
   * memory). After {@link start}; ignored once the run has ended.
   */
  recordWarning(code: RunWarningCode, message: string): void {
    if (this.isFinished || this.isBroken) return;
    if (this.resolveOutcome === undefined) throw new EnsembleError('INTERNAL', 'a run warning is journaled after the run started');
    this.outbox.record('run:warning', { code, message });
    this.flush();
  }

  /** Journals a ticket or lease event of a task (a codebase driver's commit, review or release). */
  recordTaskEvent<T extends TaskEventType>(taskId: string, type: T, payload: Omit<EventPayloads[T], 'taskId' | 'agentName'>): void {
    const index = this.graph.indexById.get(taskId);
    if (index === undefined) throw new EnsembleError('INVALID_INPUT', `run "${this.options.runId}" has no task "${taskId}"`);
    if (this.isBroken) return;
    this.recorderFor(index)(type, payload);
    this.flush();
  }

  /**
   * Adds tasks to the running graph (journaled as \`task:added\` with the whole task, so a resume
   * rebuilds them). They may depend on any task of the run, finished or not; one whose dependency
   * already failed is skipped at once. Throws INVALID_INPUT naming every problem (duplicate or
   * unknown ids, cycles) and adds nothing then; throws once the run has ended or is stopping.
   */
  addTasks(added: readonly TaskSpec[]): void {
    if (this.isFinished || this.stopReason !== undefined) {
      throw new EnsembleError('INVALID_INPUT', `tasks cannot be added to run "${this.options.runId}": it has ${this.isFinished ? 'ended' : 'been stopped'}`);
    }
    if (added.length === 0) return;
    const tasks = [...this.tasks, ...added];
    const validation = validateGraph(tasks);
    if (!validation.ok) {
      const problems = validation.issues.map((issue) => issue.message);
      throw new EnsembleError('INVALID_INPUT', `cannot add tasks to run "${this.options.runId}": ${problems.join('; ')}`, { details: { problems } });
    }
    const oldCount = this.taskCount;
    // The old tasks keep their indexes: the added ones come after them.
    this.graph = validation.graph;
    this.tasks = tasks;
    this.taskCount = tasks.length;
    const order = readyOrderOf(this.graph, this.options.agentMedianMs);
    this.queue.reorder(order.priorities, order.criticalPaths);
    this.table.extend(this.graph);
    this.status = this.table.status;
    this.attempts = this.table.attempts;
    this.communication.addRecipients(added);
    for (const task of added) this.recordTaskAdded(task, true);
    this.table.settleAddedTasks(oldCount);
    this.pump();
    this.finishIfDone();
    this.flush();
  }

  /** Announces a task of the graph; one added to the running graph is journaled whole (a resume rebuilds it). */
  private recordTaskAdded(task: TaskSpec, isAddedWhileRunning: boolean): void {
    const { id: taskId, agentName, description, dependencies, priority } = task;
    this.outbox.record('task:added', { taskId, agentName, description, dependencies, priority, ...(isAddedWhileRunning ? { task } : {}) });
  }

  /** Whether `attempt` is the task's running attempt: reports of an attempt that ended (or was superseded) are dropped. */
  private isCurrentAttempt(index: number, attempt: number): boolean {
    return this.status[index] === RUNNING && this.attempts[index] === attempt;
  }

  private sendMessage(index: number, attempt: number, message: OutgoingMessage): SendMessageResult {
    if (!this.isCurrentAttempt(index, attempt) || this.controls.isAborted(index)) {
      return { ok: false, reason: 'the attempt that sent this message has ended' };
    }
    const result = this.communication.send(this.tasks[index] as TaskSpec, attempt, message);
    this.flush();
    return result;
  }

  private reportWarning(index: number, attempt: number, code: 'MESSAGE_MALFORMED', message: string): void {
    if (!this.isCurrentAttempt(index, attempt)) return;
    const task = this.tasks[index] as TaskSpec;
    this.outbox.record('run:warning', { code, message, taskId: task.id, agentName: task.agentName });
    this.flush();
  }

  private updateShared(index: number, attempt: number, key: string, value: string): SharedContextEntry {
    if (!this.isCurrentAttempt(index, attempt) || this.controls.isAborted(index)) {
      throw new EnsembleError('INVALID_INPUT', `the attempt that wrote shared context key "${key}" has ended`);
    }
    try {
      return this.communication.update(this.tasks[index] as TaskSpec, attempt, key, value);
    } finally {
      this.flush();
    }
  }

  /** Journals pending events, then emits them, then launches the work they announced. */
  private flush(): void {
    if (this.isFlushing || this.isBroken) return;
    this.isFlushing = true;
    try {
      for (;;) {
        if (this.outbox.hasPending) {
          try {
            this.outbox.flush();
          } catch (error) {
            this.breakRun(error);
            return;
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
    this.releaseAllSlots();
    const error = new EnsembleError('JOURNAL_ERROR', `could not write the run journal: ${toEnsembleError(cause).message}`, {
      cause,
    });
    this.globalTimer?.cancel();
    this.controls.abortAll(error);
    this.rejectOutcome?.(error);
  }

  private pump(): void {
    const limit = this.options.config.maxParallelAgents;
    const admission = this.options.admission;
    const slots = this.options.processSlots;
    let refused: number[] | undefined;
    let held = 0;
    while (this.inFlight < limit && this.stopReason === undefined) {
      const index = this.queue.pop();
      if (index === undefined) break;
      const needsSlot = slots !== undefined && this.needsSlot(slots, index);
      if (needsSlot && !slots.tryAcquire()) {
        held++;
        (refused ??= []).push(index);
        continue;
      }
      if (admission !== undefined) {
        const verdict = this.admit(admission, index);
        if (verdict === 'refused') (refused ??= []).push(index);
        if (verdict !== 'admitted') {
          if (needsSlot) slots.release();
          continue;
        }
      }
      if (needsSlot) this.slotHolders.set(index, this.attempts[index]! + 1);
      this.begin(index);
    }
    this.heldForSlots = held;
    if (held > 0) this.watchSlots();
    // Refused tasks stay ready, in their order: the next pump (a slot freed, a recheck) asks again.
    if (refused !== undefined) for (const index of refused) this.queue.push(index);
  }

  /** Whether a task runs as a host process; a gate that cannot tell (unknown agent) lets the launch report it. */
  private needsSlot(slots: ProcessSlotGate, index: number): boolean {
    try {
      return slots.needsSlot(this.tasks[index] as TaskSpec);
    } catch {
      return false;
    }
  }

  /** Hears when a process slot may be free while tasks wait for one; the recheck runs after the releasing step, never inside it. */
  private watchSlots(): void {
    const slots = this.options.processSlots;
    if (slots === undefined || this.unsubscribeSlots !== undefined) return;
    this.unsubscribeSlots = slots.onAvailable(() => {
      if (this.isSlotRecheckQueued || this.isFinished) return;
      this.isSlotRecheckQueued = true;
      queueMicrotask(() => {
        this.isSlotRecheckQueued = false;
        if (this.heldForSlots > 0) this.recheckAdmission();
      });
    });
  }

  /** Gives back the process slot of the attempt that ended (a later attempt's slot is its own). */
  private releaseSlot(index: number, attempt: number): void {
    if (this.slotHolders.get(index) !== attempt) return;
    this.slotHolders.delete(index);
    this.options.processSlots?.release();
  }

  /** The run ended or broke: every slot it still holds goes back, and it stops listening. */
  private releaseAllSlots(): void {
    for (const _ of this.slotHolders.values()) this.options.processSlots?.release();
    this.slotHolders.clear();
    this.unsubscribeSlots?.();
    this.unsubscribeSlots = undefined;
  }

  /** Asks the admission check about a ready task; a check that throws fails the task (it would never start). */
  private admit(admission: AdmissionCheck, index: number): 'admitted' | 'refused' | 'failed' {
    const task = this.tasks[index] as TaskSpec;
    try {
      const decision = admission.admit({ task, attempt: this.attempts[index]! + 1, record: this.recorderFor(index) });
      return decision.admitted ? 'admitted' : 'refused';
    } catch (error) {
      this.table.fail(index, this.attempts[index]!, 0, toEnsembleError(error), NO_SPEND);
      return 'failed';
    }
  }

  /** Records ticket and lease events of one task. */
  private recorderFor(index: number): TaskEventRecorder {
    const task = this.tasks[index] as TaskSpec;
    return (type, payload) => {
      this.outbox.record(type, { taskId: task.id, agentName: task.agentName, ...payload } as unknown as EventPayloads[typeof type]);
    };
  }

  private begin(index: number): void {
    const task = this.tasks[index] as TaskSpec;
    this.inFlight++;
    const attempt = this.table.startAttempt(index, this.options.clock.now());
    let invocation;
    try {
      invocation = this.options.dispatcher.describe(task);
    } catch (error) {
      this.failLaunch(index, error);
      return;
    }
    this.outbox.record('agent:invoke', { taskId: task.id, agentName: task.agentName, attempt, ...invocation });
    try {
      this.contexts.assemble(index, task, attempt, invocation.model);
    } catch (error) {
      this.failLaunch(index, error);
      return;
    }
    this.pendingLaunches.push(index);
  }

  private failLaunch(index: number, error: unknown): void {
    // Defer so the failure is reported after task:start is journaled, like any other failure.
    const attempt = this.attempts[index]!;
    this.controls.launch(index);
    queueMicrotask(() => this.settle(index, attempt, undefined, error));
  }

  private launch(index: number): void {
    if (this.status[index] !== RUNNING || this.controls.isLaunched(index)) return;
    const task = this.tasks[index] as TaskSpec;
    const attempt = this.attempts[index]!;
    if (this.stopReason !== undefined) {
      // Stopped between announcing the attempt and launching it: the work never starts.
      this.settle(index, attempt, undefined, this.stopReason);
      return;
    }
    const controller = this.controls.launch(index);
    let timeout: AttemptTimeout | undefined;
    if (task.timeoutMs !== undefined) {
      const timeoutMs = task.timeoutMs;
      timeout = new AttemptTimeout(this.options.clock, timeoutMs, () => {
        this.abortAttempt(index, attempt, createTaskTimeoutError(task.id, timeoutMs, Math.round(timeout!.suspendedMs)));
      });
      this.controls.setTimeout(index, timeout);
    }
    let promise: Promise<TaskOutcome>;
    try {
      const runId = this.options.runId;
      promise = this.options.dispatcher.dispatch(
        {
          runId,
          task,
          attempt,
          executionId: `${runId}:${task.id}:${attempt}`,
          inputs: this.contexts.contextOf(index)?.inputs ?? this.table.dependencyOutputs(index),
          context: this.withGuidance(task, this.contexts.contextOf(index)?.context ?? []),
          permissions: this.options.config.permissions,
        },
        {
          signal: controller.signal,
          workspace: this.options.workspace ?? '.',
          reportOutput: (delta, options) => this.reportOutput(index, attempt, delta, options?.restart === true),
          reportUsage: (usage, costUsd) => this.reportUsage(index, attempt, usage, costUsd),
          reportEvent: (type, payload) => this.reportActivity(index, attempt, type, payload),
          suspendTimeout: timeout === undefined ? KEEP_TIMEOUT_RUNNING : () => timeout.suspend(),
          sendMessage: (message) => this.sendMessage(index, attempt, message),
          receivedMessages: () => this.communication.receivedBy(task),
          readShared: (key) => this.communication.read(key),
          updateShared: (key, value) => this.updateShared(index, attempt, key, value),
          reportWarning: (code, message) => this.reportWarning(index, attempt, code, message),
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
    if (!this.isCurrentAttempt(index, attempt) || (delta === '' && !restart)) return;
    if (this.controls.isAborted(index)) return;
    const task = this.tasks[index] as TaskSpec;
    this.outbox.record('task:output', { taskId: task.id, agentName: task.agentName, attempt, delta, ...(restart ? { restart } : {}) });
    this.flush();
  }

  /**
   * Spend of one model call of a running attempt; counted whether or not the attempt succeeds. Spend
   * reported after the attempt was recorded as ended (work that ignored its abort past the grace
   * period) has no event left to carry it and is not counted here; budgets still count it.
   */
  private reportUsage(index: number, attempt: number, usage: TokenUsage, costUsd: number): void {
    if (!this.isCurrentAttempt(index, attempt)) return;
    this.table.spend.addToAttempt(index, usage, costUsd);
  }

  private reportActivity<T extends ActivityEventType>(index: number, attempt: number, type: T, payload: ActivityPayload<T>): void {
    // Process exits are recorded even after the attempt ended (and a retry began): a resume must know the group is gone.
    const isCurrent = this.isCurrentAttempt(index, attempt);
    if (!isCurrent && type !== 'agent:process') return;
    const task = this.tasks[index] as TaskSpec;
    if (type === 'agent:tool' && (payload as ActivityPayload<'agent:tool'>).state === 'end') this.toolCalls++;
    this.outbox.record(type, { taskId: task.id, agentName: task.agentName, attempt, ...payload } as unknown as EventPayloads[T]);
    this.flush();
  }

  /** Aborts a running attempt; if the work ignores the signal, it is recorded as stopped after the grace period. */
  private abortAttempt(index: number, attempt: number, reason: EnsembleError): void {
    if (!this.isCurrentAttempt(index, attempt)) return;
    if (!this.controls.abort(index, reason)) return;
    this.controls.setTimer(
      index,
      this.options.clock.setTimer(this.options.config.abortGraceMs, () => {
        this.settle(index, attempt, undefined, reason);
      }),
    );
  }

  private settle(index: number, attempt: number, outcome: TaskOutcome | undefined, thrown: unknown): void {
    this.releaseSlot(index, attempt);
    if (this.isBroken || !this.isCurrentAttempt(index, attempt)) return;
    const controller = this.controls.end(index);
    this.inFlight--;
    const duration = this.table.endAttempt(index, this.options.clock.now());
    if (outcome !== undefined && controller?.signal.aborted !== true) {
      this.table.complete(index, attempt, duration, outcome, this.stopReason !== undefined);
      this.contexts.taskSucceeded(index);
    } else {
      // Work that finished after its abort still spent what its outcome says: that counts too.
      const spend = this.table.spend.takeAttempt(index, outcome);
      // An aborted attempt fails with the abort's reason, whatever the work threw on its way out.
      const reason: unknown = controller?.signal.aborted === true ? controller.signal.reason : thrown;
      if (reason !== undefined && reason === this.stopReason) this.table.cancel(index, this.stopReason, spend, attempt, duration);
      else this.fail(index, attempt, duration, toAgentError(reason), spend);
    }
    this.pump();
    this.finishIfDone();
    this.flush();
  }

  private fail(index: number, attempt: number, duration: number, error: EnsembleError, spend: TaskSpend): void {
    const task = this.tasks[index] as TaskSpec;
    // The retry policy applies afresh in each execution (a resume is a new try); attempt numbers keep counting.
    const attemptThisExecution = attempt - (this.options.prior?.attempts?.get(task.id) ?? 0);
    const policy = this.options.terminalPolicy ?? defaultTerminalPolicy;
    const failure = { task, error, attempt, attemptThisExecution, escalations: this.escalationCounts.get(task.id) ?? 0, retry: task.retry ?? this.options.config.retry, random: this.random() };
    let decision: TerminalDecision;
    try {
      decision = policy.decide(failure);
    } catch {
      // A policy that throws cannot decide: the default one does.
      decision = defaultTerminalPolicy.decide(failure);
    }
    if (decision.action !== 'fail' && this.stopReason !== undefined) {
      // It would have been retried or escalated: it did not fail for good, the stopping run ended it.
      this.table.cancel(index, this.stopReason, spend, attempt, duration);
    } else if (decision.action === 'retry') {
      this.table.retry(index, attempt, decision.delayMs, error, spend);
      this.controls.setTimer(index, this.options.clock.setTimer(decision.delayMs, () => this.retryNow(index)));
    } else if (decision.action === 'escalate') {
      this.openEscalation(index, attempt, duration, spend, decision);
    } else {
      this.table.fail(index, attempt, duration, error, spend);
    }
  }

  /** The task waits for a person: journaled, its slot already freed, the deadline (if any) set. */
  private openEscalation(index: number, attempt: number, duration: number, spend: TaskSpend, decision: Extract<TerminalDecision, { action: 'escalate' }>): void {
    const task = this.tasks[index] as TaskSpec;
    const { escalation } = decision;
    // One instant for the event and its deadline, so the deadline is exactly `deadlineMs` after the opening.
    const now = Math.round(this.options.clock.now());
    const escalationId = toEscalationId(this.options.runId, task.id, attempt);
    const deadlineAt = escalation.deadlineMs === undefined ? undefined : now + escalation.deadlineMs;
    this.table.wait(index);
    this.outbox.record('escalation:open', {
      taskId: task.id,
      agentName: task.agentName,
      attempt,
      escalationId,
      ...(decision.ticketId === undefined ? {} : { ticketId: decision.ticketId }),
      ...(decision.member === undefined ? {} : { member: decision.member }),
      triggerType: escalation.triggerType,
      reason: escalation.reason,
      context: escalation.context,
      options: escalation.options,
      priority: Math.min(10, Math.max(1, Math.round(decision.priority ?? task.priority))),
      ...(deadlineAt === undefined ? {} : { deadlineAt }),
      ...(escalation.defaultAction === undefined ? {} : { defaultAction: escalation.defaultAction }),
      duration,
      usage: spend.usage,
      costUsd: spend.costUsd,
    }, now);
    this.escalationCounts.set(task.id, (this.escalationCounts.get(task.id) ?? 0) + 1);
    this.waitOn(index, escalationId, { attempt, reason: escalation.reason, options: escalation.options, ...(deadlineAt === undefined ? {} : { deadlineAt }), ...(escalation.defaultAction === undefined ? {} : { defaultAction: escalation.defaultAction }) });
  }

  /** Keeps track of an escalation the task waits on, and sets its deadline. */
  private waitOn(index: number, escalationId: string, open: Omit<WaitingEscalation, 'index'> & { readonly deadlineAt?: number }): void {
    const { deadlineAt, ...waiting } = open;
    this.escalations.set(escalationId, { index, ...waiting });
    if (deadlineAt === undefined) return;
    const delayMs = Math.max(0, deadlineAt - this.options.clock.now());
    this.controls.setTimer(index, this.options.clock.setTimer(delayMs, () => this.expireEscalation(escalationId)));
  }

  /** Nobody answered in time: the default action is taken as the answer, or the task fails. */
  private expireEscalation(escalationId: string): void {
    const waiting = this.escalations.get(escalationId);
    if (waiting === undefined || this.isFinished) return;
    const { index } = waiting;
    this.controls.forgetTimer(index);
    if (this.status[index] !== WAITING || this.stopReason !== undefined) return;
    this.escalations.delete(escalationId);
    const task = this.tasks[index] as TaskSpec;
    const { defaultAction } = waiting;
    if (defaultAction !== undefined) {
      this.outbox.record('escalation:expired', { taskId: task.id, agentName: task.agentName, escalationId, action: 'guidance', guidance: defaultAction });
      this.addGuidance(task.id, { escalationId, reason: waiting.reason, options: waiting.options, guidance: defaultAction, isDefault: true });
      this.table.requeue(index);
      this.pump();
    } else {
      this.outbox.record('escalation:expired', { taskId: task.id, agentName: task.agentName, escalationId, action: 'fail' });
      const error = new EnsembleError('ESCALATION_EXPIRED', `escalation ${escalationId} of task "${task.id}" expired: nobody answered and it has no default action`, { details: { escalationId, taskId: task.id } });
      this.table.fail(index, waiting.attempt, 0, error, NO_SPEND);
    }
    this.finishIfDone();
    this.flush();
  }

  /** A resumed run's tasks that still wait for an answer go on waiting; their deadlines count from when they were opened. */
  private restoreWaiting(prior: SchedulerPrior): void {
    for (const [taskId, open] of prior.waiting ?? []) {
      const index = this.graph.indexById.get(taskId);
      if (index === undefined || this.status[index] !== PENDING) continue;
      this.table.wait(index);
      const { escalationId, ...rest } = open;
      this.waitOn(index, escalationId, rest);
    }
  }

  private addGuidance(taskId: string, guidance: EscalationGuidance): void {
    const list = this.guidance.get(taskId);
    if (list === undefined) this.guidance.set(taskId, [guidance]);
    else list.push(guidance);
  }

  /** The context an attempt gets, with the answers to the task's escalations after what the strategy chose. */
  private withGuidance(task: TaskSpec, context: readonly ContextEntry[]): readonly ContextEntry[] {
    const list = this.guidance.get(task.id);
    if (list === undefined || list.length === 0) return context;
    return [...context, ...list.map((guidance) => toGuidanceEntry(guidance, task.agentName, Math.ceil((guidance.reason.length + guidance.guidance.length) / 4) + 8))];
  }

  /** A retry's delay ended: the task waits for a slot again, unless the run is stopping. */
  private retryNow(index: number): void {
    this.controls.forgetTimer(index);
    if (this.status[index] !== RETRYING || this.stopReason !== undefined) return;
    this.table.requeue(index);
    this.pump();
    this.flush();
  }

  private stop(reason: EnsembleError): void {
    if (this.isFinished || this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.globalTimer?.cancel();
    this.globalTimer = undefined;
    this.queue.drain();
    for (let index = 0; index < this.taskCount; index++) {
      const state = this.status[index];
      if (state === PENDING || state === RETRYING || state === WAITING) {
        this.controls.clearTimer(index);
        this.table.cancel(index, reason, NO_SPEND);
      } else if (state === RUNNING) {
        this.abortAttempt(index, this.attempts[index]!, reason);
      }
    }
    this.finishIfDone();
    this.flush();
  }

  private finishIfDone(): void {
    if (this.isFinished || !this.table.isEveryTaskEnded) return;
    // A driver adding tasks round by round holds the run open; a stopping run ends regardless.
    if (this.holds > 0 && this.stopReason === undefined) return;
    this.isFinished = true;
    this.releaseAllSlots();
    this.globalTimer?.cancel();
    this.globalTimer = undefined;
    const { tasks, table } = this;
    const { status, attempts, durations, outputs, errors } = table;
    const { tokens, costs } = table.spend;
    const elapsedMs = (this.options.prior?.elapsedMs ?? 0) + this.options.clock.now() - this.runStartedAt;
    const outcome = buildRunOutcome(this.options.runId, { tasks, status, attempts, durations, tokens, costs, outputs, errors, toolCalls: this.toolCalls, contextTokens: this.contexts.tokensSent }, elapsedMs, this.stopReason);
    const { summary, error } = outcome;
    this.outbox.record('workflow:results', { results: outcome.results });
    if (error === undefined) this.outbox.record('workflow:complete', { status: outcome.status, summary });
    else this.outbox.record('workflow:error', { status: outcome.status, error, summary });
    this.outcome = outcome;
  }
}

function noop(): void {}

/**
 * A short id a person can type (\`escalations answer E-…\`), derived from the attempt's execution id
 * so a resume names the same escalation the same way: two 32-bit FNV-1a hashes, base 36.
 */
function toEscalationId(runId: string, taskId: string, attempt: number): string {
  const text = `${runId}:${taskId}:${attempt}`;
  let first = 0x811c9dc5;
  let second = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    first = Math.imul(first ^ code, 0x01000193) >>> 0;
    second = Math.imul(second ^ code, 0x01000193 + 0x2f) >>> 0;
  }
  return `E-${first.toString(36)}${(second & 0xffff).toString(36)}`;
}

/** What the ready queue orders by: each task's priority, then its remaining critical path. */
function readyOrderOf(graph: TaskGraph, agentMedianMs: ReadonlyMap<string, number> | undefined): { priorities: Uint8Array; criticalPaths: ArrayLike<number> } {
  const priorities = new Uint8Array(graph.tasks.length);
  for (let i = 0; i < graph.tasks.length; i++) priorities[i] = (graph.tasks[i] as TaskSpec).priority;
  return { priorities, criticalPaths: computeCriticalPath(graph, estimateTaskDurations(graph, agentMedianMs ?? new Map())) };
}

import type { SerializedError } from './errors.js';
import type { EventPayloads, RunEvent } from './events.js';
import type { RunMessage, SharedContextEntry } from './run-messages.js';
import type { TaskSpec } from './schema.js';
import type { ContextReceipt } from './task-context.js';
import type { EscalationGuidance } from './escalation.js';
import { TASK_STATUSES, type RunStatus, type RunSummary, type TaskEvidence, type TaskStatus, type TokenUsage } from './types.js';

/** How much streamed text a task keeps: enough for its last line. */
export const STREAMED_TAIL_CHARS = 400;

/** A provider wait the task's running attempt is in (from `provider:pause`). */
export interface ProviderPauseState {
  readonly provider: string;
  readonly reason: EventPayloads['provider:pause']['reason'];
  readonly waitMs: number;
  /** Epoch ms the wait began and is expected to end. */
  readonly since: number;
  readonly until: number;
  readonly error?: SerializedError;
}

/** The provider breaker state last seen by the task's attempt (from `provider:circuit`); absent once closed. */
export interface ProviderCircuitState {
  readonly provider: string;
  readonly state: 'open' | 'half-open';
  readonly failures?: number;
}

/** A process group of the task's agent that started and has not been seen to exit (from `agent:process`). */
export interface LiveProcessGroup {
  readonly attempt: number;
  readonly pid: number;
  readonly pgid: number;
  readonly host: string;
  readonly startTicks?: number;
  readonly cgroup?: string;
  /** Epoch ms it started. */
  readonly startedAt: number;
}

/** A tool call of the task's running attempt that started and has not ended (from `agent:tool`). */
export interface ActiveToolCall {
  readonly callId: string;
  /** `Read`, `Bash`, `mcp__github__create_issue`, … */
  readonly tool: string;
  /** The short input summary (`src/app.ts:1-200`, `npm test`). */
  readonly input: string;
  /** Epoch ms it started. */
  readonly startedAt: number;
}

/** The ended tool calls of one tool across a task's attempts. */
export interface ToolUsage {
  readonly tool: string;
  readonly calls: number;
  /** Calls that were refused or failed (the model saw an error). */
  readonly failedCalls: number;
}

/** One task as its events describe it. Times are epoch ms. */
export interface TaskState {
  readonly taskId: string;
  readonly agentName: string;
  readonly description: string;
  readonly dependencies: readonly string[];
  readonly priority: number;
  /** Position in the run's declaration order, from 0. */
  readonly ordinal: number;
  /** Whether a later task depends on it (the tasks nobody depends on hold a workflow's answer). */
  readonly hasDependents: boolean;
  readonly status: TaskStatus;
  /** The latest attempt started (1 for the first); keeps counting across resumes; 0 if it never started. */
  readonly attempts: number;
  /** When the latest attempt started. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Duration of the latest finished attempt, in ms. */
  readonly durationMs?: number;
  /** Spend of all its attempts: failed, retried and aborted ones included. */
  readonly usage: TokenUsage;
  /** Dollars of all its attempts. */
  readonly costUsd: number;
  readonly runtime?: string;
  readonly model?: string;
  readonly output?: string;
  readonly evidence?: TaskEvidence;
  /** The last failure (of a retried or failed attempt); cleared when the task succeeds. */
  readonly error?: SerializedError;
  /** For `skipped`: the failed task it needed. */
  readonly blockedBy?: string;
  /** For `cancelled`: a cancel, or the run's global timeout. */
  readonly cancelReason?: 'cancelled' | 'run-timeout';
  /** The end of the output the latest attempt streamed (`task:output`), at most {@link STREAMED_TAIL_CHARS}. */
  readonly streamedTail?: string;
  /** The last non-blank line of `streamedTail`, trimmed. */
  readonly lastOutputLine?: string;
  /** The provider wait the running attempt is in, if any. */
  readonly pause?: ProviderPauseState;
  /** The provider's breaker, while it is not closed. */
  readonly circuit?: ProviderCircuitState;
  /** Process groups started and not yet seen to exit: live, or orphaned if the run crashed. */
  readonly processes: readonly LiveProcessGroup[];
  /** Tool calls of the running attempt in progress, oldest first; empty once the attempt ends. */
  readonly activeToolCalls: readonly ActiveToolCall[];
  /** Tool calls that ended, over all attempts. */
  readonly toolCalls: number;
  /** Of {@link toolCalls}, those refused or failed. */
  readonly failedToolCalls: number;
  /** Ended calls per tool, in order of first use. */
  readonly toolUsage: readonly ToolUsage[];
  /** Workspace files its tool calls wrote (Write, Edit), relative to the workspace, in order of first write. */
  readonly filesWritten: readonly string[];
  /** What the run's context strategy handed its latest assembled attempt (`task:context`). */
  readonly contextReceipt?: ContextReceipt;
  /** Whether pruning shortened that context (`context:pruned`). */
  readonly contextPruned?: boolean;
  /** The escalation the task waits on (status `waiting`), until it is answered or expires. */
  readonly escalation?: TaskEscalationState;
  /** Escalations the task opened, over every execution. */
  readonly escalations: number;
  /** Answers (and defaults taken) to its escalations, in order: every later attempt gets them. */
  readonly guidance: readonly EscalationGuidance[];
  /** For a ticket's task: the ticket and the team member last assigned to it (`ticket:assigned`). */
  readonly ticketId?: string;
  readonly member?: string;
  /** Paths and globs it holds leases on (`lease:acquired` until `lease:released`). */
  readonly leases?: readonly string[];
  /** The commit of its change (`ticket:committed`). */
  readonly commit?: string;
  /** Its review (`ticket:review`), in `branches` mode. */
  readonly reviewId?: string;
}

/** An open escalation of a task (from `escalation:open`). */
export interface TaskEscalationState {
  readonly escalationId: string;
  readonly attempt: number;
  readonly triggerType: string;
  readonly reason: string;
  readonly context: string;
  readonly options: readonly string[];
  readonly priority: number;
  /** Epoch ms it was opened. */
  readonly openedAt: number;
  readonly deadlineAt?: number;
  readonly defaultAction?: string;
}

/** A `run:warning`: something that did not fail a task (a message to an unknown recipient, over a limit). */
export interface RunWarning {
  readonly code: string;
  readonly message: string;
  readonly taskId?: string;
  readonly at: number;
}

/** A run as its events describe it: what every view (CLI, store, server, dashboard) shows. */
export interface RunState {
  readonly runId: string;
  readonly workflowName: string;
  readonly workflowId?: string;
  /** Undefined until `workflow:start`; `running` until the execution ends. */
  readonly status?: RunStatus;
  readonly maxParallelAgents: number;
  /** Executions so far: 1, plus one per resume. */
  readonly executions: number;
  /** Whether the latest execution resumed an earlier one. */
  readonly isResumed: boolean;
  /** When the first execution started. */
  readonly startedAt?: number;
  /** When the latest execution started. */
  readonly executionStartedAt?: number;
  /** When the latest execution ended (`workflow:complete` / `workflow:error`). */
  readonly finishedAt?: number;
  readonly lastEventAt?: number;
  /** Seq of the last event applied; 0 before any. */
  readonly lastSeq: number;
  /** Wall time of the executions before the latest one, in ms (see {@link runElapsedMs}). */
  readonly priorElapsedMs: number;
  /** Tasks in declaration order. */
  readonly tasks: ReadonlyMap<string, TaskState>;
  /** Tasks per status. */
  readonly counts: Readonly<Record<TaskStatus, number>>;
  /** Tokens and dollars of every attempt so far, across executions. */
  readonly totalTokens: number;
  readonly totalCostUsd: number;
  /** Whether some task ran on the simulated runtime. */
  readonly usesSimulated: boolean;
  /** Tool calls that ended, over every task and execution. */
  readonly toolCalls: number;
  /** Tokens handed to tasks by the context strategy (`task:context` receipts), over every execution. */
  readonly contextTokens: number;
  /** Agent messages, in order (`agent:message` events that carry a `messageId`). */
  readonly messages: readonly RunMessage[];
  /** Every write to the shared context store, in order: its history (`context:update`). */
  readonly sharedUpdates: readonly SharedContextEntry[];
  readonly warnings: readonly RunWarning[];
  /** Tasks added to the running graph (a meeting's rounds), whole, in order: a resume rebuilds the graph with them. */
  readonly addedTasks: readonly TaskSpec[];
  /** From the latest `workflow:complete` / `workflow:error`. */
  readonly summary?: RunSummary;
  readonly error?: SerializedError;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableTask = Mutable<TaskState>;
/** What `task:complete` and `task:error` both say of the attempt that ended. */
type AttemptEnd = Pick<EventPayloads['task:error'], 'attempt' | 'duration' | 'usage' | 'costUsd'> & { readonly at: number };
interface MutableRun extends Mutable<Omit<RunState, 'tasks' | 'counts' | 'messages' | 'sharedUpdates' | 'warnings' | 'addedTasks'>> {
  readonly tasks: Map<string, MutableTask>;
  readonly counts: Record<TaskStatus, number>;
  readonly messages: RunMessage[];
  readonly sharedUpdates: SharedContextEntry[];
  readonly warnings: RunWarning[];
  readonly addedTasks: TaskSpec[];
}

/** An empty run state, to fold events into with {@link applyRunEvent}. */
export function createRunState(): RunState {
  const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
  const state: MutableRun = {
    runId: '',
    workflowName: '',
    maxParallelAgents: 0,
    executions: 0,
    isResumed: false,
    lastSeq: 0,
    priorElapsedMs: 0,
    tasks: new Map(),
    counts,
    totalTokens: 0,
    totalCostUsd: 0,
    usesSimulated: false,
    toolCalls: 0,
    contextTokens: 0,
    messages: [],
    sharedUpdates: [],
    warnings: [],
    addedTasks: [],
  };
  return state;
}

/** Folds events, in order, into `state` (a new one by default) and returns it. */
export function foldRunEvents(events: Iterable<RunEvent>, state: RunState = createRunState()): RunState {
  for (const event of events) applyRunEvent(state, event);
  return state;
}

/** Wall time of the whole run up to its last event, in ms: earlier executions plus the latest one. */
export function runElapsedMs(state: RunState): number {
  if (state.executionStartedAt === undefined || state.lastEventAt === undefined) return state.priorElapsedMs;
  return state.priorElapsedMs + Math.max(0, state.lastEventAt - state.executionStartedAt);
}

/**
 * The one reducer of run state: every view derives task and run state from it, and the store's SQL
 * projection agrees with it. It reads nothing but the state and the event (no clock, no I/O), and
 * updates `state` in place and returns it, so a 50,000-task run folds in linear time; each changed
 * task is replaced by a new object, so a view can tell changed rows by identity.
 */
export function applyRunEvent(state: RunState, event: RunEvent): RunState {
  // The one cast: the state is handed out read-only and only this reducer writes it.
  const run = state as MutableRun;
  // The earlier execution ran until its last event: a crash loses at most the time after it.
  if (event.type === 'workflow:start') run.priorElapsedMs = runElapsedMs(run);
  run.lastSeq = event.seq;
  run.lastEventAt = event.at;
  switch (event.type) {
    case 'workflow:start': {
      run.runId = event.runId;
      run.workflowName = event.workflowName;
      if (event.workflowId === undefined) delete run.workflowId;
      else run.workflowId = event.workflowId;
      run.status = 'running';
      run.maxParallelAgents = event.maxParallelAgents;
      run.executions++;
      run.isResumed = event.resumed;
      run.startedAt ??= event.at;
      run.executionStartedAt = event.at;
      delete run.finishedAt;
      delete run.summary;
      delete run.error;
      // A resumed execution runs again every task that did not succeed (until it starts, it is
      // pending), except one still waiting for a person's answer: it goes on waiting.
      if (event.resumed) {
        for (const task of run.tasks.values()) {
          if (task.status !== 'succeeded') update(run, task, { status: task.escalation === undefined ? 'pending' : 'waiting' });
        }
      }
      break;
    }
    case 'task:added': {
      const existing = run.tasks.get(event.taskId);
      const task = existing ?? newTask(run, event.taskId, event.agentName);
      update(run, task, { description: event.description, dependencies: event.dependencies, priority: event.priority });
      if (event.task !== undefined && existing === undefined) run.addedTasks.push(event.task);
      for (const dependency of event.dependencies) {
        const needed = run.tasks.get(dependency);
        if (needed !== undefined && !needed.hasDependents) update(run, needed, { hasDependents: true });
      }
      break;
    }
    case 'task:start': {
      const task = taskOf(run, event);
      const next = update(run, task, { status: 'running', attempts: event.attempt, startedAt: event.at, activeToolCalls: [] });
      clear(next, 'finishedAt', 'durationMs', 'streamedTail', 'lastOutputLine', 'pause', 'blockedBy', 'cancelReason');
      break;
    }
    case 'agent:invoke': {
      if (event.runtime === 'simulated') run.usesSimulated = true;
      update(run, taskOf(run, event), { runtime: event.runtime, model: event.model });
      break;
    }
    case 'task:output': {
      const task = taskOf(run, event);
      const tail = (event.restart === true ? event.delta : (task.streamedTail ?? '') + event.delta).slice(-STREAMED_TAIL_CHARS);
      const next = update(run, task, { streamedTail: tail });
      const line = lastLine(tail);
      if (line === undefined) clear(next, 'lastOutputLine');
      else next.lastOutputLine = line;
      clear(next, 'pause');
      break;
    }
    case 'provider:pause': {
      const { provider, reason, waitMs } = event;
      const pause: ProviderPauseState = { provider, reason, waitMs, since: event.at, until: event.at + waitMs, ...(event.error === undefined ? {} : { error: event.error }) };
      update(run, taskOf(run, event), { pause });
      break;
    }
    case 'provider:circuit': {
      const task = taskOf(run, event);
      if (event.state === 'closed') {
        clear(update(run, task, {}), 'circuit', 'pause');
      } else {
        const circuit: ProviderCircuitState = { provider: event.provider, state: event.state, ...(event.failures === undefined ? {} : { failures: event.failures }) };
        update(run, task, { circuit });
      }
      break;
    }
    case 'agent:process': {
      const task = taskOf(run, event);
      const others = task.processes.filter((group) => group.pgid !== event.pgid || group.host !== event.host);
      if (event.state === 'exited') {
        update(run, task, { processes: others });
      } else {
        const { attempt, pid, pgid, host } = event;
        const group: LiveProcessGroup = {
          attempt,
          pid,
          pgid,
          host,
          ...(event.startTicks === undefined ? {} : { startTicks: event.startTicks }),
          ...(event.cgroup === undefined ? {} : { cgroup: event.cgroup }),
          startedAt: event.at,
        };
        update(run, task, { processes: [...others, group] });
      }
      break;
    }
    case 'agent:tool': {
      applyToolEvent(run, taskOf(run, event), event);
      break;
    }
    case 'task:retry': {
      const task = taskOf(run, event);
      const next = update(run, task, { status: 'retrying', attempts: event.attempt, error: event.error, activeToolCalls: [], ...addSpend(run, task, event) });
      clear(next, 'pause', 'circuit');
      break;
    }
    case 'task:complete': {
      const next = endAttempt(run, taskOf(run, event), event, { status: 'succeeded', output: event.output });
      if (event.model !== undefined) next.model = event.model;
      if (event.evidence === undefined) clear(next, 'evidence');
      else next.evidence = event.evidence;
      clear(next, 'error');
      break;
    }
    case 'task:error': {
      endAttempt(run, taskOf(run, event), event, { status: 'failed', error: event.error });
      break;
    }
    case 'task:skipped': {
      const next = update(run, taskOf(run, event), { status: 'skipped', finishedAt: event.at, activeToolCalls: [] });
      if (event.blockedBy !== undefined) next.blockedBy = event.blockedBy;
      break;
    }
    case 'task:cancelled': {
      const task = taskOf(run, event);
      const next = update(run, task, { status: 'cancelled', cancelReason: event.reason, finishedAt: event.at, activeToolCalls: [], ...addSpend(run, task, event) });
      if (event.attempt !== undefined) next.attempts = event.attempt;
      // An open escalation outlives a cancel or a crash: it can still be answered, and a resume waits on it again.
      if (event.duration !== undefined) next.durationMs = event.duration;
      clear(next, 'pause', 'circuit');
      break;
    }
    case 'workflow:complete':
    case 'workflow:error':
      run.status = event.status;
      run.summary = event.summary;
      run.finishedAt = event.at;
      if (event.type === 'workflow:error') run.error = event.error;
      else delete run.error;
      break;
    case 'agent:message': {
      if (event.messageId === undefined) break;
      const { messageId, runId, taskId, from, to, messageType, content, inReplyTo, at } = event;
      run.messages.push({ messageId, runId, taskId, from, to, messageType, content, ...(inReplyTo === undefined ? {} : { inReplyTo }), at });
      break;
    }
    case 'context:update': {
      const { key, value, version, agentName, taskId, at } = event;
      run.sharedUpdates.push({ key, value, version, agentName, taskId, at });
      break;
    }
    case 'task:context': {
      const task = run.tasks.get(event.taskId);
      if (task !== undefined) clear(update(run, task, { contextReceipt: event.receipt }), 'contextPruned');
      run.contextTokens += event.receipt.tokens;
      break;
    }
    case 'context:pruned': {
      const task = run.tasks.get(event.taskId);
      if (task !== undefined) update(run, task, { contextPruned: true });
      break;
    }
    case 'escalation:open': {
      const task = taskOf(run, event);
      const { escalationId, attempt, triggerType, reason, context, options, priority, deadlineAt, defaultAction } = event;
      const escalation: TaskEscalationState = {
        escalationId,
        attempt,
        triggerType,
        reason,
        context,
        options,
        priority,
        openedAt: event.at,
        ...(deadlineAt === undefined ? {} : { deadlineAt }),
        ...(defaultAction === undefined ? {} : { defaultAction }),
      };
      const next = update(run, task, { status: 'waiting', escalation, escalations: task.escalations + 1, attempts: attempt, durationMs: event.duration, activeToolCalls: [], ...addSpend(run, task, event) });
      clear(next, 'pause', 'circuit');
      break;
    }
    case 'escalation:answered':
    case 'escalation:expired': {
      const task = taskOf(run, event);
      const open = task.escalation;
      const guidanceText = event.type === 'escalation:answered' ? event.guidance : event.guidance;
      const guidance =
        guidanceText === undefined || open === undefined
          ? task.guidance
          : [...task.guidance, { escalationId: event.escalationId, reason: open.reason, options: open.options, guidance: guidanceText, isDefault: event.type === 'escalation:expired' }];
      // Answered (or a default taken): the task waits for a slot again; a failed expiry is followed by its task:error.
      const next = update(run, task, { guidance, ...(task.status === 'waiting' && guidanceText !== undefined ? { status: 'pending' as const } : {}) });
      clear(next, 'escalation');
      break;
    }
    case 'ticket:assigned':
      update(run, taskOf(run, event), { ticketId: event.ticketId, member: event.member });
      break;
    case 'ticket:committed':
      update(run, taskOf(run, event), { ticketId: event.ticketId, commit: event.commit });
      break;
    case 'ticket:review':
      update(run, taskOf(run, event), { ticketId: event.ticketId, reviewId: event.reviewId });
      break;
    case 'lease:acquired': {
      const task = taskOf(run, event);
      const held = task.leases ?? [];
      update(run, task, { leases: [...held, ...event.paths.filter((path) => !held.includes(path))] });
      break;
    }
    case 'lease:released': {
      const task = taskOf(run, event);
      const remaining = (task.leases ?? []).filter((path) => !event.paths.includes(path));
      const next = update(run, task, {});
      if (remaining.length === 0) clear(next, 'leases');
      else next.leases = remaining;
      break;
    }
    case 'run:warning':
      run.warnings.push({ code: event.code, message: event.message, ...(event.taskId === undefined ? {} : { taskId: event.taskId }), at: event.at });
      break;
    default:
      // wave:*, workflow:results change no state.
      break;
  }
  return state;
}

function newTask(run: MutableRun, taskId: string, agentName: string): MutableTask {
  const task: MutableTask = {
    taskId,
    agentName,
    description: '',
    dependencies: [],
    priority: 5,
    ordinal: run.tasks.size,
    hasDependents: false,
    status: 'pending',
    attempts: 0,
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    costUsd: 0,
    processes: [],
    activeToolCalls: [],
    toolCalls: 0,
    failedToolCalls: 0,
    toolUsage: [],
    filesWritten: [],
    escalations: 0,
    guidance: [],
  };
  run.tasks.set(taskId, task);
  run.counts.pending++;
  return task;
}

/** The task an event names; a task the run never announced (a journal cut short) is added on first sight. */
function taskOf(run: MutableRun, event: { readonly taskId: string; readonly agentName: string }): MutableTask {
  return run.tasks.get(event.taskId) ?? newTask(run, event.taskId, event.agentName);
}

/** Replaces the task by a copy with `changes`, keeping the status counts right; returns the copy. */
function update(run: MutableRun, task: MutableTask, changes: Partial<MutableTask>): MutableTask {
  const next: MutableTask = { ...task, ...changes };
  if (next.status !== task.status) {
    run.counts[task.status]--;
    run.counts[next.status]++;
  }
  run.tasks.set(task.taskId, next);
  return next;
}

function clear(task: MutableTask, ...keys: readonly (keyof MutableTask)[]): void {
  for (const key of keys) delete task[key];
}

/** The attempt that ends the task (`task:complete`, `task:error`): its number, duration, end and spend; no provider wait is left. */
function endAttempt(run: MutableRun, task: MutableTask, event: AttemptEnd, changes: Pick<MutableTask, 'status'> & Partial<MutableTask>): MutableTask {
  const next = update(run, task, { ...changes, attempts: event.attempt, durationMs: event.duration, finishedAt: event.at, activeToolCalls: [], ...addSpend(run, task, event) });
  clear(next, 'pause', 'circuit');
  return next;
}

/**
 * A tool call starts (it becomes the task's current call, if it belongs to the running attempt) or
 * ends (it leaves the active calls and is counted, per tool, with the files it wrote). An end is
 * counted even for an earlier attempt: the call happened.
 */
function applyToolEvent(run: MutableRun, task: MutableTask, event: EventPayloads['agent:tool'] & { readonly at: number }): void {
  const others = task.activeToolCalls.filter((call) => call.callId !== event.callId);
  if (event.state === 'start') {
    if (event.attempt !== task.attempts || task.status !== 'running') return;
    update(run, task, { activeToolCalls: [...others, { callId: event.callId, tool: event.tool, input: event.input, startedAt: event.at }] });
    return;
  }
  const failed = event.ok === false ? 1 : 0;
  run.toolCalls++;
  const known = task.toolUsage.some((usage) => usage.tool === event.tool);
  const toolUsage = known
    ? task.toolUsage.map((usage) => (usage.tool === event.tool ? { tool: usage.tool, calls: usage.calls + 1, failedCalls: usage.failedCalls + failed } : usage))
    : [...task.toolUsage, { tool: event.tool, calls: 1, failedCalls: failed }];
  const newFiles = (event.files ?? []).filter((file, index, files) => !task.filesWritten.includes(file) && files.indexOf(file) === index);
  update(run, task, {
    activeToolCalls: others.length === task.activeToolCalls.length ? task.activeToolCalls : others,
    toolCalls: task.toolCalls + 1,
    failedToolCalls: task.failedToolCalls + failed,
    toolUsage,
    ...(newFiles.length === 0 ? {} : { filesWritten: [...task.filesWritten, ...newFiles] }),
  });
}

/** The task's totals with one attempt's spend added, also counted in the run's totals. */
function addSpend(run: MutableRun, task: MutableTask, event: { readonly usage: TokenUsage; readonly costUsd: number }): Pick<MutableTask, 'usage' | 'costUsd'> {
  const { usage } = event;
  run.totalTokens += usage.totalTokens;
  run.totalCostUsd += event.costUsd;
  return {
    usage: {
      inputTokens: task.usage.inputTokens + usage.inputTokens,
      outputTokens: task.usage.outputTokens + usage.outputTokens,
      totalTokens: task.usage.totalTokens + usage.totalTokens,
    },
    costUsd: task.costUsd + event.costUsd,
  };
}

/** The last non-blank line of streamed text, trimmed. */
function lastLine(text: string): string | undefined {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1);
    const line = text.slice(start + 1, end).trim();
    if (line !== '') return line;
    if (start < 0) return undefined;
    end = start;
  }
  return undefined;
}

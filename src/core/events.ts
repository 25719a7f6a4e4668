import type { SerializedError } from './errors.js';
import type { CachedResultSource, RunStatus, RunSummary, TaskEvidence, TaskResult, TokenUsage } from './types.js';
import type { PermissionCeiling, TaskSpec } from './schema.js';
import type { MessageType } from './run-messages.js';
import type { ContextReceipt, PruneReport } from './task-context.js';

/** A merge check's verdict for one branch against `against` (`main` or another open branch). */
export interface ConflictPrediction {
  readonly against: string;
  readonly clean: boolean;
  /** Files that would conflict (empty when clean). */
  readonly files: readonly string[];
}

/** Payload of each event type; the envelope (`type`, `runId`, `seq`, `at`) is added by {@link RunEvent}. */
export interface EventPayloads {
  'workflow:start': {
    readonly workflowName: string;
    readonly workflowId?: string;
    readonly taskCount: number;
    readonly maxParallelAgents: number;
    /** The run's permission ceiling (absent in runs journaled before it existed). */
    readonly permissions?: PermissionCeiling;
    /** True when this execution resumes an earlier, unfinished one. */
    readonly resumed: boolean;
    /** Tasks that already succeeded in an earlier execution and will not run again. */
    readonly completedTaskCount: number;
  };
  'task:added': {
    readonly taskId: string;
    readonly agentName: string;
    readonly description: string;
    readonly dependencies: readonly string[];
    readonly priority: number;
    /**
     * The whole task, for a task added to the running graph (a meeting's next round): a resume
     * rebuilds the graph from the run's tasks plus these. Absent for the tasks the run started with.
     */
    readonly task?: TaskSpec;
  };
  'task:start': {
    readonly taskId: string;
    readonly agentName: string;
    readonly description: string;
    /** 1 for the first attempt. */
    readonly attempt: number;
  };
  'agent:invoke': {
    readonly taskId: string;
    readonly agentName: string;
    readonly model: string;
    readonly runtime: string;
    readonly attempt: number;
  };
  /** A message one agent sent (the sending task's `taskId`/`agentName`); `to` is an agent name, a task id or `*`. */
  'agent:message': {
    readonly taskId: string;
    readonly agentName: string;
    readonly from: string;
    readonly to: string;
    readonly messageType: MessageType;
    readonly content: string;
    /** Unique in the run (absent in journals written before messages were delivered). */
    readonly messageId?: string;
    /** The sending attempt. */
    readonly attempt?: number;
    /** For a `response`: the request's `messageId`. */
    readonly inReplyTo?: string;
  };
  /** What the run's context strategy handed an attempt besides its prompt (texts are named by key, not copied). */
  'task:context': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
    readonly receipt: ContextReceipt;
  };
  /** Pruning shortened an attempt's context to fit the run's `pruningThreshold`. */
  'context:pruned': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
  } & PruneReport;
  /** A write to the run's shared context store; these events are the store's history. */
  'context:update': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
    readonly key: string;
    readonly value: string;
    readonly version: number;
  };
  /** Something went wrong that does not fail a task: a message to an unknown recipient, over a limit. */
  'run:warning': {
    readonly code: RunWarningCode;
    readonly message: string;
    readonly taskId?: string;
    readonly agentName?: string;
  };
  /** Partial output of a running attempt, as a model or process streams it (coalesced by the runtime). */
  'task:output': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
    readonly delta: string;
    /** The attempt's model call was retried: drop the partial output reported so far; this delta starts over. */
    readonly restart?: boolean;
  };
  'task:retry': {
    readonly taskId: string;
    readonly agentName: string;
    /** The attempt that failed. */
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: SerializedError;
    /** What the failed attempt spent (its model calls count, although it failed). */
    readonly usage: TokenUsage;
    /** Dollars the failed attempt spent. */
    readonly costUsd: number;
  };
  'task:complete': {
    readonly taskId: string;
    readonly agentName: string;
    /** Duration of the successful attempt, in ms. */
    readonly duration: number;
    /** Tokens of the successful attempt (`usage.totalTokens`); earlier attempts' are on their `task:retry`. */
    readonly tokensUsed: number;
    /** Spend of the successful attempt. */
    readonly usage: TokenUsage;
    /** Dollars of the successful attempt. */
    readonly costUsd: number;
    readonly model?: string;
    readonly attempt: number;
    readonly output: string;
    readonly evidence?: TaskEvidence;
    /** The output was reused from the result cache (no model was called, no tokens spent). */
    readonly cached?: true;
    /** Where a cached output came from: the finished task whose output this one reused. */
    readonly cachedFrom?: CachedResultSource;
  };
  'task:error': {
    readonly taskId: string;
    readonly agentName: string;
    readonly duration: number;
    readonly attempt: number;
    readonly error: SerializedError;
    /** What the last attempt spent. */
    readonly usage: TokenUsage;
    /** Dollars the last attempt spent. */
    readonly costUsd: number;
  };
  /** A dependency failed, so the task never ran. */
  'task:skipped': {
    readonly taskId: string;
    readonly agentName: string;
    /** Always `dependency-failed` since `task:cancelled` exists; journals written before it may hold the other two. */
    readonly reason: 'dependency-failed' | 'cancelled' | 'run-timeout';
    /** The failed task that made this one impossible, for `dependency-failed`. */
    readonly blockedBy?: string;
  };
  /**
   * The run was cancelled or hit its global timeout before the task finished. A running attempt was
   * aborted (`attempt`, `duration`, and what it spent are given); a task never launched carries none.
   */
  'task:cancelled': {
    readonly taskId: string;
    readonly agentName: string;
    readonly reason: 'cancelled' | 'run-timeout';
    /** The aborted attempt, when one was running. */
    readonly attempt?: number;
    /** How long the aborted attempt ran, in ms. */
    readonly duration?: number;
    /** What the aborted attempt spent (zero when none was running). */
    readonly usage: TokenUsage;
    readonly costUsd: number;
  };
  /**
   * One tool call of a tool-using agent, journaled when it ends (`state: 'end'`); `state: 'start'`
   * announces it (so a view can show what a running task is doing) and carries no result fields.
   */
  'agent:tool': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
    /** The model's id of the call, unique within the attempt. */
    readonly callId: string;
    /** `Read`, `Bash`, `mcp__github__create_issue`, … */
    readonly tool: string;
    readonly state: 'start' | 'end';
    /** A short, single-line summary of the input (`src/app.ts:1-200`, `npm test`), at most 200 characters. */
    readonly input: string;
    /** end: whether the tool succeeded (a refused or failed call is `false`; the model sees the error). */
    readonly ok?: boolean;
    /** end: size of the result handed back to the model, in characters. */
    readonly resultChars?: number;
    /** end: wall time of the call, in ms. */
    readonly durationMs?: number;
    /** end, when not ok: the error the model was shown, shortened. */
    readonly error?: string;
    /** end: the workspace files the call wrote (Write, Edit), relative to the workspace. */
    readonly files?: readonly string[];
  };
  /** A caller of a provider waits: rate limited (retry-after), backing off after a transient failure, or held by an open circuit. */
  'provider:pause': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
    readonly provider: string;
    readonly reason: 'rate-limited' | 'backoff' | 'circuit-open' | 'queued';
    /** How long the wait is expected to last, in ms. */
    readonly waitMs: number;
    /** The error that caused the wait, if any (message names the provider and status). */
    readonly error?: SerializedError;
  };
  /** The provider's circuit breaker changed state, as seen by this attempt. */
  'provider:circuit': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
    readonly provider: string;
    readonly state: 'open' | 'half-open' | 'closed';
    /** Consecutive failures that opened it. */
    readonly failures?: number;
  };
  /**
   * A process agent's process group started or ended. Journaled so that, after a crash, a resume
   * can kill the leftover group (same host) or wait for it before the task runs again.
   */
  'agent:process': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
    readonly state: 'started' | 'exited';
    readonly pid: number;
    /** Process group id (the agent is its group's leader). */
    readonly pgid: number;
    readonly host: string;
    /** Process start time, in clock ticks since boot (/proc/<pid>/stat field 22), to tell a reused pid apart. */
    readonly startTicks?: number;
    /** cgroup path of the agent when one was created. */
    readonly cgroup?: string;
  };
  /** The task escalated to a person and waits (status `waiting`, no slot held) for the answer. */
  'escalation:open': {
    readonly taskId: string;
    readonly agentName: string;
    /** The attempt that escalated. */
    readonly attempt: number;
    /** Unique in the journal file: the id `escalations answer` takes. */
    readonly escalationId: string;
    readonly ticketId?: string;
    /** The team member that worked the ticket. */
    readonly member?: string;
    readonly triggerType: string;
    readonly reason: string;
    readonly context: string;
    readonly options: readonly string[];
    /** 1-10, from the ticket's (or task's) priority; raised while it waits. */
    readonly priority: number;
    /** Epoch ms the deadline passes, when there is one. */
    readonly deadlineAt?: number;
    /** Guidance taken when the deadline passes unanswered. */
    readonly defaultAction?: string;
    /** How long the escalating attempt ran, in ms, and what it spent. */
    readonly duration: number;
    readonly usage: TokenUsage;
    readonly costUsd: number;
  };
  /** A person answered: the task is queued again and its next attempt gets the guidance. */
  'escalation:answered': {
    readonly taskId: string;
    readonly agentName: string;
    readonly escalationId: string;
    readonly guidance: string;
    readonly answeredBy?: string;
  };
  /** Nobody answered in time: the default action is taken as guidance, or the task fails. */
  'escalation:expired': {
    readonly taskId: string;
    readonly agentName: string;
    readonly escalationId: string;
    readonly action: 'guidance' | 'fail';
    readonly guidance?: string;
  };
  /** A ticket's task was admitted and given to a team member; `reason` names each criterion of the choice. */
  'ticket:assigned': {
    readonly taskId: string;
    readonly agentName: string;
    readonly ticketId: string;
    readonly member: string;
    readonly attempt: number;
    readonly reason: string;
  };
  /** A ready ticket could not start yet (overlap with work in progress, a leased file, no free member). */
  'ticket:deferred': {
    readonly taskId: string;
    readonly agentName: string;
    readonly ticketId: string;
    readonly reason: string;
  };
  /** The ticket's change was committed (`queue`/`locks` on the workspace's branch, `branches` on its own). */
  'ticket:committed': {
    readonly taskId: string;
    readonly agentName: string;
    readonly ticketId: string;
    readonly commit: string;
    readonly files: readonly string[];
  };
  /** The ticket's branch entered the review queue, with its predicted conflicts. */
  'ticket:review': {
    readonly taskId: string;
    readonly agentName: string;
    readonly ticketId: string;
    readonly reviewId: string;
    readonly branch: string;
    readonly conflicts: readonly ConflictPrediction[];
  };
  /** The ticket was flagged (escalated repeatedly: `complex`, a person must look). */
  'ticket:flagged': {
    readonly taskId: string;
    readonly agentName: string;
    readonly ticketId: string;
    readonly flag: 'complex';
    readonly reason: string;
  };
  /** tmux mode: the orchestrator checked in on the member working the ticket (the end of its window, as a person would see it). */
  'ticket:checkin': {
    readonly taskId: string;
    readonly agentName: string;
    readonly ticketId: string;
    readonly member: string;
    /** The last lines of the member's window, at most 2,000 characters. */
    readonly pane: string;
  };
  /** Leases on paths or globs were granted to a ticket's task (`locks` mode). */
  'lease:acquired': {
    readonly taskId: string;
    readonly agentName: string;
    readonly ticketId?: string;
    readonly owner: string;
    readonly paths: readonly string[];
    /** Epoch ms; renewed while the agent runs. */
    readonly expiresAt: number;
  };
  'lease:released': {
    readonly taskId: string;
    readonly agentName: string;
    readonly ticketId?: string;
    readonly owner: string;
    readonly paths: readonly string[];
    readonly reason: 'commit' | 'failed' | 'cancelled' | 'review' | 'waiting';
  };
  /** A tool call (or a process agent's change) touched a path the task holds no lease on, and was refused. */
  'lease:refused': {
    readonly taskId: string;
    readonly agentName: string;
    readonly attempt: number;
    readonly ticketId?: string;
    /** `Write`, `Edit`, `Bash`, or `commit` for a process agent's change. */
    readonly tool: string;
    readonly path: string;
    /** The owner holding it, when another one does. */
    readonly holder?: string;
  };
  /**
   * The host's load changed how many process agents (`cli`, `command`) may run at once in this
   * process: what was measured and the new limit. Starts past the limit wait (the task stays
   * ready); running agents are never stopped for it.
   */
  'resources:pressure': {
    /** Host CPU utilisation over the last sample, 0-100 (all cores together). */
    readonly cpuPercent: number;
    /** The 1-minute load average. */
    readonly loadAverage: number;
    /** Memory the host can still give (MemAvailable), in MB (MiB). */
    readonly memoryAvailableMb: number;
    readonly memoryTotalMb: number;
    /** Process agents that may run at once, now and before this decision. */
    readonly limit: number;
    readonly previousLimit: number;
    readonly reason: PressureReason;
    /** Process agents running in this process (every run) when it was decided. */
    readonly running: number;
    /** Ready tasks of this run held back for a process slot when it was journaled. */
    readonly held: number;
  };
  'wave:start': { readonly wave: number; readonly taskCount: number };
  'wave:complete': { readonly wave: number; readonly taskCount: number };
  'workflow:results': { readonly results: readonly TaskResult[] };
  'workflow:complete': { readonly status: RunStatus; readonly summary: RunSummary };
  'workflow:error': { readonly status: RunStatus; readonly error: SerializedError; readonly summary: RunSummary };
}

export type RunEventType = keyof EventPayloads;

/** Why a `run:warning` was raised. */
export type RunWarningCode = 'MESSAGE_UNKNOWN_RECIPIENT' | 'MESSAGE_LIMIT' | 'MESSAGES_DISABLED' | 'MESSAGE_MALFORMED' | 'CONTEXT_UPDATE_LIMIT' | 'RESOURCES_LIMITED';

/**
 * Why the process-agent limit changed: CPU above the target band, available memory under the floor
 * (or too little above it for another agent's memory limit), or the host back below the band.
 */
export type PressureReason = 'cpu-above-target' | 'memory-below-floor' | 'memory-ceiling' | 'below-band';


export const RUN_EVENT_TYPES = [
  'workflow:start',
  'task:added',
  'task:start',
  'agent:invoke',
  'agent:message',
  'task:context',
  'context:pruned',
  'context:update',
  'run:warning',
  'task:output',
  'provider:pause',
  'provider:circuit',
  'agent:process',
  'agent:tool',
  'task:retry',
  'task:complete',
  'task:error',
  'task:skipped',
  'task:cancelled',
  'escalation:open',
  'escalation:answered',
  'escalation:expired',
  'ticket:assigned',
  'ticket:deferred',
  'ticket:committed',
  'ticket:review',
  'ticket:flagged',
  'ticket:checkin',
  'lease:acquired',
  'lease:released',
  'lease:refused',
  'resources:pressure',
  'wave:start',
  'wave:complete',
  'workflow:results',
  'workflow:complete',
  'workflow:error',
] as const satisfies readonly RunEventType[];

export interface EventEnvelope<T extends RunEventType> {
  readonly type: T;
  readonly runId: string;
  /** Increases by one per event of a run, starting at 1. */
  readonly seq: number;
  /** Epoch ms. */
  readonly at: number;
}

export type RunEventOf<T extends RunEventType> = EventEnvelope<T> & EventPayloads[T];

/** The one event stream of ensemble: journal rows, CLI NDJSON and SSE frames all carry this shape. */
export type RunEvent = { [T in RunEventType]: RunEventOf<T> }[RunEventType];

/** Events after which a run has ended (for this execution). */
export function isRunEndEvent(event: RunEvent): boolean {
  return event.type === 'workflow:complete' || event.type === 'workflow:error';
}

/** The one serializer of events: journal rows, NDJSON lines and SSE `data:` frames use it. */
export function toEventJson(event: RunEvent): string {
  return JSON.stringify(event);
}

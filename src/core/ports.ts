import type { BudgetCharge, BudgetScope } from './budget-ledger.js';
import type { EventPayloads, RunEvent } from './events.js';
import type { PermissionCeiling, RetryPolicy, TaskSpec } from './schema.js';
import type { EnsembleError } from './errors.js';
import type { EscalationRequest } from './escalation.js';
import type { DependencyOutput, TaskOutcome, TokenUsage } from './types.js';
import type { OutgoingMessage, RunMessage, SharedContextEntry } from './run-messages.js';
import type { ContextEntry, ContextRequest, TaskContext } from './task-context.js';

/** Time source. Core never reads the system clock or sets timers itself, so tests can drive time. */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Calls `callback` once after `delayMs`; the handle cancels it. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
}

/**
 * Durable, ordered record of a run's events. `append` returns only once the events are
 * durable: the scheduler announces nothing it has not journaled.
 */
export interface Journal {
  append(events: readonly RunEvent[]): void;
}

/** One attempt of one task, as handed to whatever executes it (in process or on a worker). */
export interface TaskRequest {
  readonly runId: string;
  readonly task: TaskSpec;
  /** 1 for the first attempt; attempts keep counting across resumes of the run. */
  readonly attempt: number;
  /**
   * `<runId>:<taskId>:<attempt>`, unique across resumes (attempts keep counting), so a queue job id
   * or a lease owner never collides with an earlier execution.
   */
  readonly executionId: string;
  /** Outputs of the task's direct dependencies, in declaration order (trimmed only when they alone pass the pruning threshold). */
  readonly inputs: readonly DependencyOutput[];
  /**
   * The rest of what the run's context strategy hands the task: other tasks' outputs (whole,
   * trimmed or summarised), agent messages for it, shared context entries. Empty under `isolated`
   * when no message was sent to it.
   */
  readonly context: readonly ContextEntry[];
  /** The run's permission ceiling: what the agent may do to the workspace. */
  readonly permissions: PermissionCeiling;
}

/**
 * Receives streamed partial output of a running attempt. `restart` says the output reported
 * so far is void (the call behind it was retried) and this delta starts over.
 */
export type OutputReporter = (delta: string, options?: { readonly restart?: boolean }) => void;

/** How a task will be executed, announced in `agent:invoke`. */
export interface InvocationInfo {
  readonly model: string;
  readonly runtime: string;
}

/** Events an attempt may announce while it runs; the scheduler adds `taskId`, `agentName` and `attempt`. */
export type ActivityEventType = 'provider:pause' | 'provider:circuit' | 'agent:process' | 'agent:tool' | 'lease:refused';

/** Announces one activity event of the running attempt (journaled before it is emitted). */
export type ActivityReporter = <T extends ActivityEventType>(type: T, payload: ActivityPayload<T>) => void;

/** The payload of an activity event, without the ids the scheduler fills in. */
export type ActivityPayload<T extends ActivityEventType> = Omit<EventPayloads[T], 'taskId' | 'agentName' | 'attempt'>;

/** What one attempt is given besides its request. */
export interface DispatchContext {
  /** Aborts on the task's timeout, a cancel or the run's timeout; the reason is an EnsembleError. */
  readonly signal: AbortSignal;
  /** The folder the task works in (process agents' cwd, the root of file tools). */
  readonly workspace: string;
  /** Streams partial output into `task:output` events; call it sparingly (every event is journaled), e.g. at most every 250 ms. */
  readonly reportOutput: OutputReporter;
  /**
   * Reports the spend of one model call as it settles, whether the call succeeded, failed or was
   * aborted; the scheduler sums it per attempt and per task, so failed and retried attempts count.
   * A runtime that reports spend this way must not also return it in the outcome's `usage`.
   */
  readonly reportUsage: (usage: TokenUsage, costUsd: number) => void;
  /** Announces provider waits, breaker changes and process groups of this attempt. */
  readonly reportEvent: ActivityReporter;
  /**
   * Stops the task's timeout clock while the attempt waits in a queue that is not its own work
   * (a provider's concurrency limit); call the returned function when the wait ends. The clock then
   * runs on with the time that was left.
   */
  readonly suspendTimeout: () => () => void;
  /**
   * Sends an agent message from this attempt: the scheduler gives it an id, checks the per-task
   * limits and the recipient, journals it (`agent:message`) and publishes it on the run's bus. A
   * refused message (unknown recipient, over a limit) is journaled as a `run:warning` and returned
   * as `{ok: false, reason}` for the agent to see; it never fails the task.
   */
  readonly sendMessage: (message: OutgoingMessage) => SendMessageResult;
  /** Messages of the run this task receives (to its id, its agent, or `*`; none it sent itself), journaled so far, in order. */
  readonly receivedMessages: () => readonly RunMessage[];
  /** The run's shared context store: the latest value of a key, or undefined. */
  readonly readShared: (key: string) => SharedContextEntry | undefined;
  /** Writes a key of the shared context store (journaled as `context:update`, so the history says who changed what). */
  readonly updateShared: (key: string, value: string) => SharedContextEntry;
  /** Journals a `run:warning` of this attempt (a malformed `<AGENT_MESSAGE>` in its output): a problem that does not fail the task. */
  readonly reportWarning: (code: 'MESSAGE_MALFORMED', message: string) => void;
  /**
   * The task's file leases (`locks` mode of a ticket run): file tools check a write against them and
   * refuse it, with a message the model sees, when the task does not hold the path. Absent: no leases apply.
   */
  readonly leases?: LeaseGuard;
  /** The team member working the attempt (a ticket run): names its tmux window. @default the agent's name */
  readonly member?: string;
}

/**
 * What a running task may write under file leases, and how it asks for more. Async: the lease table
 * may live in another process (Redis with `--redis`), and every answer reads it, so a lease granted
 * or released elsewhere counts at once.
 */
export interface LeaseGuard {
  /**
   * Whether the task may write these workspace-relative POSIX paths: ok, or a refusal naming the
   * path and (when another task holds it) the holder, for the model to read.
   */
  checkWrite(paths: readonly string[]): Promise<LeaseCheck>;
  /** Asks for leases on more paths or globs: granted unless another owner holds an overlapping one. */
  request(patterns: readonly string[]): Promise<LeaseCheck>;
  /** The paths and globs the task holds, as the guard last saw them (sync: no round trip to the table). */
  held(): readonly string[];
}

/** A lease check's answer. */
export type LeaseCheck = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly path?: string; readonly holder?: string };

/** Journals a ticket or lease event of one task (the scheduler adds the envelope). */
export type TaskEventRecorder = <T extends TaskEventType>(type: T, payload: Omit<EventPayloads[T], 'taskId' | 'agentName'>) => void;

/** Events a codebase driver records about a task outside its attempts. */
export type TaskEventType = 'ticket:assigned' | 'ticket:deferred' | 'ticket:committed' | 'ticket:review' | 'ticket:flagged' | 'ticket:checkin' | 'lease:acquired' | 'lease:released';

/**
 * Decides, just before a ready task would start, whether it may start now (file leases, a free team
 * member, quotas). A refused task stays ready and is asked again whenever a slot frees or
 * `recheckAdmission()` is called. Synchronous: it runs inside the scheduler's step.
 */
export interface AdmissionCheck {
  admit(candidate: AdmissionCandidate): AdmissionDecision;
}

export interface AdmissionCandidate {
  readonly task: TaskSpec;
  /** The attempt it would start (attempts count across resumes). */
  readonly attempt: number;
  /** Journals ticket/lease events of this task (a `ticket:assigned` with its reason, `lease:acquired`). */
  readonly record: TaskEventRecorder;
}

/**
 * Host slots for process agents, shared by every run of the process: a ready task that runs as a
 * host process (`cli`, `command`) starts only with a slot, and stays ready until one is free. The
 * scheduler releases the slot when the attempt ends, whatever its outcome. Implemented over
 * {@link ProcessSlots}, whose limit the pressure monitor moves.
 */
export interface ProcessSlotGate {
  /** Whether the task would run as a process on this host (so it needs a slot). */
  needsSlot(task: TaskSpec): boolean;
  tryAcquire(): boolean;
  release(): void;
  /** Calls `listener` when a slot may have become free; returns the unsubscribe. */
  onAvailable(listener: () => void): () => void;
}

export type AdmissionDecision = { readonly admitted: true } | { readonly admitted: false; readonly reason: string };

/**
 * Decides what happens to a task whose attempt failed: retry it (after a delay), fail it, or escalate
 * it to the human queue (the task waits, holding no slot). The default retries per the task's retry
 * policy and escalates what an agent escalated itself.
 */
export interface TerminalPolicy {
  decide(failure: TaskFailure): TerminalDecision;
}

export interface TaskFailure {
  readonly task: TaskSpec;
  readonly error: EnsembleError;
  /** The attempt that failed (counting across resumes). */
  readonly attempt: number;
  /** Attempts of this execution so far (a resume starts the retry policy afresh). */
  readonly attemptThisExecution: number;
  /** Escalations the task opened so far, over every execution. */
  readonly escalations: number;
  /** The retry policy that applies to the task (its own, else the run's). */
  readonly retry: RetryPolicy;
  /** In [0, 1): jitter for backoff. */
  readonly random: number;
}

export type TerminalDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  | { readonly action: 'fail' }
  | {
      readonly action: 'escalate';
      readonly escalation: EscalationRequest;
      /** 1-10. @default the task's priority */
      readonly priority?: number;
      /** The ticket and team member, for a ticket's task (shown in the human queue). */
      readonly ticketId?: string;
      readonly member?: string;
    };

/** What {@link DispatchContext.sendMessage} did. */
export type SendMessageResult = { readonly ok: true; readonly message: RunMessage } | { readonly ok: false; readonly reason: string };

/** Executes task attempts: locally through the agent runtimes, or through a queue of workers. */
export interface TaskDispatcher {
  describe(task: TaskSpec): InvocationInfo;
  /**
   * Must stop promptly when `context.signal` aborts and then reject (any rejection is mapped to the
   * abort reason).
   */
  dispatch(request: TaskRequest, context: DispatchContext): Promise<TaskOutcome>;
}

/** Where library code reports what is not an event: warnings (unknown prices, overridden agents) and listener failures. */
export interface Logger {
  warn(message: string): void;
  error(message: string, cause?: unknown): void;
}

/** Budget holds and spend of one run (run, agent and task caps). Async, so a shared (Redis) ledger fits behind it. */
export interface BudgetPort {
  /** Whether any cap is set (callers skip estimation when not). */
  readonly isCapped: boolean;
  /**
   * Holds `charge` (a call's worst case) until it is settled. Held and committed amounts are kept
   * apart: a call that cannot fit while other holds are outstanding waits for them to settle, and
   * rejects with BUDGET_EXCEEDED (not retryable, naming the cap) only when it cannot fit even
   * against committed spend alone. Rejects with `signal.reason` when aborted while waiting.
   */
  reserve(charge: BudgetCharge, options: { readonly signal: AbortSignal }): Promise<BudgetHold>;
  /** Counts spend that already happened (tasks finished before a resume, simulated agents) without checking caps. */
  record(charge: BudgetCharge): Promise<void>;
  /** Committed spend so far. */
  spent(scope: BudgetScope, name?: string): Promise<{ readonly tokens: number; readonly costUsd: number }>;
}

/** A hold on budget for one model call; settle it exactly once. */
export interface BudgetHold {
  /** Replaces the hold by what the call really spent (also for failed and aborted calls). */
  commit(actual: { readonly tokens: number; readonly costUsd: number }): void;
  /** Drops the hold: only for a call that never reached the provider. */
  release(): void;
}

/**
 * Decides what a task receives from the run besides its prompt (`shared`, `isolated`,
 * `hierarchical`), counting tokens and pruning past the threshold. Pure and synchronous: the
 * scheduler calls it as the task starts and journals the receipt (`task:context`).
 */
export interface ContextStrategy {
  assemble(request: ContextRequest): TaskContext;
}

/**
 * Carries a run's journaled agent messages to whoever listens while they run: in-process agents,
 * the message files of running process agents, remote workers (a Redis implementation later).
 * The journal stays the record; the bus only delivers. Every implementation passes the contract
 * suite in `src/bus/message-bus.contract.ts`.
 */
export interface MessageBus {
  /** Delivers a message (already journaled) to the run's current subscribers that receive it, in publish order. */
  publish(message: RunMessage): Promise<void>;
  /**
   * Calls `handler` for every message of `runId` published after the returned promise resolves
   * that `recipient` receives (`to` is its task id, its agent name, or `*`); `'*'` receives all.
   * Resolves with the function that ends the subscription.
   */
  subscribe(runId: string, recipient: MessageRecipient | '*', handler: (message: RunMessage) => void): Promise<() => Promise<void>>;
  /** Resolves with the first `response` published for `runId` whose `inReplyTo` is `requestId`; rejects with `signal.reason` on abort. */
  waitForResponse(runId: string, requestId: string, options: { readonly signal: AbortSignal }): Promise<RunMessage>;
  close(): Promise<void>;
}

/** A task as a message recipient. */
export interface MessageRecipient {
  readonly taskId: string;
  readonly agentName: string;
}

/** Core of ensemble: graph validation, the scheduler, retry policy, events and ports. No I/O here. */
export {
  ERROR_CODES,
  EnsembleError,
  isEnsembleError,
  toEnsembleError,
  serializeError,
  deserializeError,
} from './errors.js';
export type { ErrorCode, SerializedError, EnsembleErrorOptions } from './errors.js';
/** The one table from error code to CLI exit code (2 invalid input, 1 otherwise) and HTTP status. */
export { ERROR_SURFACES, exitCodeFor, httpStatusFor } from './error-table.js';
export type { ErrorSurface } from './error-table.js';
export {
  ID_PATTERN,
  AGENT_NAME_PATTERN,
  taskSpecSchema,
  retryPolicySchema,
  runConfigSchema,
  contextStrategySchema,
  permissionCeilingSchema,
  PERMISSION_CEILINGS,
  DEFAULT_PERMISSION_CEILING,
  budgetCapSchema,
  durationMsSchema,
  resultCacheSettingsSchema,
  resourceSettingsSchema,
  formatIssuePath,
  toInputIssues,
} from './schema.js';
export type {
  TaskInput,
  TaskSpec,
  RetryPolicy,
  BudgetCap,
  ContextStrategy,
  PermissionCeiling,
  RunConfigInput,
  RunConfig,
  ResourceSettings,
  ResultCacheSettings,
  InputIssue,
} from './schema.js';
export { RUN_STATUSES, TERMINAL_RUN_STATUSES, TASK_STATUSES, ZERO_USAGE } from './types.js';
export type {
  RunStatus,
  TaskStatus,
  TokenUsage,
  TaskEvidence,
  ToolRefusal,
  ReportedFileChange,
  ReportedCommand,
  TaskOutcome,
  CachedResultSource,
  DependencyOutput,
  PriorTaskResult,
  TaskSpend,
  RunSummary,
  BudgetStop,
  TaskResult,
  RunOutcome,
} from './types.js';
export { RUN_EVENT_TYPES, isRunEndEvent, toEventJson } from './events.js';
/** Agent messages, the shared context store's entries and the per-task message limits. */
export { MESSAGE_TYPES, BROADCAST_RECIPIENT, DEFAULT_MESSAGE_LIMITS, isMessageFor } from './run-messages.js';
export type { MessageType, RunMessage, OutgoingMessage, SharedContextEntry, MessageLimits } from './run-messages.js';
/** What a context strategy is asked and what it hands a task (entries, the journaled receipt, the prune report). */
export type {
  ContextRelation,
  ContextTreatment,
  ContextEntry,
  ContextReceipt,
  ContextReceiptEntry,
  PruneReport,
  ContextSources,
  ContextRequest,
  TaskContext,
} from './task-context.js';
export type { EventPayloads, RunEventType, RunEvent, RunEventOf, EventEnvelope, RunWarningCode, PressureReason, ConflictPrediction } from './events.js';
export type {
  Clock,
  TimerHandle,
  Journal,
  TaskRequest,
  InvocationInfo,
  TaskDispatcher,
  DispatchContext,
  OutputReporter,
  ActivityEventType,
  ActivityPayload,
  ActivityReporter,
  Logger,
  BudgetPort,
  BudgetHold,
  SendMessageResult,
  ContextStrategy as ContextStrategyPort,
  MessageBus,
  MessageRecipient,
  LeaseGuard,
  LeaseCheck,
  TaskEventRecorder,
  TaskEventType,
  AdmissionCheck,
  ProcessSlotGate,
  AdmissionCandidate,
  AdmissionDecision,
  TerminalPolicy,
  TaskFailure,
  TerminalDecision,
} from './ports.js';
/** The fenced code blocks of a Markdown text: tags inside them are shown, not meant. */
export { findFencedBlocks } from './find-fenced-blocks.js';
export type { TextSpan } from './find-fenced-blocks.js';
/** Escalations: what an agent asks a person, its place in the human queue, and the answer handed to the next attempt. */
export { toEscalationRequest, escalationPriority, composeGuidanceText, toGuidanceEntry } from './escalation.js';
export type { EscalationRequest, OpenEscalation, EscalationGuidance } from './escalation.js';
/** The default terminal policy: retry per the task's policy; wait for a person on what an agent escalated. */
export { defaultTerminalPolicy } from './default-terminal-policy.js';
/** Whether two workspace globs may name a common path (conservative), and whether a path matches a glob: file leases use them. */
export { globsOverlap, matchesGlob } from './globs-overlap.js';
/** A run journal in memory, and the order every journal keeps (one run, seq increasing, whole batches). */
export { MemoryJournal, openMemoryJournal } from './memory-journal.js';
export { assertJournalOrder } from './assert-journal-order.js';
export { buildTaskGraph } from './task-graph.js';
export type { TaskGraph } from './task-graph.js';
export { validateGraph, assertValidGraph } from './validate-graph.js';
export type { GraphIssue, GraphValidation, GraphValidationOptions } from './validate-graph.js';
export { computeCriticalPath, estimateTaskDurations, median } from './critical-path.js';
export { decideRetry } from './retry-policy.js';
export type { RetryDecision } from './retry-policy.js';
export { ReadyQueue } from './ready-queue.js';
export { RunScheduler } from './scheduler.js';
export type { SchedulerOptions } from './scheduler.js';
/** The one reducer of run state (`applyRunEvent`) that every view derives from, and its state. */
export { applyRunEvent, createRunState, foldRunEvents, runElapsedMs, STREAMED_TAIL_CHARS } from './run-state.js';
export type { RunState, TaskState, TaskEscalationState, ProviderPauseState, ProviderCircuitState, LiveProcessGroup, ActiveToolCall, ToolUsage } from './run-state.js';
/** What a resume hands the scheduler, derived from the run's events. */
export { toResumePrior, resumePriorFromEvents } from './resume-prior.js';
export type { ReapedProcessGroup, SchedulerPrior } from './resume-prior.js';
export { EventHub } from './event-hub.js';
export { ManualClock } from './manual-clock.js';
export type { RunEventListener, AnyRunEventListener } from './event-hub.js';
export { BudgetLedger, hasCostCap, budgetCapsOf, createRunBudget, budgetExceededError } from './budget-ledger.js';
export type { BudgetCaps, BudgetCharge, BudgetScope, BudgetRefusal } from './budget-ledger.js';
/** The heartbeat rule of run ownership: a heartbeat older than its stale limit means the owner is gone. */
export { DEFAULT_STALE_AFTER_MS, isHeartbeatStale } from './heartbeat.js';
export { createRandom } from './create-random.js';
export { CircuitBreaker, DEFAULT_BREAKER_THRESHOLD, DEFAULT_BREAKER_COOLDOWN_MS } from './circuit-breaker.js';
export type { CircuitState, CircuitBreakerOptions } from './circuit-breaker.js';
export { AdaptiveLimit } from './adaptive-limit.js';
export type { AdaptiveLimitOptions } from './adaptive-limit.js';
/** Host pressure: the slots process agents start in, and the pure rule that moves their limit with CPU and memory. */
export { ProcessSlots } from './process-slots.js';
export {
  decideProcessLimit,
  initialProcessLimit,
  memoryCeiling,
  defaultMemoryFloorMb,
  DEFAULT_CPU_TARGET_PERCENT,
  DEFAULT_CPU_BAND_PERCENT,
  DEFAULT_AGENT_MEMORY_MB,
} from './pressure-policy.js';
export type { HostSample, PressureSettings, ProcessLimitState, PressureDecision } from './pressure-policy.js';
/** Strips terminal escape sequences and control characters from untrusted text (agent output, a CLI's stderr). */
export { sanitizeTerminalText, sanitizeTerminalLine } from './sanitize-terminal-text.js';

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
export {
  ID_PATTERN,
  AGENT_NAME_PATTERN,
  taskSpecSchema,
  retryPolicySchema,
  runConfigSchema,
  contextStrategySchema,
  budgetCapSchema,
  formatIssuePath,
  toInputIssues,
} from './schema.js';
export type {
  TaskInput,
  TaskSpec,
  RetryPolicy,
  BudgetCap,
  ContextStrategy,
  RunConfigInput,
  RunConfig,
  InputIssue,
} from './schema.js';
export { TERMINAL_RUN_STATUSES, ZERO_USAGE } from './types.js';
export type {
  RunStatus,
  TaskStatus,
  TokenUsage,
  TaskEvidence,
  TaskOutcome,
  DependencyOutput,
  PriorTaskResult,
  RunSummary,
  BudgetStop,
  TaskResult,
  RunOutcome,
} from './types.js';
export { RUN_EVENT_TYPES, isRunEndEvent, toEventJson } from './events.js';
export type { EventPayloads, RunEventType, RunEvent, RunEventOf, EventEnvelope } from './events.js';
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
} from './ports.js';
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
export { EventHub } from './event-hub.js';
export { ManualClock } from './manual-clock.js';
export type { RunEventListener, AnyRunEventListener } from './event-hub.js';
export { BudgetLedger } from './budget-ledger.js';
export type { BudgetCaps, BudgetCharge, BudgetReservation, BudgetScope } from './budget-ledger.js';
export { createRandom } from './create-random.js';
export { CircuitBreaker, DEFAULT_BREAKER_THRESHOLD, DEFAULT_BREAKER_COOLDOWN_MS } from './circuit-breaker.js';
export type { CircuitState, CircuitBreakerOptions } from './circuit-breaker.js';
export { AdaptiveLimit } from './adaptive-limit.js';
export type { AdaptiveLimitOptions } from './adaptive-limit.js';

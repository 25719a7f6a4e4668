/**
 * ensemble as a library: build a graph of agent tasks, run it with `AgentOrchestrator`, follow
 * its events. See README.md for a walkthrough.
 */
export { AgentOrchestrator } from './orchestrator/index.js';
export type { OrchestratorConfig, OrchestratorOptions, RunOptions, ResumeOptions, ResumeOutcome, SettingOverride } from './orchestrator/index.js';
export { systemClock, stderrLogger } from './host/index.js';
export { registerAgent, loadAgentRegistry, AgentRegistry, parseAgentDefinition } from './agents/index.js';
export type { InProcessAgent, InProcessAgentContext, AgentDefinition, InProcessBus, InProcessSharedContext, InProcessMessage, InProcessWaitOptions } from './agents/index.js';
export { MemoryMessageBus, parseAgentMessages, toSharedContextHistory } from './bus/index.js';
export { createContextStrategy, countTokens, tokenizerFor } from './context/index.js';
export { openRunStore, defaultStorePath, RunStore } from './store/index.js';
export { createEnsembleServer, followRunEvents, readSseEvents } from './server/index.js';
export type { EnsembleServer, EnsembleServerOptions, FollowRunEventsOptions, SseMessage, RunListItem, RunTaskView } from './server/index.js';
export type { RunRecord, TaskRecord } from './store/index.js';
/** Host maintenance: cancel every running run and kill its agents (`stop-all`); remove what crashed runs left (`cleanup`). Both are recorded in the journal. */
export { stopAllRuns, cleanUpHost } from './orchestrator/index.js';
export type { StopAllReport, CleanupReport, CleanupItem } from './orchestrator/index.js';
export type { MaintenanceAction } from './store/index.js';
export {
  chat,
  consult,
  prepareConsultation,
  conductMeeting,
  prepareMeeting,
  continueMeeting,
  listMeetingTypes,
  getMeetingType,
  readMeeting,
  listMeetings,
  meetingContext,
  consultRequestSchema,
  meetingRequestSchema,
} from './meetings/index.js';
export type { ConsultRequest, ConsultResult, MeetingRequest, MeetingResult, MeetingType, MeetingTranscript, MeetingMinutes, ConversationOptions } from './meetings/index.js';
export type { ChatOptions, ChatReply } from './meetings/index.js';
export { openMemoryStore, MemoryStore } from './store/index.js';
export type { MemoryEntry, MemoryEntryInput, MemoryExport, MemoryRole } from './store/index.js';
export { loadEnsembleConfig, PROVIDER_NAMES, MODEL_TIERS } from './config/index.js';
export type { EnsembleConfig, LoadEnsembleConfigOptions, ProviderName, ModelTier, ProviderSettings } from './config/index.js';
export { createLlmRuntime } from './agents/index.js';
export { resolveModelReference, DEFAULT_MODEL_TIERS, DEFAULT_MODEL_PRICES, createProviderGovernor } from './providers/index.js';
export type { ProviderGovernor, ProviderGovernorOptions, ProviderGovernorSettings } from './providers/index.js';
export type { ProviderPolicyInput } from './config/index.js';
export type { LlmRuntime, LlmRuntimeOptions } from './agents/index.js';
export { resolveWorkflow, listTemplates, getTemplate, BUILTIN_TEMPLATES, routeTask, toRoutedWorkflow, TASK_TYPES, TASK_ROUTES, defineWorkflowTemplate } from './workflows/index.js';
export type { RoutePlan, RouteRequestInput, TaskType } from './workflows/index.js';
export type { WorkflowTemplate, ResolvedWorkflow, WorkflowParameter } from './workflows/index.js';
export {
  EnsembleError,
  isEnsembleError,
  validateGraph,
  taskSpecSchema,
  runConfigSchema,
  RUN_EVENT_TYPES,
  ManualClock,
  toEventJson,
  createRandom,
  exitCodeFor,
  httpStatusFor,
  applyRunEvent,
  createRunState,
  foldRunEvents,
  runElapsedMs,
  resumePriorFromEvents,
  openMemoryJournal,
  MemoryJournal,
  TASK_STATUSES,
} from './core/index.js';
export type {
  ErrorCode,
  SerializedError,
  TaskInput,
  TaskSpec,
  RunConfig,
  RunConfigInput,
  RunEvent,
  RunEventType,
  RunEventOf,
  RunOutcome,
  RunStatus,
  RunSummary,
  TaskResult,
  TaskStatus,
  TaskOutcome,
  TokenUsage,
  Clock,
  Logger,
  Journal,
  RunState,
  TaskState,
  SchedulerPrior,
} from './core/index.js';
/** The shared codebase: ticket runs by a team of agents (queue, locks, branches), the review queue, tmux teams, and the seams they use. */
export { prepareTicketRun, prepareTicketResume, TICKET_RUN_WORKFLOW_ID } from './orchestrator/index.js';
export type { TicketRun, TicketRunRequest } from './orchestrator/index.js';
export { ReviewQueue, TmuxTeam, attachToMember, parseTeam, ticketRunOptionsSchema, ISOLATION_MODES } from './codebase/index.js';
export type { TicketRunOptions, TicketRunOptionsInput, TeamMember, IsolationMode } from './codebase/index.js';
export { CodebaseStore, computeTicketFigures } from './store/index.js';
export type { TicketInput, TicketRecord, TicketStatus, LeaseRecord, EscalationRecord, ReviewRecord, TicketFigures } from './store/index.js';
export { defaultTerminalPolicy, toEscalationRequest, escalationPriority } from './core/index.js';
export type { AdmissionCheck, AdmissionCandidate, AdmissionDecision, TerminalPolicy, TaskFailure, TerminalDecision, LeaseGuard, LeaseCheck, EscalationRequest, ConflictPrediction } from './core/index.js';

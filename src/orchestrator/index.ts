/** Wiring of core, agents and store into runnable runs: the library's main entry. */
export { AgentOrchestrator } from './agent-orchestrator.js';
export type { OrchestratorConfig } from './orchestrator-config.js';
export type { RunOptions, ResumeOptions, ResumeOutcome } from './run-options.js';
export { orchestratorOptionsSchema } from './schema.js';
export type { OrchestratorOptions } from './schema.js';
/** One stored setting of a run that a resume's options replaced (`maxParallelAgents`, `budget.run.tokens`, `workspaceDir`, `model`, …), old → new. */
export type { SettingOverride } from './resolve-run-settings.js';
export { createRunId } from './run-id.js';
/** Cancels a run another process runs (through the journal) or nobody runs (interrupted → cancelled). */
export { requestRunCancel } from './request-run-cancel.js';
/**
 * `ensemble stop-all`: cancels every unfinished run of a journal as `cancel` does, waits (bounded) for
 * their owners, and kills on this host the agent groups left open; recorded in the maintenance log.
 */
export { stopAllRuns } from './stop-all-runs.js';
export type { StopAllRunsOptions, StopAllReport, StoppedRun, StopOutcome, KilledGroup, StopProblem } from './stop-all-runs.js';
/**
 * `ensemble cleanup`: removes (or, dry, lists) what crashed runs left on this host, keeping what a
 * live run, a resume or a pending review needs and any uncommitted work; recorded in the maintenance log.
 */
export { cleanUpHost } from './clean-up-host.js';
export type { CleanUpHostOptions } from './clean-up-host.js';
export { CLEANUP_ITEM_KINDS } from './cleanup-report.js';
export type { CleanupReport, CleanupItem, CleanupItemKind } from './cleanup-report.js';
/** Runs of queued tickets by a team of agents on one repository (`tickets run`), and their resume. */
export { prepareTicketRun, prepareTicketResume, TICKET_RUN_WORKFLOW_ID } from './ticket-run.js';
export type { TicketRun, TicketRunRequest } from './ticket-run.js';
/** `ensemble worker`: executes the queued tasks of distributed runs (`redis`) in this process. */
export { startEnsembleWorker } from './start-ensemble-worker.js';
export type { EnsembleWorker, EnsembleWorkerOptions } from './start-ensemble-worker.js';

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
/** Runs of queued tickets by a team of agents on one repository (`tickets run`), and their resume. */
export { prepareTicketRun, prepareTicketResume, TICKET_RUN_WORKFLOW_ID } from './ticket-run.js';
export type { TicketRun, TicketRunRequest } from './ticket-run.js';
/** `ensemble worker`: executes the queued tasks of distributed runs (`redis`) in this process. */
export { startEnsembleWorker } from './start-ensemble-worker.js';
export type { EnsembleWorker, EnsembleWorkerOptions } from './start-ensemble-worker.js';

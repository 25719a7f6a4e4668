/** Wiring of core, agents and store into runnable runs: the library's main entry. */
export { AgentOrchestrator } from './agent-orchestrator.js';
export type { OrchestratorConfig } from './agent-orchestrator.js';
export { orchestratorOptionsSchema } from './schema.js';
export type { OrchestratorOptions } from './schema.js';
export { createRunId } from './run-id.js';
export { currentOwner, isOwnerAlive } from './process-owner.js';
export type { ProcessOwner } from './process-owner.js';

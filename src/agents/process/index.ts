export { createCommandRuntime } from './command-runtime.js';
export type { CommandRuntimeOptions } from './command-runtime.js';
export { killLiveProcessGroups } from './live-process-trees.js';
export { killLeftoverAgentProcesses } from './kill-leftover-agent-processes.js';
export type { AgentProcessRecord, LeftoverKill } from './kill-leftover-agent-processes.js';
export { buildAgentEnvironment, PASSED_ENVIRONMENT_NAMES, PASSED_ENVIRONMENT_PREFIXES } from './build-agent-environment.js';
/** Kills this host's processes of a run found by their environment (`ENSEMBLE_RUN_ID`), for a resume after a crash. */
export { killRunAgentProcesses } from './kill-run-agent-processes.js';

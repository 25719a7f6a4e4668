export { createLlmRuntime, DEFAULT_MAX_OUTPUT_TOKENS } from './llm-runtime.js';
export type { LlmRuntime, LlmRuntimeOptions } from './llm-runtime.js';
export { composeLlmMessages } from './compose-llm-messages.js';
export type { LlmMessages } from './compose-llm-messages.js';
export { prepareLlmRun, withLlmTaskDefaults } from './prepare-llm-run.js';
export type { PrepareLlmRunOptions } from './prepare-llm-run.js';
export type { LlmModelUse } from './check-llm-models.js';

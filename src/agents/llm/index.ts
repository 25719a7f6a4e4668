export { createLlmRuntime, DEFAULT_RESERVED_OUTPUT_TOKENS } from './llm-runtime.js';
export type { LlmRuntime, LlmRuntimeOptions } from './llm-runtime.js';
export { composeLlmMessages } from './compose-llm-messages.js';
export type { LlmMessages } from './compose-llm-messages.js';

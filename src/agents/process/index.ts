export { createCommandRuntime } from './command-runtime.js';
export type { CommandRuntimeOptions } from './command-runtime.js';
export { resolveCliOutputFormat } from './resolve-cli-output-format.js';
export { parseClaudeJson, parseGeminiJson, parseCodexJsonl } from './parse-cli-output.js';
export type { CliOutputReading } from './parse-cli-output.js';

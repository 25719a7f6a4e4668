/** Coding-agent CLIs (Claude Code, Gemini CLI, Codex) as `cli` agents: reading what they print, and what it means for the task. */
export { resolveCliOutputFormat } from './resolve-cli-output-format.js';
export { readCliOutput, applyCliOutput } from './read-cli-output.js';
export { prepareCliEnvironment } from './prepare-cli-environment.js';
export { readConfiguredModel } from './read-configured-model.js';
export type { CliOutput, CliResult } from './read-cli-output.js';
export { parseClaudeJson } from './claude-code-output.js';
export { parseGeminiJson } from './gemini-cli-output.js';
export { parseCodexJsonl } from './codex-output.js';
export type { CliOutputReading, CliProcessOutput, CliActivity, CliFailureCategory } from './cli-output-reading.js';

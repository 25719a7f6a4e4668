/** Agents: definitions and their registry, the built-in catalogue, in-process agents, runtimes and the local dispatcher. */
export { parseAgentDefinition } from './parse-agent-definition.js';
export type { AgentDefinition } from './parse-agent-definition.js';
export { AGENT_RUNTIMES, PROMPT_PLACEHOLDER } from './schema.js';
export type { AgentRuntimeKind } from './schema.js';
export { AgentRegistry } from './agent-registry.js';
export type { AgentRegistryOptions } from './agent-registry.js';
export { loadAgentRegistry } from './load-agent-registry.js';
export type { LoadAgentRegistryOptions } from './load-agent-registry.js';
export { builtinAgentsDir } from './builtin-agents-dir.js';
export { registerAgent, unregisterAgent, inProcessAgents } from './in-process-agents.js';
export type { InProcessAgent, InProcessAgentContext } from './in-process-agents.js';
export type { AgentRuntime, AgentInvocation } from './agent-runtime.js';
export type { ProviderGate } from './provider-gate.js';
export { createProviderGovernor, defaultProviderGovernor } from './provider-governor.js';
export type { ProviderGovernor, ProviderGovernorOptions, GovernorEvent, ProviderStats } from './provider-governor.js';
export { createCommandRuntime } from './command-runtime.js';
export type { CommandRuntimeOptions } from './command-runtime.js';
export { createSimulatedRuntime } from './simulated-runtime.js';
export type { SimulatedRuntimeOptions } from './simulated-runtime.js';
export { SIMULATED_LABEL } from './compose-simulated-answer.js';
export { LocalDispatcher } from './local-dispatcher.js';
export type { LocalDispatcherOptions } from './local-dispatcher.js';
export { estimateTokens } from './estimate-tokens.js';
export { simulatedLatencyFromEnv } from './simulated-latency.js';
/** How a `cli` agent's stdout is read (`text`, `claude-json`, `gemini-json`, `codex-jsonl`), and the type of one. */
export { CLI_OUTPUT_FORMATS } from './schema.js';
export type { CliOutputFormat } from './schema.js';
/** A `cli` agent's output format: the one its definition names, else inferred from its command, else `text`. */
export { resolveCliOutputFormat } from './cli-output-format.js';
/** Readers of Claude Code, Gemini CLI and Codex structured output, for callers that run those CLIs themselves. */
export { parseClaudeJson, parseGeminiJson, parseCodexJsonl } from './cli-output-parsers.js';
/** What a CLI's structured stdout says: an answer with usage and cost, a failure it reported, or nothing readable. */
export type { CliOutputReading } from './cli-output-parsers.js';
/** The `llm` runtime: agents on a model through the Vercel AI SDK (Anthropic, OpenAI, Google, Ollama, OpenAI-compatible servers). */
export { createLlmRuntime, DEFAULT_RESERVED_OUTPUT_TOKENS } from './llm-runtime.js';
/** The `llm` runtime (with `describeModel`) and its options. */
export type { LlmRuntime, LlmRuntimeOptions } from './llm-runtime.js';
/** AI SDK clients per configured provider; Ollama's base URL to its OpenAI-compatible `/v1`. */
export { createLlmProviders, toOllamaOpenAiUrl } from './llm-providers.js';
/** The provider clients and their options. */
export type { LlmProviders, LlmProvidersOptions } from './llm-providers.js';
/** Model references (tiers, `provider:model`, ids) to concrete models; the default tier tables. */
export { resolveModelReference, isModelTier, DEFAULT_MODEL_TIERS, DEFAULT_MODEL_REFERENCE } from './model-catalog.js';
/** A resolved model and the options of resolution. */
export type { ResolvedModel, ResolveModelOptions } from './model-catalog.js';
/** USD per million tokens per model, overridable; the cost of a call. */
export { createCostTable, DEFAULT_MODEL_PRICES } from './cost-table.js';
/** The cost table and its options. */
export type { CostTable, CostTableOptions } from './cost-table.js';
/** Provider failures to PROVIDER_RATE_LIMITED / PROVIDER_UNAVAILABLE / PROVIDER_ERROR, keys redacted. */
export { toProviderError } from './llm-provider-error.js';
/** Which call failed, for {@link toProviderError}. */
export type { ProviderErrorContext } from './llm-provider-error.js';
/** `retry-after-ms` / `retry-after` (seconds or HTTP date) to a delay in ms. */
export { parseRetryAfterMs } from './llm-retry-after.js';
/** Removes secrets (API keys) from text that leaves the process. */
export { redactSecrets, REDACTED } from './redact-secrets.js';
/** The system prompt and user message of an `llm` task. */
export { composeLlmMessages } from './llm-prompt.js';
/** The two texts a model receives. */
export type { LlmMessages } from './llm-prompt.js';
export { systemClock } from './system-clock.js';

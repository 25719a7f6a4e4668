/** The provider edge: the gate every model call passes (governor), provider clients, models, prices, errors. */
/** The gate's contract, and what a caller is told while its call waits. */
export type { ProviderGate, GateCallOptions, ProviderPause, ProviderPauseReason, CircuitChange } from './provider-gate.js';
/** The governor: one lane per provider (adaptive limit, rate-limit pauses, circuit breaker); the process-wide one per settings. */
export { createProviderGovernor, defaultProviderGovernor } from './provider-governor.js';
export { resolveGovernorSettings } from './resolve-governor-settings.js';
/** The governor, its options and settings, what it reports, and a lane's snapshot. */
export type { ProviderGovernor, ProviderGovernorOptions, GovernorEvent } from './provider-governor.js';
export type { ProviderGovernorSettings } from './resolve-governor-settings.js';
export type { ProviderStats } from './provider-lane.js';
/** Rate-limit pauses shared between governors: the port, one process's channel, and the fleet's on Redis. */
export { createMemoryPauseChannel } from './provider-pause-channel.js';
export type { ProviderPauseChannel, ProviderPauseNotice, MemoryPauseChannelOptions } from './provider-pause-channel.js';
export { createRedisPauseChannel } from './redis-pause-channel.js';
export type { RedisPauseChannelOptions, PauseChannelConnectionRole } from './redis-pause-channel.js';
/** The zod schema of a pause notice read from Redis. */
export { providerPauseNoticeSchema } from './schema.js';
/** AI SDK clients of the configured providers; Ollama's OpenAI-compatible address. */
export { createLlmProviders, toOllamaOpenAiUrl } from './provider-clients.js';
export type { LlmProviders, LlmProvidersOptions } from './provider-clients.js';
/** Model references (tiers, ids, `provider:model`) to concrete models. */
export { resolveModelReference, referencedTier, isModelTier, DEFAULT_MODEL_TIERS, DEFAULT_MODEL_REFERENCE } from './model-catalog.js';
export type { ResolvedModel, ResolveModelOptions } from './model-catalog.js';
/** Prices per million tokens, and the cost of a call. */
export { createCostTable, DEFAULT_MODEL_PRICES } from './cost-table.js';
export type { CostTable, CostTableOptions } from './cost-table.js';
/** What a provider call threw, as the error the gate and the scheduler act on. */
export { toProviderError } from './provider-error.js';
export type { ProviderErrorContext } from './provider-error.js';
/** `retry-after-ms` / `retry-after` headers to a wait in ms. */
export { parseRetryAfterMs } from './parse-retry-after.js';
/** API keys out of text that leaves the process. */
export { redactSecrets, REDACTED } from './redact-secrets.js';
/** The models a local server (Ollama, OpenAI-compatible) serves, asked before a run. */
export { listServerModels, isModelServed } from './list-server-models.js';
export type { ListServerModelsOptions, ServerModels } from './list-server-models.js';
/** One-time notices remembered per process or per machine (`$ENSEMBLE_HOME/notices.json`). */
export { openNoticeMemory, createNoticeMemory, NOTICE_FILE_NAME } from './notice-memory.js';
export type { NoticeMemory } from './notice-memory.js';

/** The result cache: outputs of read-only tasks reused by identical tasks (same agent, model, prompt, inputs and workspace state) within a TTL. */

/**
 * Wraps a run's dispatcher with the result cache (a live entry answers at once, a successful
 * attempt that changed nothing is stored); returns the dispatcher itself when nothing turns the cache on.
 */
export { wrapWithResultCache, CachingDispatcher } from './caching-dispatcher.js';
/** What {@link wrapWithResultCache} needs: the run's journal, agents, `config.cache`, data folder, clock and warning sink. */
export type { ResultCacheOptions } from './caching-dispatcher.js';
/**
 * Whether an agent's outputs may be reused under a permission ceiling: only `llm`/`simulated` agents
 * whose effective tools neither write files, run commands nor call MCP tools; and why not.
 */
export { isCacheable, uncacheableReason } from './is-cacheable.js';
export type { CacheableAgentFields } from './is-cacheable.js';
/** The cache key of a task (sha256 of a canonical JSON of everything its output may depend on), and the hash of an agent's definition. */
export { computeCacheKey, hashAgentDefinition } from './compute-cache-key.js';
export type { CacheKeyInput } from './compute-cache-key.js';
/** A workspace's state as one id: the git tree of its work tree with every change, or a fingerprint of its files (bounded). */
export { readWorkspaceState, DEFAULT_MAX_WORKSPACE_FILES } from './read-workspace-state.js';
export type { WorkspaceState, WorkspaceStateOptions } from './read-workspace-state.js';

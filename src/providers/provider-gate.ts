/**
 * The edge every call to a model provider passes through: one gate per process, keyed by
 * provider, so a 429 slows every caller of that provider, an open circuit makes callers wait,
 * and an adaptive limit caps concurrent calls. Implemented by `createProviderGovernor`.
 */
export interface ProviderGate {
  /**
   * Runs `call` when the provider admits it, and retries rate limits (after retry-after) and
   * transient failures (5xx, network) with backoff. Rejects with the call's last error, or with
   * `signal.reason` when aborted while waiting or calling.
   */
  run<T>(provider: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

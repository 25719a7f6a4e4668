import type { CircuitState, EnsembleError } from '../core/index.js';

/** Why a call waits before it starts. */
export type ProviderPauseReason = 'rate-limited' | 'backoff' | 'circuit-open' | 'queued';

/** A wait of one call, as told to its caller. */
export interface ProviderPause {
  readonly reason: ProviderPauseReason;
  /** How long the wait is expected to last, in ms (0 when nobody can tell). */
  readonly waitMs: number;
  /** The provider's answer that caused the wait (a 429, a 503 with retry-after). */
  readonly error?: EnsembleError;
}

/** A change of the provider's circuit breaker that one call caused or saw. */
export interface CircuitChange {
  readonly state: CircuitState;
  /** Consecutive failures that opened it. */
  readonly failures?: number;
}

/** What a caller hands the gate besides the call. */
export interface GateCallOptions {
  /** Told each time the call waits before it starts (queued, paused by a rate limit, held by an open circuit). */
  readonly onPause?: (pause: ProviderPause) => void;
  /** Told when this call opened, probed or closed the provider's circuit. */
  readonly onCircuit?: (change: CircuitChange) => void;
  /** Stops the caller's own timeout while it waits for the provider; returns the function that restarts it. */
  readonly suspendTimeout?: () => () => void;
}

/**
 * The edge every call to a model provider passes through: one gate per process, keyed by
 * provider, so a 429 slows every caller of that provider, an open circuit fails callers fast,
 * and an adaptive limit caps concurrent calls. Implemented by `createProviderGovernor`.
 */
export interface ProviderGate {
  /**
   * Runs `call` once, when the provider admits it. The gate never retries: a failure is rethrown
   * for the task's retry policy (one retry budget per task), after it paused the provider (429)
   * or counted towards the breaker (5xx, network). Rejects with PROVIDER_CIRCUIT_OPEN when the
   * circuit stays open longer than a caller may wait, and with `signal.reason` when aborted.
   */
  run<T>(provider: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>, options?: GateCallOptions): Promise<T>;
}

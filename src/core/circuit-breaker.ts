import type { Clock } from './ports.js';

/** `closed`: calls pass; `open`: nothing passes until the cool-down ends; `half-open`: one probe call may pass. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Time source: the cool-down is measured on it. */
  readonly clock: Clock;
  /** Consecutive failures that open the circuit. @default 5 */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before one probe may pass, in ms. @default 30000 */
  readonly cooldownMs?: number;
}

/** Default of {@link CircuitBreakerOptions.failureThreshold}. */
export const DEFAULT_BREAKER_THRESHOLD = 5;
/** Default of {@link CircuitBreakerOptions.cooldownMs}. */
export const DEFAULT_BREAKER_COOLDOWN_MS = 30_000;

/**
 * A circuit breaker for one dependency (a model provider). Closed, it counts consecutive
 * failures and opens at the threshold; open, it refuses everything until `reopensAt`; then it is
 * half-open and `canPass()` grants exactly one probe, whose success closes the circuit and whose
 * failure opens it for another cool-down. Pure state driven by the injected clock: it sets no
 * timers, so a caller that waits schedules its own wake-up at `reopensAt`.
 */
export class CircuitBreaker {
  private readonly clock: Clock;
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private consecutiveFailures = 0;
  private openedUntil: number | undefined;
  private isProbeOut = false;

  constructor(options: CircuitBreakerOptions) {
    this.clock = options.clock;
    this.failureThreshold = Math.max(1, Math.floor(options.failureThreshold ?? DEFAULT_BREAKER_THRESHOLD));
    this.cooldownMs = Math.max(0, options.cooldownMs ?? DEFAULT_BREAKER_COOLDOWN_MS);
  }

  /** The state now; an open circuit whose cool-down has passed reads as `half-open`. */
  get state(): CircuitState {
    if (this.openedUntil === undefined) return 'closed';
    return this.clock.now() >= this.openedUntil ? 'half-open' : 'open';
  }

  /** When an open circuit lets a probe through (epoch ms); undefined when closed. */
  get reopensAt(): number | undefined {
    return this.openedUntil;
  }

  /** Consecutive failures counted so far (reset by a success). */
  get failures(): number {
    return this.consecutiveFailures;
  }

  /**
   * Asks to start a call. Closed: always yes. Open: no. Half-open: yes for the first caller only
   * (the probe), until the probe is recorded or released.
   */
  canPass(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.isProbeOut) return false;
    this.isProbeOut = true;
    return true;
  }

  /** A call succeeded: the dependency answers, so the circuit closes whatever its state. */
  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openedUntil = undefined;
    this.isProbeOut = false;
  }

  /** A call failed. Opens the circuit at the threshold, or again when the probe failed. */
  recordFailure(): void {
    const state = this.state;
    // Calls started before the circuit opened may still fail while it is open: that adds nothing.
    if (state === 'open') return;
    this.consecutiveFailures++;
    if (state === 'half-open' || this.consecutiveFailures >= this.failureThreshold) {
      this.openedUntil = this.clock.now() + this.cooldownMs;
      this.isProbeOut = false;
    }
  }

  /** The probe ended without a verdict (aborted, or an error that says nothing about the dependency): another caller may probe. */
  releaseProbe(): void {
    this.isProbeOut = false;
  }
}

import { AdaptiveLimit, CircuitBreaker } from '../core/index.js';
import type { CircuitState, Clock, EnsembleError, TimerHandle } from '../core/index.js';
import type { GateCallOptions } from './provider-gate.js';
import type { ResolvedGovernorSettings } from './resolve-governor-settings.js';

/** A snapshot of one provider's lane. */
export interface ProviderStats {
  readonly provider: string;
  /** Concurrent calls admitted now (the adaptive limit). */
  readonly limit: number;
  /** Calls running now. */
  readonly inFlight: number;
  /** Callers waiting to start. */
  readonly waiting: number;
  readonly breaker: CircuitState;
  /** When an open circuit lets a probe through, epoch ms. */
  readonly reopensAt?: number;
  /** Until when the provider is paused after a 429, epoch ms; absent when not paused. */
  readonly pausedUntil?: number;
}

/** What let a call start. */
export interface Admission {
  /** The call is the half-open circuit's probe. */
  readonly isProbe: boolean;
  /** The adaptive limit's epoch when the call started. */
  readonly epoch: number;
}

/** A caller queued in a lane. */
export interface Waiter {
  readonly options: GateCallOptions;
  readonly enqueuedAt: number;
  readonly admit: (admission: Admission) => void;
  readonly refuse: (error: unknown) => void;
  /** Latest time the waiter may still be let through while the circuit holds it (set when it first does). */
  circuitDeadline: number | undefined;
  hasHeardOfCircuit: boolean;
  /** The pause (its end, epoch ms) this waiter was last told about. */
  heardOfPauseUntil: number | undefined;
  noticeTimer: TimerHandle | undefined;
}

/** Why a whole provider is paused: a 429, or a 503 that gave a retry-after. */
export type LanePauseReason = 'rate-limited' | 'backoff';

/** One provider's state in the governor. */
export interface ProviderLane {
  readonly provider: string;
  readonly limit: AdaptiveLimit;
  readonly breaker: CircuitBreaker;
  readonly queue: Waiter[];
  inFlight: number;
  isProbing: boolean;
  pause: { readonly until: number; readonly reason: LanePauseReason; readonly error: EnsembleError } | undefined;
  /** 429s in a row, for the backoff of a 429 without retry-after. */
  rateLimitStreak: number;
  /** The failure that last counted towards the breaker, quoted when the circuit refuses a call. */
  lastFailure: EnsembleError | undefined;
  /** Moving average of successful call durations, in ms (0 until the first), to estimate queue waits. */
  averageCallMs: number;
  wake: { readonly at: number; readonly timer: TimerHandle } | undefined;
}

/** A fresh lane: nothing in flight, the circuit closed, the limit at its initial value. */
export function createProviderLane(provider: string, settings: ResolvedGovernorSettings, clock: Clock): ProviderLane {
  return {
    provider,
    limit: new AdaptiveLimit({ initialLimit: settings.initialConcurrency, maxLimit: settings.maxConcurrency }),
    breaker: new CircuitBreaker({ clock, failureThreshold: settings.breakerThreshold, cooldownMs: settings.breakerCooldownMs }),
    queue: [],
    inFlight: 0,
    isProbing: false,
    pause: undefined,
    rateLimitStreak: 0,
    lastFailure: undefined,
    averageCallMs: 0,
    wake: undefined,
  };
}

/** Takes a slot when the lane lets a call start now: no pause, the circuit lets it pass, a slot is free. */
export function tryAdmit(lane: ProviderLane, now: number): Admission | undefined {
  if (lane.pause !== undefined) {
    if (now < lane.pause.until) return undefined;
    lane.pause = undefined;
  }
  const state = lane.breaker.state;
  if (state === 'open' || (state === 'half-open' && lane.isProbing)) return undefined;
  if (lane.inFlight >= lane.limit.limit) return undefined;
  // Half-open with no probe out: this call is the probe.
  if (!lane.breaker.canPass()) return undefined;
  const isProbe = state === 'half-open';
  if (isProbe) lane.isProbing = true;
  lane.inFlight++;
  return { isProbe, epoch: lane.limit.epoch };
}

/** A probe that ended without a verdict on the provider frees the half-open circuit for the next one. */
export function endProbe(lane: ProviderLane, admission: Admission): void {
  if (!admission.isProbe) return;
  lane.isProbing = false;
  lane.breaker.releaseProbe();
}

export function isPaused(lane: ProviderLane, now: number): boolean {
  return lane.pause !== undefined && now < lane.pause.until;
}

/** Whether a waiter at `now` is past the circuit wait it was given, or the circuit reopens only after it. */
export function isPastCircuitWait(deadline: number, now: number, reopensAt: number | undefined): boolean {
  return now >= deadline || (reopensAt !== undefined && reopensAt > deadline);
}

/** The wait of the waiter at `position` behind the concurrency limit: whole rounds of the average call. */
export function estimateQueuedWaitMs(lane: ProviderLane, position: number): number {
  const rounds = Math.floor(position / Math.max(1, lane.limit.limit)) + 1;
  return Math.round(lane.averageCallMs * rounds);
}

/** Moving average of successful call durations, weighting the latest by a fifth. */
export function nextAverageCallMs(averageMs: number, durationMs: number): number {
  return averageMs === 0 ? durationMs : averageMs * 0.8 + durationMs * 0.2;
}

/** The pause after the `streak`-th 429 in a row without retry-after: exponential backoff with equal jitter; `random` in [0, 1). */
export function rateLimitBackoffMs(streak: number, settings: ResolvedGovernorSettings, random: () => number): number {
  const exponential = Math.min(settings.maxBackoffMs, settings.rateLimitBackoffMs * 2 ** (streak - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export function toProviderStats(lane: ProviderLane, now: number): ProviderStats {
  const reopensAt = lane.breaker.reopensAt;
  return {
    provider: lane.provider,
    limit: lane.limit.limit,
    inFlight: lane.inFlight,
    waiting: lane.queue.length,
    breaker: lane.breaker.state,
    ...(reopensAt === undefined ? {} : { reopensAt }),
    ...(lane.pause !== undefined && lane.pause.until > now ? { pausedUntil: lane.pause.until } : {}),
  };
}

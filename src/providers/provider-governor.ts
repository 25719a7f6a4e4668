import { AdaptiveLimit, CircuitBreaker, decideRetry, isEnsembleError } from '../core/index.js';
import type { CircuitState, Clock, EnsembleError, ErrorCode, RetryPolicy, TimerHandle } from '../core/index.js';
import type { ProviderGate } from './provider-gate.js';
import { systemClock } from '../host/index.js';

/** Options of {@link createProviderGovernor}. */
export interface ProviderGovernorOptions {
  /** Time source of pauses, backoff and the breaker's cool-down. @default the system clock */
  readonly clock?: Clock;
  /** Source of backoff jitter, a number in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Concurrent calls per provider at first. @default 8 */
  readonly initialConcurrency?: number;
  /** The adaptive limit never grows past this. @default 64 */
  readonly maxConcurrency?: number;
  /** Consecutive failures (5xx, network) that open a provider's circuit. @default 5 */
  readonly breakerThreshold?: number;
  /** How long an open circuit stays open before one probe call, in ms. @default 30000 */
  readonly breakerCooldownMs?: number;
  /** Attempts per `run` (the first included) before the last error is thrown. @default 5 */
  readonly maxAttempts?: number;
  /** Backoff before the first retry of a transient failure, doubled each retry (with jitter), in ms. @default 500 */
  readonly backoffMs?: number;
  /** Upper bound of one backoff delay, in ms. @default 30000 */
  readonly maxBackoffMs?: number;
  /** Observes what the governor does (pauses, retries, breaker and limit changes). A throwing listener is logged and ignored. */
  readonly onEvent?: (event: GovernorEvent) => void;
}

/** What the governor did, for logs and metrics. */
export type GovernorEvent =
  | {
      readonly type: 'provider:pause';
      readonly provider: string;
      /** The wait asked for (retry-after, or a backoff when the provider gave none), in ms. */
      readonly retryAfterMs: number;
      /** Epoch ms until which no call to the provider starts. */
      readonly pausedUntil: number;
    }
  | { readonly type: 'provider:retry'; readonly provider: string; readonly attempt: number; readonly delayMs: number; readonly code: ErrorCode }
  | { readonly type: 'limit:change'; readonly provider: string; readonly limit: number; readonly previousLimit: number }
  | { readonly type: 'circuit:open'; readonly provider: string; readonly reopensAt: number }
  | { readonly type: 'circuit:close'; readonly provider: string };

/** A snapshot of one provider's lane. */
export interface ProviderStats {
  readonly provider: string;
  /** Concurrent calls admitted now (the adaptive limit). */
  readonly limit: number;
  /** Calls running now. */
  readonly inFlight: number;
  /** Callers queued for a slot (backoff sleepers are not counted). */
  readonly waiting: number;
  readonly breaker: CircuitState;
  /** When an open circuit lets a probe through, epoch ms. */
  readonly reopensAt?: number;
  /** Until when the provider is paused after a 429, epoch ms; absent when not paused. */
  readonly pausedUntil?: number;
}

/** A {@link ProviderGate} that can report on its providers. */
export interface ProviderGovernor extends ProviderGate {
  /** The state of one provider's lane (a provider never called reads as fresh). */
  stats(provider: string): ProviderStats;
  /** Providers called so far. */
  providers(): readonly string[];
}

interface Admission {
  /** The call is the half-open circuit's probe. */
  readonly isProbe: boolean;
  /** The adaptive limit's epoch when the call started. */
  readonly epoch: number;
}

interface Waiter {
  /** Arrival order of the `run` call; a retry keeps its ticket, so it does not lose its place. */
  readonly ticket: number;
  readonly admit: (admission: Admission) => void;
}

interface ProviderLane {
  readonly provider: string;
  readonly limit: AdaptiveLimit;
  readonly breaker: CircuitBreaker;
  readonly queue: Waiter[];
  inFlight: number;
  pausedUntil: number | undefined;
  wake: { readonly at: number; readonly timer: TimerHandle } | undefined;
}

type Resolved = Required<Omit<ProviderGovernorOptions, 'onEvent' | 'clock' | 'random'>>;

/**
 * Creates the edge every model call passes through. Per provider: a FIFO queue limited by an
 * adaptive concurrency limit; a 429 pauses the whole provider until its retry-after (every
 * caller waits, not only the one that got it), halves the limit and retries that call after the
 * pause; 5xx and network errors (`PROVIDER_UNAVAILABLE` or any retryable error) retry with
 * exponential backoff and jitter and count towards the circuit breaker; while the circuit is open
 * callers wait (bounded only by their signal) for the half-open probe. Other errors are rethrown
 * at once. Every wait is abortable and rejects with `signal.reason`.
 */
export function createProviderGovernor(options: ProviderGovernorOptions = {}): ProviderGovernor {
  return new Governor(options);
}

let sharedGovernor: ProviderGovernor | undefined;

/** The process-wide governor (system clock, default settings): one per process, so all runs share each provider's limits. */
export function defaultProviderGovernor(): ProviderGovernor {
  sharedGovernor ??= createProviderGovernor();
  return sharedGovernor;
}

class Governor implements ProviderGovernor {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly settings: Resolved;
  private readonly onEvent: ((event: GovernorEvent) => void) | undefined;
  private readonly lanes = new Map<string, ProviderLane>();
  private nextTicket = 0;

  constructor(options: ProviderGovernorOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.onEvent = options.onEvent;
    const maxConcurrency = atLeastOne(options.maxConcurrency ?? 64);
    this.settings = {
      initialConcurrency: Math.min(maxConcurrency, atLeastOne(options.initialConcurrency ?? 8)),
      maxConcurrency,
      breakerThreshold: atLeastOne(options.breakerThreshold ?? 5),
      breakerCooldownMs: Math.max(0, options.breakerCooldownMs ?? 30_000),
      maxAttempts: atLeastOne(options.maxAttempts ?? 5),
      backoffMs: Math.max(0, options.backoffMs ?? 500),
      maxBackoffMs: Math.max(0, options.maxBackoffMs ?? 30_000),
    };
  }

  async run<T>(provider: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const lane = this.laneOf(provider);
    const ticket = this.nextTicket++;
    const policy: RetryPolicy = { max: this.settings.maxAttempts - 1, backoffMs: this.settings.backoffMs, maxBackoffMs: this.settings.maxBackoffMs };
    for (let attempt = 1; ; attempt++) {
      const admission = await this.acquire(lane, ticket, signal);
      let failure: unknown;
      try {
        const value = await call(signal);
        lane.inFlight--;
        this.recordSuccess(lane);
        this.pump(lane);
        return value;
      } catch (error) {
        lane.inFlight--;
        failure = error;
      }
      if (signal.aborted) {
        if (admission.isProbe) lane.breaker.releaseProbe();
        this.pump(lane);
        throw signal.reason;
      }
      if (!isEnsembleError(failure)) {
        // Not classified by the caller: nothing says the provider is at fault, so no retry and no verdict.
        if (admission.isProbe) lane.breaker.releaseProbe();
        this.pump(lane);
        throw failure;
      }
      if (failure.code === 'PROVIDER_RATE_LIMITED') {
        if (admission.isProbe) lane.breaker.releaseProbe();
        this.recordRateLimit(lane, failure, admission, attempt, policy);
        this.pump(lane);
        if (attempt >= this.settings.maxAttempts) throw failure;
        continue;
      }
      const isProviderFailure = failure.code === 'PROVIDER_UNAVAILABLE' || failure.retryable;
      if (isProviderFailure) this.recordFailure(lane);
      else if (admission.isProbe) lane.breaker.releaseProbe();
      this.pump(lane);
      const decision = decideRetry(failure, attempt, policy, this.random());
      if (!decision.retry) throw failure;
      this.emit({ type: 'provider:retry', provider, attempt, delayMs: decision.delayMs, code: failure.code });
      await this.sleep(decision.delayMs, signal);
    }
  }

  stats(provider: string): ProviderStats {
    const lane = this.laneOf(provider);
    const now = this.clock.now();
    const reopensAt = lane.breaker.reopensAt;
    return {
      provider,
      limit: lane.limit.limit,
      inFlight: lane.inFlight,
      waiting: lane.queue.length,
      breaker: lane.breaker.state,
      ...(reopensAt === undefined ? {} : { reopensAt }),
      ...(lane.pausedUntil !== undefined && lane.pausedUntil > now ? { pausedUntil: lane.pausedUntil } : {}),
    };
  }

  providers(): readonly string[] {
    return [...this.lanes.keys()];
  }

  private laneOf(provider: string): ProviderLane {
    let lane = this.lanes.get(provider);
    if (lane === undefined) {
      lane = {
        provider,
        limit: new AdaptiveLimit({ initialLimit: this.settings.initialConcurrency, maxLimit: this.settings.maxConcurrency }),
        breaker: new CircuitBreaker({ clock: this.clock, failureThreshold: this.settings.breakerThreshold, cooldownMs: this.settings.breakerCooldownMs }),
        queue: [],
        inFlight: 0,
        pausedUntil: undefined,
        wake: undefined,
      };
      this.lanes.set(provider, lane);
    }
    return lane;
  }

  /** Resolves once the lane admits this caller (a slot is free, no pause, the circuit lets it pass); its slot is then taken. */
  private acquire(lane: ProviderLane, ticket: number, signal: AbortSignal): Promise<Admission> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const index = lane.queue.indexOf(waiter);
        if (index >= 0) lane.queue.splice(index, 1);
        this.pump(lane);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        ticket,
        admit: (admission) => {
          signal.removeEventListener('abort', onAbort);
          resolve(admission);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let index = lane.queue.length;
      while (index > 0 && lane.queue[index - 1]!.ticket > ticket) index--;
      lane.queue.splice(index, 0, waiter);
      this.pump(lane);
    });
  }

  /** Admits waiters, oldest ticket first, while the lane allows; otherwise schedules a wake-up for when it will. */
  private pump(lane: ProviderLane): void {
    while (lane.queue.length > 0) {
      const now = this.clock.now();
      if (lane.pausedUntil !== undefined) {
        if (now < lane.pausedUntil) {
          this.wakeAt(lane, lane.pausedUntil);
          return;
        }
        lane.pausedUntil = undefined;
      }
      if (lane.inFlight >= lane.limit.limit) break;
      const state = lane.breaker.state;
      if (state === 'open') {
        this.wakeAt(lane, lane.breaker.reopensAt ?? now);
        return;
      }
      // Half-open with its probe out: the probe's verdict pumps again.
      if (!lane.breaker.canPass()) break;
      const waiter = lane.queue.shift()!;
      lane.inFlight++;
      waiter.admit({ isProbe: state === 'half-open', epoch: lane.limit.epoch });
    }
    if (lane.queue.length === 0) this.cancelWake(lane);
  }

  private wakeAt(lane: ProviderLane, at: number): void {
    if (lane.wake !== undefined && lane.wake.at <= at) return;
    this.cancelWake(lane);
    const timer = this.clock.setTimer(at - this.clock.now(), () => {
      lane.wake = undefined;
      this.pump(lane);
    });
    lane.wake = { at, timer };
  }

  private cancelWake(lane: ProviderLane): void {
    lane.wake?.timer.cancel();
    lane.wake = undefined;
  }

  private recordSuccess(lane: ProviderLane): void {
    const wasClosed = lane.breaker.state === 'closed';
    lane.breaker.recordSuccess();
    if (!wasClosed) this.emit({ type: 'circuit:close', provider: lane.provider });
    const previousLimit = lane.limit.limit;
    lane.limit.recordSuccess();
    if (lane.limit.limit !== previousLimit) this.emit({ type: 'limit:change', provider: lane.provider, limit: lane.limit.limit, previousLimit });
  }

  private recordFailure(lane: ProviderLane): void {
    const previousReopensAt = lane.breaker.reopensAt;
    lane.breaker.recordFailure();
    // A new reopening time means this failure (re)opened the circuit.
    const reopensAt = lane.breaker.reopensAt;
    if (reopensAt !== undefined && reopensAt !== previousReopensAt) {
      this.emit({ type: 'circuit:open', provider: lane.provider, reopensAt });
    }
  }

  /** Pauses the whole provider for the retry-after (exactly; a backoff when none was given) and halves its limit. */
  private recordRateLimit(lane: ProviderLane, error: EnsembleError, admission: Admission, attempt: number, policy: RetryPolicy): void {
    const retryAfterMs = Math.max(0, error.retryAfterMs ?? backoffDelayMs(attempt, policy, this.random()));
    const pausedUntil = Math.max(lane.pausedUntil ?? 0, this.clock.now() + retryAfterMs);
    lane.pausedUntil = pausedUntil;
    this.emit({ type: 'provider:pause', provider: lane.provider, retryAfterMs, pausedUntil });
    const previousLimit = lane.limit.limit;
    if (lane.limit.recordRateLimit(admission.epoch) && lane.limit.limit !== previousLimit) {
      this.emit({ type: 'limit:change', provider: lane.provider, limit: lane.limit.limit, previousLimit });
    }
  }

  private sleep(delayMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancel();
        reject(signal.reason);
      };
      const timer = this.clock.setTimer(delayMs, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private emit(event: GovernorEvent): void {
    if (this.onEvent === undefined) return;
    try {
      this.onEvent(event);
    } catch (error) {
      console.error(`ensemble: a provider governor listener threw on ${event.type}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Exponential backoff with equal jitter, as core's retry policy computes it. */
function backoffDelayMs(attempt: number, policy: RetryPolicy, random: number): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (random * exponential) / 2);
}

function atLeastOne(value: number): number {
  return Number.isFinite(value) ? Math.max(1, Math.floor(value)) : 1;
}

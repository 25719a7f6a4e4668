import { AdaptiveLimit, CircuitBreaker, EnsembleError, isEnsembleError } from '../core/index.js';
import type { CircuitState, Clock, Logger, TimerHandle } from '../core/index.js';
import type { CircuitChange, GateCallOptions, ProviderGate, ProviderPause } from './provider-gate.js';
import { stderrLogger, systemClock } from '../host/index.js';
import { PROVIDER_POLICY_DEFAULTS } from '../config/index.js';

/** The governor's tunable numbers (`providerPolicy` in ensemble.config.yaml). */
export interface ProviderGovernorSettings {
  /** Concurrent calls per provider at first. @default 8 */
  readonly initialConcurrency?: number;
  /** The adaptive limit never grows past this. @default 64 */
  readonly maxConcurrency?: number;
  /** Consecutive failures (5xx, network, stalled streams) that open a provider's circuit. @default 5 */
  readonly breakerThreshold?: number;
  /** How long an open circuit stays open before one probe call, in ms. @default 10000 */
  readonly breakerCooldownMs?: number;
  /**
   * The longest a call waits for an open circuit, in ms; a caller that cannot be let through within
   * it fails at once with PROVIDER_CIRCUIT_OPEN. @default 15000
   */
  readonly circuitWaitMs?: number;
  /** A call queued behind the concurrency limit this long is announced (`provider:pause`, `queued`), in ms. @default 1000 */
  readonly queueNoticeMs?: number;
  /** Pause after a 429 without retry-after, doubled for each further one in a row (with jitter), in ms. @default 1000 */
  readonly rateLimitBackoffMs?: number;
  /** Upper bound of that pause, in ms. @default 30000 */
  readonly maxBackoffMs?: number;
}

/** Options of {@link createProviderGovernor}. */
export interface ProviderGovernorOptions extends ProviderGovernorSettings {
  /** Time source of pauses, waits and the breaker's cool-down. @default the system clock */
  readonly clock?: Clock;
  /** Source of jitter, a number in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Observes what the governor does (pauses, breaker and limit changes). A throwing listener is logged and ignored. */
  readonly onEvent?: (event: GovernorEvent) => void;
  /** Where a throwing `onEvent` is reported. @default `ensemble: …` lines on stderr */
  readonly logger?: Logger;
}

/** What the governor did, for logs and metrics. */
export type GovernorEvent =
  | {
      readonly type: 'provider:pause';
      readonly provider: string;
      readonly reason: 'rate-limited' | 'backoff';
      /** The wait asked for (retry-after, or a backoff when the provider gave none), in ms. */
      readonly retryAfterMs: number;
      /** Epoch ms until which no call to the provider starts. */
      readonly pausedUntil: number;
    }
  | { readonly type: 'limit:change'; readonly provider: string; readonly limit: number; readonly previousLimit: number }
  | { readonly type: 'circuit:open'; readonly provider: string; readonly reopensAt: number; readonly failures: number }
  | { readonly type: 'circuit:close'; readonly provider: string }
  | { readonly type: 'circuit:reject'; readonly provider: string; readonly waitedMs: number };

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

interface ProviderLane {
  readonly provider: string;
  readonly limit: AdaptiveLimit;
  readonly breaker: CircuitBreaker;
  readonly queue: Waiter[];
  inFlight: number;
  isProbing: boolean;
  pause: { readonly until: number; readonly reason: 'rate-limited' | 'backoff'; readonly error: EnsembleError } | undefined;
  /** 429s in a row, for the backoff of a 429 without retry-after. */
  rateLimitStreak: number;
  /** The failure that last counted towards the breaker, quoted when the circuit refuses a call. */
  lastFailure: EnsembleError | undefined;
  /** Moving average of successful call durations, in ms (0 until the first), to estimate queue waits. */
  averageCallMs: number;
  wake: { readonly at: number; readonly timer: TimerHandle } | undefined;
}

type Resolved = Required<ProviderGovernorSettings>;

/** The settings with every default filled in. */
export function resolveGovernorSettings(settings: ProviderGovernorSettings = {}): Resolved {
  const defaults = PROVIDER_POLICY_DEFAULTS;
  const maxConcurrency = atLeastOne(settings.maxConcurrency ?? defaults.maxConcurrency);
  return {
    initialConcurrency: Math.min(maxConcurrency, atLeastOne(settings.initialConcurrency ?? defaults.initialConcurrency)),
    maxConcurrency,
    breakerThreshold: atLeastOne(settings.breakerThreshold ?? defaults.breakerThreshold),
    breakerCooldownMs: nonNegative(settings.breakerCooldownMs ?? defaults.breakerCooldownMs),
    circuitWaitMs: nonNegative(settings.circuitWaitMs ?? defaults.circuitWaitMs),
    queueNoticeMs: nonNegative(settings.queueNoticeMs ?? defaults.queueNoticeMs),
    rateLimitBackoffMs: nonNegative(settings.rateLimitBackoffMs ?? 1000),
    maxBackoffMs: nonNegative(settings.maxBackoffMs ?? 30_000),
  };
}

/**
 * Creates the edge every model call passes through. Per provider: a FIFO queue limited by an
 * adaptive concurrency limit; a 429 pauses the whole provider until its retry-after (every caller
 * waits, not only the one that got it) and halves the limit; 5xx, network failures and stalled
 * streams count towards the circuit breaker. The governor never retries a call: the task's retry
 * policy does, so the calls per task are bounded by one number (`retry.max`). While the circuit is
 * open, callers wait for the half-open probe at most `circuitWaitMs` and otherwise fail at once
 * with PROVIDER_CIRCUIT_OPEN. Every wait is told to the caller (`onPause`), stops its timeout
 * (`suspendTimeout`) and is abortable, rejecting with `signal.reason`.
 */
export function createProviderGovernor(options: ProviderGovernorOptions = {}): ProviderGovernor {
  return new Governor(options);
}

const sharedGovernors = new Map<string, ProviderGovernor>();

/**
 * The process-wide governor (system clock) for these settings: one per process and set of
 * settings, so all runs share each provider's limits, pauses and circuit.
 */
export function defaultProviderGovernor(settings: ProviderGovernorSettings = {}): ProviderGovernor {
  const resolved = resolveGovernorSettings(settings);
  const key = JSON.stringify(resolved);
  let governor = sharedGovernors.get(key);
  if (governor === undefined) {
    governor = createProviderGovernor(resolved);
    sharedGovernors.set(key, governor);
  }
  return governor;
}

class Governor implements ProviderGovernor {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly settings: Resolved;
  private readonly onEvent: ((event: GovernorEvent) => void) | undefined;
  private readonly logger: Logger;
  private readonly lanes = new Map<string, ProviderLane>();

  constructor(options: ProviderGovernorOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.onEvent = options.onEvent;
    this.logger = options.logger ?? stderrLogger;
    this.settings = resolveGovernorSettings(options);
  }

  async run<T>(provider: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>, options: GateCallOptions = {}): Promise<T> {
    const lane = this.laneOf(provider);
    const admission = await this.acquire(lane, signal, options);
    if (admission.isProbe) notify(options.onCircuit, { state: 'half-open' });
    const startedAt = this.clock.now();
    let failure: unknown;
    try {
      const value = await call(signal);
      lane.inFlight--;
      this.recordSuccess(lane, admission, this.clock.now() - startedAt, options);
      this.pump(lane);
      return value;
    } catch (error) {
      lane.inFlight--;
      failure = error;
    }
    if (signal.aborted || !isEnsembleError(failure)) {
      // Aborted, or not classified by the caller: nothing says the provider is at fault.
      this.endProbe(lane, admission);
      this.pump(lane);
      throw signal.aborted ? signal.reason : failure;
    }
    if (failure.code === 'PROVIDER_RATE_LIMITED') {
      this.endProbe(lane, admission);
      const waitMs = this.pauseLane(lane, 'rate-limited', failure, admission);
      notify(options.onPause, { reason: 'rate-limited', waitMs, error: failure });
    } else if (failure.code === 'PROVIDER_UNAVAILABLE' || failure.retryable) {
      this.recordFailure(lane, admission, failure, options);
      // A 503 with retry-after asks every caller to back off, like a 429 without the limit cut.
      if (failure.retryAfterMs !== undefined) {
        const waitMs = this.pauseLane(lane, 'backoff', failure, undefined);
        notify(options.onPause, { reason: 'backoff', waitMs, error: failure });
      }
    } else {
      this.endProbe(lane, admission);
    }
    this.pump(lane);
    throw failure;
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
      ...(lane.pause !== undefined && lane.pause.until > now ? { pausedUntil: lane.pause.until } : {}),
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
        isProbing: false,
        pause: undefined,
        rateLimitStreak: 0,
        lastFailure: undefined,
        averageCallMs: 0,
        wake: undefined,
      };
      this.lanes.set(provider, lane);
    }
    return lane;
  }

  /** Resolves once the lane admits this caller (its slot then taken); the caller's timeout is stopped while it waits. */
  private acquire(lane: ProviderLane, signal: AbortSignal, options: GateCallOptions): Promise<Admission> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (lane.queue.length === 0) {
      const admission = this.tryAdmit(lane);
      if (admission !== undefined) return Promise.resolve(admission);
    }
    const resumeTimeout = options.suspendTimeout?.();
    return new Promise<Admission>((resolve, reject) => {
      const leave = (): void => {
        waiter.noticeTimer?.cancel();
        signal.removeEventListener('abort', onAbort);
        resumeTimeout?.();
      };
      const onAbort = (): void => {
        const index = lane.queue.indexOf(waiter);
        if (index >= 0) lane.queue.splice(index, 1);
        leave();
        this.pump(lane);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        options,
        enqueuedAt: this.clock.now(),
        admit: (admission) => {
          leave();
          resolve(admission);
        },
        refuse: (error) => {
          leave();
          reject(error);
        },
        circuitDeadline: undefined,
        hasHeardOfCircuit: false,
        heardOfPauseUntil: undefined,
        noticeTimer: undefined,
      };
      signal.addEventListener('abort', onAbort, { once: true });
      lane.queue.push(waiter);
      if (options.onPause !== undefined) {
        waiter.noticeTimer = this.clock.setTimer(this.settings.queueNoticeMs, () => {
          waiter.noticeTimer = undefined;
          this.noticeQueued(lane, waiter);
        });
      }
      this.pump(lane);
    });
  }

  /** Takes a slot when the lane lets a call start now: no pause, the circuit lets it pass, a slot is free. */
  private tryAdmit(lane: ProviderLane): Admission | undefined {
    const now = this.clock.now();
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

  /** Admits waiters in arrival order while the lane allows; tells the others why they wait and wakes up when that may change. */
  private pump(lane: ProviderLane): void {
    while (lane.queue.length > 0) {
      const admission = this.tryAdmit(lane);
      if (admission === undefined) break;
      lane.queue.shift()!.admit(admission);
    }
    if (lane.queue.length === 0) {
      this.cancelWake(lane);
      return;
    }
    const now = this.clock.now();
    if (lane.pause !== undefined && now < lane.pause.until) {
      const { until, reason, error } = lane.pause;
      for (const waiter of lane.queue) {
        if (waiter.heardOfPauseUntil === until) continue;
        waiter.heardOfPauseUntil = until;
        notify(waiter.options.onPause, { reason, waitMs: until - now, error });
      }
      this.wakeAt(lane, until);
      return;
    }
    const state = lane.breaker.state;
    if (state === 'open' || (state === 'half-open' && lane.isProbing)) this.holdForCircuit(lane, now, state === 'open' ? lane.breaker.reopensAt : undefined);
  }

  /**
   * Waiters held by the circuit: each may wait `circuitWaitMs` from when the circuit first held it;
   * one that cannot be let through in time (the circuit reopens after its deadline) fails now.
   */
  private holdForCircuit(lane: ProviderLane, now: number, reopensAt: number | undefined): void {
    let nextDeadline = Number.POSITIVE_INFINITY;
    for (const waiter of [...lane.queue]) {
      waiter.circuitDeadline ??= now + this.settings.circuitWaitMs;
      const deadline = waiter.circuitDeadline;
      if (now >= deadline || (reopensAt !== undefined && reopensAt > deadline)) {
        lane.queue.splice(lane.queue.indexOf(waiter), 1);
        this.emit({ type: 'circuit:reject', provider: lane.provider, waitedMs: now - waiter.enqueuedAt });
        waiter.refuse(this.circuitOpenError(lane, now, reopensAt));
        continue;
      }
      nextDeadline = Math.min(nextDeadline, deadline);
      if (!waiter.hasHeardOfCircuit) {
        waiter.hasHeardOfCircuit = true;
        notify(waiter.options.onPause, { reason: 'circuit-open', waitMs: (reopensAt ?? deadline) - now });
      }
    }
    if (lane.queue.length === 0) {
      this.cancelWake(lane);
      return;
    }
    this.wakeAt(lane, Math.min(reopensAt ?? Number.POSITIVE_INFINITY, nextDeadline));
  }

  private circuitOpenError(lane: ProviderLane, now: number, reopensAt: number | undefined): EnsembleError {
    const failures = lane.breaker.failures;
    const last = lane.lastFailure === undefined ? '' : `; last error: ${lane.lastFailure.message}`;
    const when = reopensAt === undefined ? 'its probe call is still running' : `it stays open for another ${Math.ceil((reopensAt - now) / 1000)} s`;
    return new EnsembleError(
      'PROVIDER_CIRCUIT_OPEN',
      `provider "${lane.provider}": the circuit is open after ${failures} consecutive failures and ${when}, longer than a call may wait (providerPolicy.circuitWaitMs: ${this.settings.circuitWaitMs} ms)${last}`,
      {
        retryable: false,
        details: { provider: lane.provider, failures, ...(reopensAt === undefined ? {} : { reopensAt }), circuitWaitMs: this.settings.circuitWaitMs },
        ...(lane.lastFailure === undefined ? {} : { cause: lane.lastFailure }),
      },
    );
  }

  /** A waiter still queued behind the concurrency limit after `queueNoticeMs` is told so, with an estimate of the wait. */
  private noticeQueued(lane: ProviderLane, waiter: Waiter): void {
    const position = lane.queue.indexOf(waiter);
    if (position < 0) return;
    const now = this.clock.now();
    // Paused or held by the circuit: the waiter heard the more precise reason.
    if (lane.pause !== undefined && now < lane.pause.until) return;
    if (lane.breaker.state !== 'closed') return;
    const rounds = Math.floor(position / Math.max(1, lane.limit.limit)) + 1;
    notify(waiter.options.onPause, { reason: 'queued', waitMs: Math.round(lane.averageCallMs * rounds) });
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

  private endProbe(lane: ProviderLane, admission: Admission): void {
    if (!admission.isProbe) return;
    lane.isProbing = false;
    lane.breaker.releaseProbe();
  }

  private recordSuccess(lane: ProviderLane, admission: Admission, durationMs: number, options: GateCallOptions): void {
    if (admission.isProbe) lane.isProbing = false;
    lane.rateLimitStreak = 0;
    lane.averageCallMs = lane.averageCallMs === 0 ? durationMs : lane.averageCallMs * 0.8 + durationMs * 0.2;
    const wasClosed = lane.breaker.state === 'closed';
    lane.breaker.recordSuccess();
    if (!wasClosed) {
      // A new episode: waiters held by the circuit before get a full wait if it opens again.
      for (const waiter of lane.queue) {
        waiter.circuitDeadline = undefined;
        waiter.hasHeardOfCircuit = false;
      }
      this.emit({ type: 'circuit:close', provider: lane.provider });
      notify(options.onCircuit, { state: 'closed' });
    }
    const previousLimit = lane.limit.limit;
    lane.limit.recordSuccess();
    if (lane.limit.limit !== previousLimit) this.emit({ type: 'limit:change', provider: lane.provider, limit: lane.limit.limit, previousLimit });
  }

  private recordFailure(lane: ProviderLane, admission: Admission, failure: EnsembleError, options: GateCallOptions): void {
    if (admission.isProbe) lane.isProbing = false;
    lane.lastFailure = failure;
    const previousReopensAt = lane.breaker.reopensAt;
    lane.breaker.recordFailure();
    // A new reopening time means this failure (re)opened the circuit.
    const reopensAt = lane.breaker.reopensAt;
    if (reopensAt !== undefined && reopensAt !== previousReopensAt) {
      const failures = lane.breaker.failures;
      this.emit({ type: 'circuit:open', provider: lane.provider, reopensAt, failures });
      notify(options.onCircuit, { state: 'open', failures });
    }
  }

  /** Pauses the whole provider for the error's retry-after (a backoff when it gave none); a 429 also halves the limit. */
  private pauseLane(lane: ProviderLane, reason: 'rate-limited' | 'backoff', error: EnsembleError, admission: Admission | undefined): number {
    let waitMs = error.retryAfterMs;
    if (reason === 'rate-limited') {
      lane.rateLimitStreak++;
      waitMs ??= this.backoffMs(lane.rateLimitStreak);
    }
    waitMs = Math.max(0, waitMs ?? 0);
    const until = Math.max(lane.pause?.until ?? 0, this.clock.now() + waitMs);
    lane.pause = { until, reason, error };
    this.emit({ type: 'provider:pause', provider: lane.provider, reason, retryAfterMs: waitMs, pausedUntil: until });
    if (admission !== undefined) {
      const previousLimit = lane.limit.limit;
      if (lane.limit.recordRateLimit(admission.epoch) && lane.limit.limit !== previousLimit) {
        this.emit({ type: 'limit:change', provider: lane.provider, limit: lane.limit.limit, previousLimit });
      }
    }
    return waitMs;
  }

  /** Exponential backoff with equal jitter. */
  private backoffMs(streak: number): number {
    const exponential = Math.min(this.settings.maxBackoffMs, this.settings.rateLimitBackoffMs * 2 ** (streak - 1));
    return Math.round(exponential / 2 + (this.random() * exponential) / 2);
  }

  private emit(event: GovernorEvent): void {
    if (this.onEvent === undefined) return;
    try {
      this.onEvent(event);
    } catch (error) {
      this.logger.error(`a provider governor listener threw on ${event.type}`, error);
    }
  }
}

/** Tells a caller something; a throwing callback must not break the lane. */
function notify<T extends ProviderPause | CircuitChange>(callback: ((value: T) => void) | undefined, value: T): void {
  if (callback === undefined) return;
  try {
    callback(value);
  } catch {
    // The caller's reporting failed; the call itself goes on.
  }
}

function atLeastOne(value: number): number {
  return Number.isFinite(value) ? Math.max(1, Math.floor(value)) : 1;
}

function nonNegative(value: number): number {
  return Number.isFinite(value) ? Math.max(0, value) : 0;
}

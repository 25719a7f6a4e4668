import { randomUUID } from 'node:crypto';
import { isEnsembleError } from '../core/index.js';
import type { Clock, EnsembleError, Logger } from '../core/index.js';
import type { GateCallOptions, ProviderGate } from './provider-gate.js';
import { stderrLogger, systemClock } from '../host/index.js';
import { applyRemotePause } from './apply-remote-pause.js';
import { circuitOpenError } from './circuit-open-error.js';
import { notifyCaller } from './notify-caller.js';
import type { ProviderPauseChannel, ProviderPauseNotice } from './provider-pause-channel.js';
import {
  createProviderLane,
  endProbe,
  estimateQueuedWaitMs,
  isPastCircuitWait,
  isPaused,
  nextAverageCallMs,
  rateLimitBackoffMs,
  toProviderStats,
  tryAdmit,
  type Admission,
  type LanePauseReason,
  type ProviderLane,
  type ProviderStats,
  type Waiter,
} from './provider-lane.js';
import { resolveGovernorSettings, type ProviderGovernorSettings, type ResolvedGovernorSettings } from './resolve-governor-settings.js';
import { waitForAdmission } from './wait-for-admission.js';

/** Options of {@link createProviderGovernor}. */
export interface ProviderGovernorOptions extends ProviderGovernorSettings {
  /** Time source of pauses, waits and the breaker's cool-down. @default the system clock */
  readonly clock?: Clock;
  /** Source of jitter, a number in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Observes what the governor does (pauses, breaker and limit changes). A throwing listener is logged and ignored. */
  readonly onEvent?: (event: GovernorEvent) => void;
  /** Where a throwing `onEvent` and a failing pause channel are reported. @default `ensemble: …` lines on stderr */
  readonly logger?: Logger;
  /**
   * Shares rate-limit pauses with the governors of other processes (Redis) or of this one (memory):
   * a 429 here is published, and one published elsewhere pauses the provider here too. The channel's
   * owner closes it. @default none: pauses stay in this governor
   */
  readonly pauseChannel?: ProviderPauseChannel;
  /** This governor's name on the pause channel; notices carrying it are its own and ignored. @default a random UUID */
  readonly origin?: string;
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
      /** Set when a 429 in another governor caused the pause (from the pause channel): that governor's origin. */
      readonly origin?: string;
    }
  | { readonly type: 'limit:change'; readonly provider: string; readonly limit: number; readonly previousLimit: number }
  | { readonly type: 'circuit:open'; readonly provider: string; readonly reopensAt: number; readonly failures: number }
  | { readonly type: 'circuit:close'; readonly provider: string }
  | { readonly type: 'circuit:reject'; readonly provider: string; readonly waitedMs: number };

/** A {@link ProviderGate} that can report on its providers. */
export interface ProviderGovernor extends ProviderGate {
  /** The state of one provider's lane (a provider never called reads as fresh). */
  stats(provider: string): ProviderStats;
  /** Providers called so far. */
  providers(): readonly string[];
  /**
   * Resolves once the governor hears its pause channel, having learnt the pauses still in force
   * (at once without a channel). Its first call waits for this anyway.
   */
  ready(): Promise<void>;
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
  private readonly settings: ResolvedGovernorSettings;
  private readonly onEvent: ((event: GovernorEvent) => void) | undefined;
  private readonly logger: Logger;
  private readonly lanes = new Map<string, ProviderLane>();
  private readonly pauseChannel: ProviderPauseChannel | undefined;
  private readonly origin: string;
  /** Pending while the pause channel's subscription is being set up; undefined once it is (or without a channel). */
  private listening: Promise<void> | undefined;

  constructor(options: ProviderGovernorOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.onEvent = options.onEvent;
    this.logger = options.logger ?? stderrLogger;
    this.settings = resolveGovernorSettings(options);
    this.pauseChannel = options.pauseChannel;
    this.origin = options.origin ?? randomUUID();
    if (this.pauseChannel !== undefined) {
      this.listening = this.pauseChannel
        .subscribe((pause) => this.receivePause(pause))
        .then(
          () => undefined,
          (error: unknown) => this.logger.error('provider governor: cannot hear the pause channel; rate-limit pauses stay in this process', error),
        )
        .finally(() => (this.listening = undefined));
    }
  }

  ready(): Promise<void> {
    return this.listening ?? Promise.resolve();
  }

  async run<T>(provider: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>, options: GateCallOptions = {}): Promise<T> {
    // A pause in force elsewhere must be known before the first call starts.
    if (this.listening !== undefined) await abortable(this.listening, signal);
    const lane = this.laneOf(provider);
    const admission = await this.acquire(lane, signal, options);
    if (admission.isProbe) notifyCaller(options.onCircuit, { state: 'half-open' });
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
      endProbe(lane, admission);
      this.pump(lane);
      throw signal.aborted ? signal.reason : failure;
    }
    if (failure.code === 'PROVIDER_RATE_LIMITED') {
      endProbe(lane, admission);
      const waitMs = this.pauseLane(lane, 'rate-limited', failure, admission);
      notifyCaller(options.onPause, { reason: 'rate-limited', waitMs, error: failure });
    } else if (failure.code === 'PROVIDER_UNAVAILABLE' || failure.retryable) {
      this.recordFailure(lane, admission, failure, options);
      // A 503 with retry-after asks every caller to back off, like a 429 without the limit cut.
      if (failure.retryAfterMs !== undefined) {
        const waitMs = this.pauseLane(lane, 'backoff', failure, undefined);
        notifyCaller(options.onPause, { reason: 'backoff', waitMs, error: failure });
      }
    } else {
      endProbe(lane, admission);
    }
    this.pump(lane);
    throw failure;
  }

  stats(provider: string): ProviderStats {
    return toProviderStats(this.laneOf(provider), this.clock.now());
  }

  providers(): readonly string[] {
    return [...this.lanes.keys()];
  }

  private laneOf(provider: string): ProviderLane {
    let lane = this.lanes.get(provider);
    if (lane === undefined) {
      lane = createProviderLane(provider, this.settings, this.clock);
      this.lanes.set(provider, lane);
    }
    return lane;
  }

  /** Resolves once the lane admits this caller (its slot then taken); the caller's timeout is stopped while it waits. */
  private acquire(lane: ProviderLane, signal: AbortSignal, options: GateCallOptions): Promise<Admission> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (lane.queue.length === 0) {
      const admission = tryAdmit(lane, this.clock.now());
      if (admission !== undefined) return Promise.resolve(admission);
    }
    return waitForAdmission({
      lane,
      signal,
      options,
      clock: this.clock,
      queueNoticeMs: this.settings.queueNoticeMs,
      pump: () => this.pump(lane),
      onQueueNotice: (waiter) => this.noticeQueued(lane, waiter),
    });
  }

  /** Admits waiters in arrival order while the lane allows; tells the others why they wait and wakes up when that may change. */
  private pump(lane: ProviderLane): void {
    while (lane.queue.length > 0) {
      const admission = tryAdmit(lane, this.clock.now());
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
        notifyCaller(waiter.options.onPause, { reason, waitMs: until - now, error });
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
      if (isPastCircuitWait(deadline, now, reopensAt)) {
        lane.queue.splice(lane.queue.indexOf(waiter), 1);
        this.emit({ type: 'circuit:reject', provider: lane.provider, waitedMs: now - waiter.enqueuedAt });
        waiter.refuse(circuitOpenError(lane, now, reopensAt, this.settings.circuitWaitMs));
        continue;
      }
      nextDeadline = Math.min(nextDeadline, deadline);
      if (!waiter.hasHeardOfCircuit) {
        waiter.hasHeardOfCircuit = true;
        notifyCaller(waiter.options.onPause, { reason: 'circuit-open', waitMs: (reopensAt ?? deadline) - now });
      }
    }
    if (lane.queue.length === 0) {
      this.cancelWake(lane);
      return;
    }
    this.wakeAt(lane, Math.min(reopensAt ?? Number.POSITIVE_INFINITY, nextDeadline));
  }

  /** A waiter still queued behind the concurrency limit after `queueNoticeMs` is told so, with an estimate of the wait. */
  private noticeQueued(lane: ProviderLane, waiter: Waiter): void {
    const position = lane.queue.indexOf(waiter);
    if (position < 0) return;
    // Paused or held by the circuit: the waiter heard the more precise reason.
    if (isPaused(lane, this.clock.now())) return;
    if (lane.breaker.state !== 'closed') return;
    notifyCaller(waiter.options.onPause, { reason: 'queued', waitMs: estimateQueuedWaitMs(lane, position) });
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

  private recordSuccess(lane: ProviderLane, admission: Admission, durationMs: number, options: GateCallOptions): void {
    if (admission.isProbe) lane.isProbing = false;
    lane.rateLimitStreak = 0;
    lane.averageCallMs = nextAverageCallMs(lane.averageCallMs, durationMs);
    const wasClosed = lane.breaker.state === 'closed';
    lane.breaker.recordSuccess();
    if (!wasClosed) {
      // A new episode: waiters held by the circuit before get a full wait if it opens again.
      for (const waiter of lane.queue) {
        waiter.circuitDeadline = undefined;
        waiter.hasHeardOfCircuit = false;
      }
      this.emit({ type: 'circuit:close', provider: lane.provider });
      notifyCaller(options.onCircuit, { state: 'closed' });
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
      notifyCaller(options.onCircuit, { state: 'open', failures });
    }
  }

  /** Pauses the whole provider for the error's retry-after (a backoff when it gave none); a 429 also halves the limit. */
  private pauseLane(lane: ProviderLane, reason: LanePauseReason, error: EnsembleError, admission: Admission | undefined): number {
    let waitMs = error.retryAfterMs;
    if (reason === 'rate-limited') {
      lane.rateLimitStreak++;
      waitMs ??= rateLimitBackoffMs(lane.rateLimitStreak, this.settings, this.random);
    }
    waitMs = Math.max(0, waitMs ?? 0);
    const until = Math.max(lane.pause?.until ?? 0, this.clock.now() + waitMs);
    lane.pause = { until, reason, error };
    this.emit({ type: 'provider:pause', provider: lane.provider, reason, retryAfterMs: waitMs, pausedUntil: until });
    if (reason === 'rate-limited' && waitMs > 0) this.publishPause({ provider: lane.provider, pausedUntil: until, retryAfterMs: waitMs, origin: this.origin });
    if (admission !== undefined) {
      const previousLimit = lane.limit.limit;
      if (lane.limit.recordRateLimit(admission.epoch) && lane.limit.limit !== previousLimit) {
        this.emit({ type: 'limit:change', provider: lane.provider, limit: lane.limit.limit, previousLimit });
      }
    }
    return waitMs;
  }

  private publishPause(pause: ProviderPauseNotice): void {
    this.pauseChannel?.publish(pause).catch((error: unknown) => this.logger.warn(`provider governor: could not share the pause of ${pause.provider} with other processes: ${String(error)}`));
  }

  /**
   * Another governor's 429: pauses the provider here until its end (when that is later than a pause
   * in force) and tells waiting callers, as a local 429 does. A pause that starts an episode halves
   * the limit once, advancing its epoch, so calls already in flight that now get 429s too do not
   * halve it again; one that only extends a pause in force leaves the limit alone.
   */
  private receivePause(pause: ProviderPauseNotice): void {
    if (pause.origin === this.origin) return;
    const lane = this.laneOf(pause.provider);
    const effect = applyRemotePause(lane, pause, this.clock.now());
    if (effect === 'ignored') return;
    this.emit({ type: 'provider:pause', provider: lane.provider, reason: 'rate-limited', retryAfterMs: pause.retryAfterMs, pausedUntil: pause.pausedUntil, origin: pause.origin });
    if (effect === 'started') {
      const previousLimit = lane.limit.limit;
      if (lane.limit.recordRateLimit() && lane.limit.limit !== previousLimit) {
        this.emit({ type: 'limit:change', provider: lane.provider, limit: lane.limit.limit, previousLimit });
      }
    }
    this.pump(lane);
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

/** Resolves with `promise`, or rejects with `signal.reason` once the signal aborts first. */
function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

import { EnsembleError } from './errors.js';
import type { Clock, TimerHandle } from './ports.js';

/**
 * The timeout clock of one task attempt, which can be stopped while the attempt waits in a queue
 * that is not its own work (a provider's concurrency limit): queued time does not count against
 * `timeoutMs`, and when the wait ends the clock runs on with the time that was left.
 */
export class AttemptTimeout {
  private readonly clock: Clock;
  private readonly onTimeout: () => void;
  private remainingMs: number;
  private runningSince: number;
  private timer: TimerHandle | undefined;
  /** Waits in progress; the clock runs only while there are none (an attempt may wait in several queues at once). */
  private suspensions = 0;
  private suspendedSince = 0;
  private suspendedTotalMs = 0;
  private isDone = false;

  constructor(clock: Clock, timeoutMs: number, onTimeout: () => void) {
    this.clock = clock;
    this.onTimeout = onTimeout;
    this.remainingMs = timeoutMs;
    this.runningSince = clock.now();
    this.timer = clock.setTimer(timeoutMs, () => this.fire());
  }

  /** Time spent suspended so far, in ms (for the timeout's message). */
  get suspendedMs(): number {
    return this.suspendedTotalMs + (this.suspensions > 0 ? this.clock.now() - this.suspendedSince : 0);
  }

  /** Stops the clock until the returned function is called (calling it again does nothing). */
  suspend(): () => void {
    if (this.isDone) return noop;
    if (this.suspensions++ === 0) {
      const now = this.clock.now();
      this.timer?.cancel();
      this.timer = undefined;
      this.remainingMs -= now - this.runningSince;
      this.suspendedSince = now;
    }
    let isResumed = false;
    return () => {
      if (isResumed) return;
      isResumed = true;
      this.resume();
    };
  }

  /** The attempt ended or was aborted: the clock will never fire. */
  cancel(): void {
    this.isDone = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private resume(): void {
    if (this.isDone || --this.suspensions > 0) return;
    const now = this.clock.now();
    this.suspendedTotalMs += now - this.suspendedSince;
    this.runningSince = now;
    // max(0): a timer that fired late may have let the running time pass the deadline; then it fires on the next tick, not inside the caller.
    this.timer = this.clock.setTimer(Math.max(0, this.remainingMs), () => this.fire());
  }

  private fire(): void {
    if (this.isDone) return;
    this.isDone = true;
    this.timer = undefined;
    this.onTimeout();
  }
}

/** Why an attempt is aborted when its timeout fires; the `queuedMs` it spent suspended did not count. */
export function createTaskTimeoutError(taskId: string, timeoutMs: number, queuedMs: number): EnsembleError {
  const queued = queuedMs > 0 ? ` (not counting ${queuedMs} ms spent queued)` : '';
  return new EnsembleError('TASK_TIMEOUT', `task "${taskId}" exceeded its timeout of ${timeoutMs} ms${queued}`, {
    retryable: true,
    details: { taskId, timeoutMs, queuedMs },
  });
}

function noop(): void {}

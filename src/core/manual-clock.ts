import type { Clock, TimerHandle } from './ports.js';

interface ManualTimer {
  readonly dueAt: number;
  readonly order: number;
  readonly callback: () => void;
  isCancelled: boolean;
}

/**
 * A clock that only moves when told to: for deterministic tests of timeouts, backoff and
 * makespan. `fireNext` runs the earliest due timer (ties in creation order).
 */
export class ManualClock implements Clock {
  private current: number;
  private created = 0;
  private timers: ManualTimer[] = [];

  constructor(startAt = 0) {
    this.current = startAt;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: ManualTimer = { dueAt: this.current + Math.max(0, delayMs), order: this.created++, callback, isCancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.isCancelled = true;
      },
    };
  }

  /** Number of timers still waiting. */
  get pendingTimers(): number {
    return this.timers.filter((timer) => !timer.isCancelled).length;
  }

  /** Due time of the earliest live timer, if any. */
  nextDueAt(): number | undefined {
    return this.earliest()?.dueAt;
  }

  /** Moves time to the earliest timer and runs it; returns false when none is waiting. */
  fireNext(): boolean {
    const timer = this.earliest();
    if (timer === undefined) return false;
    this.timers = this.timers.filter((candidate) => candidate !== timer && !candidate.isCancelled);
    if (timer.dueAt > this.current) this.current = timer.dueAt;
    timer.callback();
    return true;
  }

  /** Moves time forward without running timers past `untilMs`. */
  setNow(untilMs: number): void {
    this.current = Math.max(this.current, untilMs);
  }

  private earliest(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.isCancelled) continue;
      if (best === undefined || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.order < best.order)) best = timer;
    }
    return best;
  }
}

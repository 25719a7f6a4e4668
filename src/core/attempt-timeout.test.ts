import { describe, expect, it } from 'vitest';
import { AttemptTimeout } from './attempt-timeout.js';
import { ManualClock } from './manual-clock.js';

/** Runs every timer due by `untilMs`. */
function advanceTo(clock: ManualClock, untilMs: number): void {
  for (let due = clock.nextDueAt(); due !== undefined && due <= untilMs; due = clock.nextDueAt()) clock.fireNext();
  clock.setNow(untilMs);
}

describe('AttemptTimeout', () => {
  it('fires after its time when never suspended', () => {
    const clock = new ManualClock(0);
    let firedAt: number | undefined;
    new AttemptTimeout(clock, 100, () => (firedAt = clock.now()));
    advanceTo(clock, 1_000);
    expect(firedAt).toBe(100);
  });

  it('does not count suspended time, and runs on with the time that was left', () => {
    const clock = new ManualClock(0);
    let firedAt: number | undefined;
    const timeout = new AttemptTimeout(clock, 100, () => (firedAt = clock.now()));
    advanceTo(clock, 30);
    const resume = timeout.suspend();
    advanceTo(clock, 530);
    expect(firedAt).toBeUndefined();
    expect(timeout.suspendedMs).toBe(500);
    resume();
    advanceTo(clock, 1_000);
    expect(firedAt).toBe(600);
  });

  it('stays stopped while any of several overlapping waits lasts; resuming twice counts once', () => {
    const clock = new ManualClock(0);
    let firedAt: number | undefined;
    const timeout = new AttemptTimeout(clock, 100, () => (firedAt = clock.now()));
    const first = timeout.suspend();
    advanceTo(clock, 50);
    const second = timeout.suspend();
    first();
    first();
    advanceTo(clock, 400);
    expect(firedAt).toBeUndefined();
    second();
    advanceTo(clock, 1_000);
    expect(firedAt).toBe(500);
  });

  it('never fires once cancelled, even when a wait ends afterwards', () => {
    const clock = new ManualClock(0);
    let fired = false;
    const timeout = new AttemptTimeout(clock, 100, () => (fired = true));
    const resume = timeout.suspend();
    timeout.cancel();
    resume();
    advanceTo(clock, 1_000);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { startCadence } from './tmux-cadence.js';

const MINUTE_MS = 60_000;

/** Fires due timers until `untilMs`, in order. */
function advance(clock: ManualClock, untilMs: number): void {
  for (let round = 0; round < 1000; round++) {
    const dueAt = clock.nextDueAt();
    if (dueAt === undefined || dueAt > untilMs) break;
    clock.fireNext();
  }
  clock.setNow(untilMs);
}

describe('startCadence', () => {
  it('checks in every 15 minutes and commits every 30 by default', () => {
    const clock = new ManualClock(0);
    const checkIns: number[] = [];
    const commits: number[] = [];
    const stop = startCadence({ clock, onCheckIn: () => checkIns.push(clock.now() / MINUTE_MS), onCommit: () => commits.push(clock.now() / MINUTE_MS) });
    advance(clock, 61 * MINUTE_MS);
    expect(checkIns).toEqual([15, 30, 45, 60]);
    expect(commits).toEqual([30, 60]);
    stop();
    expect(clock.pendingTimers).toBe(0);
    advance(clock, 200 * MINUTE_MS);
    expect([checkIns.length, commits.length]).toEqual([4, 2]);
  });

  it('uses the configured periods and keeps going when a callback throws', () => {
    const clock = new ManualClock(1_000);
    const errors: unknown[] = [];
    let checkIns = 0;
    let commits = 0;
    const stop = startCadence({
      clock,
      checkInMs: 1_000,
      commitEveryMs: 2_500,
      onCheckIn: () => {
        checkIns++;
        throw new Error('check-in failed');
      },
      onCommit: () => commits++,
      onError: (error) => errors.push(error),
    });
    advance(clock, 11_000);
    stop();
    expect(checkIns).toBe(10);
    expect(commits).toBe(4);
    expect(errors).toHaveLength(10);
  });

  it('rejects periods under a second, naming the option', () => {
    expect(() => startCadence({ checkInMs: 999, onCheckIn: () => {}, onCommit: () => {} })).toThrow(/cadence: checkInMs/);
    expect(() => startCadence({ commitEveryMs: 0, onCheckIn: () => {}, onCommit: () => {} })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

import type { Clock, TimerHandle } from '../core/index.js';

/** The real clock: epoch ms and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    // Node caps timers at 2^31-1 ms; longer delays would fire immediately.
    const timer = setTimeout(callback, Math.min(Math.max(0, delayMs), 2_147_483_647));
    return { cancel: () => clearTimeout(timer) };
  },
};

import type { Clock } from '../core/index.js';
import type { GateCallOptions } from './provider-gate.js';
import type { Admission, ProviderLane, Waiter } from './provider-lane.js';

/** What a caller needs to queue in a lane. */
export interface AdmissionWaitOptions {
  readonly lane: ProviderLane;
  readonly signal: AbortSignal;
  readonly options: GateCallOptions;
  readonly clock: Clock;
  /** After this long in the queue, `onQueueNotice` is called (only for a caller listening to `onPause`), in ms. */
  readonly queueNoticeMs: number;
  /** Admits whoever the lane lets through: called once the waiter is queued, and after an aborted one left. */
  readonly pump: () => void;
  readonly onQueueNotice: (waiter: Waiter) => void;
}

/**
 * Queues a caller in its lane until the lane admits it (`pump` calls its `admit`), refuses it, or
 * its signal aborts (rejecting with `signal.reason`). The caller's own timeout is stopped meanwhile.
 */
export function waitForAdmission({ lane, signal, options, clock, queueNoticeMs, pump, onQueueNotice }: AdmissionWaitOptions): Promise<Admission> {
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
      pump();
      reject(signal.reason);
    };
    const waiter: Waiter = {
      options,
      enqueuedAt: clock.now(),
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
      waiter.noticeTimer = clock.setTimer(queueNoticeMs, () => {
        waiter.noticeTimer = undefined;
        onQueueNotice(waiter);
      });
    }
    pump();
  });
}

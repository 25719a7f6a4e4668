import type { RunClaim, RunStore } from '../store/index.js';

export interface ClaimWatchOptions {
  readonly store: RunStore;
  readonly claim: RunClaim;
  /** How often the heartbeat is renewed, in ms. */
  readonly heartbeatIntervalMs: number;
  /** How often the journal is checked for a cancel request, in ms. */
  readonly cancelPollMs: number;
  /** A cancel was requested from another process (`ensemble cancel`), or the run was marked cancelled. */
  readonly onCancel: (reason: string) => void;
  /** Another process claimed the run (this one was judged gone): stop, journaling nothing more. */
  readonly onClaimLost: () => void;
  /** A renewal failed (the journal is busy or unreadable); the next one tries again. */
  readonly onRenewalError: (error: unknown) => void;
  /** Called on every cancel poll too: picks up answers to the run's escalations written by another process. */
  readonly onPoll?: () => void;
}

/**
 * Keeps a running run's claim alive: renews its heartbeat, so other processes on any host see its
 * owner alive, and polls for cancel requests (and, through `onPoll`, answers to its escalations). Returns the function that stops both timers.
 */
export function watchClaim(options: ClaimWatchOptions): () => void {
  const { store, claim } = options;
  const cancelPoll = setInterval(() => {
    try {
      if (store.isCancelRequested(claim.runId)) options.onCancel('cancelled by request');
      else options.onPoll?.();
    } catch (error) {
      options.onRenewalError(error);
    }
  }, options.cancelPollMs);
  const heartbeat = setInterval(() => {
    try {
      const result = store.renewHeartbeat(claim);
      if (result === 'cancelled') options.onCancel('cancelled by request');
      else if (result === 'lost') options.onClaimLost();
    } catch (error) {
      options.onRenewalError(error);
    }
  }, options.heartbeatIntervalMs);
  // Neither timer keeps the process alive: the run's own work does.
  cancelPoll.unref();
  heartbeat.unref();
  return () => {
    clearInterval(cancelPoll);
    clearInterval(heartbeat);
  };
}

import { EnsembleError } from '../core/index.js';
import type { RunStore } from '../store/index.js';

/**
 * Cancels a run from outside the process that runs it (`ensemble cancel`, the HTTP API). A run
 * nobody runs (interrupted) is marked `cancelled` at once; a running one gets a cancel request in
 * the journal, which its owner polls, and is `requested`. UNKNOWN_RUN, or RUN_NOT_RESUMABLE for a
 * run that already ended.
 */
export function requestRunCancel(store: RunStore, runId: string): 'cancelled' | 'requested' {
  const run = store.getRun(runId);
  if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${store.path}`, { details: { runId } });
  if (run.status === 'interrupted') {
    // Nobody is running it (its owner died or its heartbeat went stale): record the decision so it is not
    // mistaken for a crash. A compare-and-set, so a resume that claimed it meanwhile is cancelled through the journal instead.
    if (store.cancelInterrupted(runId)) return 'cancelled';
    store.requestCancel(runId);
    return 'requested';
  }
  if (run.status !== 'running') {
    throw new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" is not running (status ${run.status}); there is nothing to cancel`, {
      details: { runId, status: run.status },
    });
  }
  store.requestCancel(runId);
  return 'requested';
}

import { EnsembleError } from '../core/index.js';
import type { ProviderLane } from './provider-lane.js';

/** Why a caller held by `lane`'s open circuit fails now: the failures, how long the circuit stays open, the last error as cause. */
export function circuitOpenError(lane: ProviderLane, now: number, reopensAt: number | undefined, circuitWaitMs: number): EnsembleError {
  const failures = lane.breaker.failures;
  const last = lane.lastFailure === undefined ? '' : `; last error: ${lane.lastFailure.message}`;
  const when = reopensAt === undefined ? 'its probe call is still running' : `it stays open for another ${Math.ceil((reopensAt - now) / 1000)} s`;
  return new EnsembleError(
    'PROVIDER_CIRCUIT_OPEN',
    `provider "${lane.provider}": the circuit is open after ${failures} consecutive failures and ${when}, longer than a call may wait (providerPolicy.circuitWaitMs: ${circuitWaitMs} ms)${last}`,
    {
      retryable: false,
      details: { provider: lane.provider, failures, ...(reopensAt === undefined ? {} : { reopensAt }), circuitWaitMs },
      ...(lane.lastFailure === undefined ? {} : { cause: lane.lastFailure }),
    },
  );
}

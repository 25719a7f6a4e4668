import type { FollowerRecord } from './server-load-follower.js';

/** Delivery latency of the events followers received live, in ms. */
export interface LatencySummary {
  /** Events delivered to all followers, replayed ones included. */
  readonly deliveredEventCount: number;
  /** Of those, events journaled after their follower was connected: the ones latency is measured on. */
  readonly liveEventCount: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** From a follower's request to its response headers (the server subscribes it before it answers), in ms. */
  readonly openWaitP50Ms: number;
  readonly openWaitMaxMs: number;
  /** Followers whose response headers came after their run's last event was journaled: they only replayed. */
  readonly openedAfterEndCount: number;
}

/**
 * Latency = receive time − the event's `at` (stamped when it is recorded, before the journal
 * write), over events whose `at` is at or after the moment their follower's response headers
 * arrived. The server subscribes a follower to the run's feed before it answers, so those events
 * came live, not from the replay; both clocks are the same machine's wall clock, in whole ms.
 */
export function summarizeLatency(followers: readonly FollowerRecord[]): LatencySummary {
  const latenciesMs: number[] = [];
  let deliveredEventCount = 0;
  for (const follower of followers) {
    deliveredEventCount += follower.events.length;
    for (const event of follower.events) if (event.at >= follower.connectedAt) latenciesMs.push(event.receivedAt - event.at);
  }
  latenciesMs.sort((left, right) => left - right);
  const openedAfterEndCount = followers.filter((follower) => follower.connectedAt > (follower.events.at(-1)?.at ?? Number.POSITIVE_INFINITY)).length;
  const openWaitsMs = followers.map((follower) => follower.connectedAt - follower.requestedAt).sort((left, right) => left - right);
  return {
    deliveredEventCount,
    liveEventCount: latenciesMs.length,
    p50Ms: percentile(latenciesMs, 50),
    p95Ms: percentile(latenciesMs, 95),
    p99Ms: percentile(latenciesMs, 99),
    maxMs: latenciesMs.at(-1) ?? Number.NaN,
    openWaitP50Ms: percentile(openWaitsMs, 50),
    openWaitMaxMs: openWaitsMs.at(-1) ?? Number.NaN,
    openedAfterEndCount,
  };
}

/** Nearest-rank percentile of ascending values; NaN when there are none. */
export function percentile(sortedValues: readonly number[], percent: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const rank = Math.ceil((percent / 100) * sortedValues.length);
  return sortedValues[Math.min(sortedValues.length, Math.max(1, rank)) - 1]!;
}

import { describe, expect, it } from 'vitest';
import type { FollowerRecord } from './server-load-follower.js';
import { percentile, summarizeLatency } from './server-load-latency.js';

function event(seq: number, at: number, receivedAt: number, type = 'task:start') {
  return { type, runId: 'run-a', seq, at, frameId: String(seq), receivedAt };
}

describe('summarizeLatency', () => {
  it('measures only events recorded after the follower was connected, and counts every delivery', () => {
    const follower: FollowerRecord = {
      runId: 'run-a',
      requestedAt: 900,
      connectedAt: 1000,
      // Replayed: recorded before the connection, received late; must not count as latency.
      events: [event(1, 950, 1001), event(2, 1000, 1003), event(3, 1010, 1011), event(4, 1020, 1060, 'workflow:complete')],
      closedAt: 1061,
    };
    const summary = summarizeLatency([follower]);
    expect(summary).toMatchObject({ deliveredEventCount: 4, liveEventCount: 3, p50Ms: 3, maxMs: 40, openWaitP50Ms: 100, openWaitMaxMs: 100, openedAfterEndCount: 0 });
  });

  it('counts a follower connected after its run\'s last event as one that only replayed', () => {
    const late: FollowerRecord = { runId: 'run-a', requestedAt: 900, connectedAt: 2000, events: [event(1, 950, 2001), event(2, 960, 2001, 'workflow:complete')], closedAt: 2002 };
    const summary = summarizeLatency([late]);
    expect(summary.openedAfterEndCount).toBe(1);
    expect(summary.liveEventCount).toBe(0);
    expect(summary.p99Ms).toBeNaN();
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect([percentile(values, 50), percentile(values, 95), percentile(values, 99), percentile(values, 100)]).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

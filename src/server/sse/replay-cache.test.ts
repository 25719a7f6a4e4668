import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../core/index.js';
import { ReplayCache } from './replay-cache.js';
import { encodeSseFrame } from './sse-frame.js';

function event(runId: string, seq: number, padding = ''): RunEvent {
  return { type: 'wave:start', runId, seq, at: 1_000 + seq, wave: seq, taskCount: padding.length };
}

const decode = (frames: readonly Uint8Array[]): string[] => frames.map((frame) => new TextDecoder().decode(frame));

describe('ReplayCache', () => {
  it('holds a run from seq 1 without a gap and hands out the frames after a seq', () => {
    const cache = new ReplayCache(1_000_000);
    cache.append('run-a', [event('run-a', 1), event('run-a', 2), event('run-a', 3)]);
    expect(decode(cache.framesAfter('run-a', 1, 10))).toEqual(decode([encodeSseFrame(event('run-a', 2)), encodeSseFrame(event('run-a', 3))]));
    expect(cache.framesAfter('run-a', 0, 2)).toHaveLength(2);
    expect(cache.framesAfter('run-a', 3, 10)).toEqual([]);
    expect(cache.framesAfter('run-b', 0, 10)).toEqual([]);
  });

  it('ignores events that do not continue the cached frames: a run first seen mid-way, a gap, a repeat', () => {
    const cache = new ReplayCache(1_000_000);
    cache.append('late', [event('late', 5), event('late', 6)]);
    expect(cache.framesAfter('late', 0, 10)).toEqual([]);
    cache.append('gappy', [event('gappy', 1), event('gappy', 3)]);
    cache.append('gappy', [event('gappy', 1), event('gappy', 2)]);
    expect(decode(cache.framesAfter('gappy', 0, 10)).map((frame) => /^id: (\d+)/.exec(frame)?.[1])).toEqual(['1', '2']);
  });

  it('stays within its bound: least recently used runs go first, and one run keeps at most half of it', () => {
    const frameBytes = encodeSseFrame(event('r1', 1)).byteLength;
    const cache = new ReplayCache(frameBytes * 10);
    cache.append('r1', [1, 2, 3, 4].map((seq) => event('r1', seq)));
    cache.append('r2', [1, 2, 3, 4].map((seq) => event('r2', seq)));
    expect(cache.framesAfter('r1', 0, 10)).toHaveLength(4);
    // r2 is now the least recently used: adding r3 pushes it out.
    cache.append('r3', [1, 2, 3, 4].map((seq) => event('r3', seq)));
    expect(cache.framesAfter('r2', 0, 10)).toEqual([]);
    expect(cache.framesAfter('r1', 0, 10)).toHaveLength(4);
    expect(cache.size).toBeLessThanOrEqual(frameBytes * 10);
    const big = new ReplayCache(frameBytes * 10);
    big.append('huge', Array.from({ length: 20 }, (_, index) => event('huge', index + 1)));
    expect(big.framesAfter('huge', 0, 100).length).toBeLessThanOrEqual(5);
  });
});

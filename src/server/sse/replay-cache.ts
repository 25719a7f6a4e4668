import type { RunEvent } from '../../core/index.js';
import { encodeSseFrame } from './sse-frame.js';

/** One run's frames from seq 1 on, without a gap: `frames[i]` is the frame of seq `i + 1`. */
interface CachedRun {
  readonly frames: Uint8Array[];
  bytes: number;
}

/**
 * The encoded SSE frames of recently followed runs, from their first event on, shared by every
 * client that replays them: four clients opening one run read the journal once, not four times
 * (reading, validating and re-encoding a journal row costs far more than copying its frame).
 * A journaled event never changes, so a cached frame never goes stale. Bounded in bytes: the
 * least recently used runs are dropped first, and one run never holds more than half the bound
 * (past that, its later events are read from the journal).
 */
export class ReplayCache {
  private readonly runs = new Map<string, CachedRun>();
  private totalBytes = 0;

  /** @param maxBytes Frames held at most, in bytes. */
  constructor(private readonly maxBytes: number) {}

  /** Frames of the run after `afterSeq`, at most `limit`, as far as the cache holds them (maybe none). */
  framesAfter(runId: string, afterSeq: number, limit: number): readonly Uint8Array[] {
    const run = this.touch(runId);
    if (run === undefined || afterSeq >= run.frames.length) return [];
    return run.frames.slice(afterSeq, afterSeq + limit);
  }

  /** Keeps `events` (in seq order) where they continue the run's cached frames without a gap; others are ignored. */
  append(runId: string, events: readonly RunEvent[]): void {
    if (events.length === 0) return;
    let run = this.touch(runId);
    if (run === undefined) {
      if (events[0]!.seq !== 1) return;
      run = { frames: [], bytes: 0 };
      this.runs.set(runId, run);
    }
    for (const event of events) {
      if (event.seq !== run.frames.length + 1) continue;
      const frame = encodeSseFrame(event);
      if (run.bytes + frame.byteLength > this.maxBytes / 2) break;
      run.frames.push(frame);
      run.bytes += frame.byteLength;
      this.totalBytes += frame.byteLength;
    }
    this.evict(runId);
  }

  /** Bytes held now. */
  get size(): number {
    return this.totalBytes;
  }

  /** The run's entry, moved to the most recently used end. */
  private touch(runId: string): CachedRun | undefined {
    const run = this.runs.get(runId);
    if (run === undefined) return undefined;
    this.runs.delete(runId);
    this.runs.set(runId, run);
    return run;
  }

  private evict(keep: string): void {
    for (const [runId, run] of this.runs) {
      if (this.totalBytes <= this.maxBytes) return;
      if (runId === keep) continue;
      this.runs.delete(runId);
      this.totalBytes -= run.bytes;
    }
  }
}

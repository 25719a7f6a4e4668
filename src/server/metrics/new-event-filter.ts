import type { RunEvent } from '../../core/index.js';

/**
 * Lets each event of a run through once: an event whose seq is not above the last one let through
 * for its run was counted already (a run both executed here and followed, a replay after a
 * reconnect). Remembers the last seq of at most `maxRuns` runs, dropping the least recently seen.
 */
export class NewEventFilter {
  private readonly maxRuns: number;
  /** Run id → last seq let through; Map order is recency of use (re-inserted on every event). */
  private readonly lastSeqs = new Map<string, number>();

  constructor(maxRuns: number) {
    this.maxRuns = Math.max(1, Math.floor(maxRuns));
  }

  /** Whether `event` comes after every event of its run let through so far; if so, it is remembered. */
  isNew(event: Pick<RunEvent, 'runId' | 'seq'>): boolean {
    const lastSeq = this.lastSeqs.get(event.runId);
    if (lastSeq !== undefined && event.seq <= lastSeq) return false;
    this.lastSeqs.delete(event.runId);
    this.lastSeqs.set(event.runId, event.seq);
    if (this.lastSeqs.size > this.maxRuns) {
      const oldest = this.lastSeqs.keys().next();
      if (oldest.done !== true) this.lastSeqs.delete(oldest.value);
    }
    return true;
  }
}

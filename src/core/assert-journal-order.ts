import { EnsembleError } from './errors.js';
import type { RunEvent } from './events.js';

/**
 * Refuses a batch that would break a run journal's order: every event must belong to `runId` and carry
 * a seq greater than the one before it (the journal's last, `lastSeq`, for the first). Checked before
 * anything is written, so a refused batch leaves nothing behind.
 * @throws EnsembleError `JOURNAL_ERROR` naming the run, the seq and the event type.
 */
export function assertJournalOrder(runId: string, lastSeq: number, events: readonly RunEvent[]): void {
  let previous = lastSeq;
  for (const event of events) {
    if (event.runId !== runId) {
      throw new EnsembleError('JOURNAL_ERROR', `event seq ${event.seq} (${event.type}) belongs to run "${event.runId}", not "${runId}"`, {
        details: { runId, seq: event.seq, type: event.type },
      });
    }
    if (!Number.isInteger(event.seq) || event.seq <= previous) {
      throw new EnsembleError('JOURNAL_ERROR', `run "${runId}": ${event.type} has seq ${event.seq}, not after ${previous}; nothing of this batch was journaled`, {
        details: { runId, seq: event.seq, previousSeq: previous, type: event.type },
      });
    }
    previous = event.seq;
  }
}

import { EnsembleError } from '../core/index.js';

/** Seqs of one run live in the low 32 bits of `events.event_key`; the run's `run_key` is above them. */
const SEQ_SPAN = 2n ** 32n;

/** The `events` rowid of a run's event: `run_key * 2^32 + seq`, unique per (run, seq). */
export function toEventKey(runKey: bigint, seq: number, runId: string): bigint {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq >= Number(SEQ_SPAN)) {
    throw new EnsembleError('JOURNAL_ERROR', `run "${runId}": event seq ${seq} is not an integer from 1 to ${Number(SEQ_SPAN) - 1}`, {
      details: { runId, seq },
    });
  }
  return runKey * SEQ_SPAN + BigInt(seq);
}

/** The `event_key` range `[first, last]` of a run's events after `afterSeq`. */
export function eventKeyRange(runKey: bigint, afterSeq = 0): readonly [bigint, bigint] {
  return [runKey * SEQ_SPAN + BigInt(afterSeq) + 1n, (runKey + 1n) * SEQ_SPAN - 1n];
}

import { assertJournalOrder } from './assert-journal-order.js';
import type { RunEvent } from './events.js';
import type { Journal } from './ports.js';

/**
 * A run journal held in memory (tests, `store: false` runs that still want their events, and the
 * contract suite's reference). Same rules as the SQLite journal: events of one run, seq increasing,
 * a batch written whole or not at all; events are copied, so what is read back is what was appended.
 */
export class MemoryJournal implements Journal {
  readonly runId: string;
  private readonly events: RunEvent[] = [];

  constructor(runId: string) {
    this.runId = runId;
  }

  /** Seq of the last journaled event; 0 if none. */
  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  append(events: readonly RunEvent[]): void {
    assertJournalOrder(this.runId, this.lastSeq, events);
    for (const event of events) this.events.push(structuredClone(event));
  }

  /** The journaled events in seq order, after `afterSeq` (default all). */
  read(options: { readonly afterSeq?: number } = {}): RunEvent[] {
    const afterSeq = options.afterSeq ?? 0;
    return this.events.filter((event) => event.seq > afterSeq).map((event) => structuredClone(event));
  }
}

/** An empty in-memory journal of run `runId`. */
export function openMemoryJournal(runId: string): MemoryJournal {
  return new MemoryJournal(runId);
}

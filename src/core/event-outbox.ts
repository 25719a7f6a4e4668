import type { EventPayloads, RunEvent, RunEventType } from './events.js';
import type { Clock, Journal } from './ports.js';

export interface EventOutboxOptions {
  readonly runId: string;
  readonly clock: Clock;
  /** Where events are made durable before they are emitted; omit to run without a journal. */
  readonly journal?: Journal;
  /** Receives every event, in order, after it is journaled. */
  readonly emit: (event: RunEvent) => void;
  /** The seq the first recorded event gets. */
  readonly nextSeq: number;
}

/**
 * A run's events on their way out: each gets the next seq and the time as it is recorded, and a
 * flush makes the batch durable in the journal before any of it is emitted.
 */
export class EventOutbox {
  private readonly options: EventOutboxOptions;
  private seq: number;
  private pending: RunEvent[] = [];

  constructor(options: EventOutboxOptions) {
    this.options = options;
    this.seq = options.nextSeq;
  }

  /** Whether events were recorded since the last flush. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Records an event stamped now, or at `at` (epoch ms) when the payload holds times computed from it. */
  record<T extends RunEventType>(type: T, payload: EventPayloads[T], at?: number): void {
    const event = {
      type,
      runId: this.options.runId,
      seq: this.seq++,
      at: at ?? Math.round(this.options.clock.now()),
      ...payload,
    } as unknown as RunEvent;
    this.pending.push(event);
  }

  /**
   * Journals the recorded events as one batch, then emits them. Events recorded while they are
   * emitted wait for the next flush. Throws what the journal threw; then none of the batch is emitted.
   */
  flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.options.journal?.append(batch);
    for (const event of batch) {
      try {
        this.options.emit(event);
      } catch {
        // A listener must never stop the run; the event hub reports listener errors itself.
      }
    }
  }
}

import { describe, expect, it } from 'vitest';
import { EventOutbox } from './event-outbox.js';
import type { RunEvent } from './events.js';
import { ManualClock } from './manual-clock.js';

const wave = { wave: 0, taskCount: 1 };

describe('EventOutbox', () => {
  it('numbers events from nextSeq and journals each batch before emitting any of it', () => {
    const log: string[] = [];
    const outbox = new EventOutbox({
      runId: 'run-1',
      clock: new ManualClock(1_000.4),
      journal: { append: (events) => log.push(`journal ${events.map((event) => event.seq).join(',')}`) },
      emit: (event) => log.push(`emit ${event.seq}`),
      nextSeq: 7,
    });
    outbox.record('wave:start', wave);
    outbox.record('wave:complete', wave);
    expect(outbox.hasPending).toBe(true);
    outbox.flush();
    expect(outbox.hasPending).toBe(false);
    expect(log).toEqual(['journal 7,8', 'emit 7', 'emit 8']);
  });

  it('keeps events recorded while a batch is emitted for the next flush', () => {
    const emitted: RunEvent[] = [];
    const outbox: EventOutbox = new EventOutbox({
      runId: 'run-1',
      clock: new ManualClock(0),
      emit: (event) => {
        emitted.push(event);
        if (event.type === 'wave:start') outbox.record('wave:complete', wave);
      },
      nextSeq: 1,
    });
    outbox.record('wave:start', wave);
    outbox.flush();
    expect(emitted.map((event) => event.type)).toEqual(['wave:start']);
    expect(outbox.hasPending).toBe(true);
    outbox.flush();
    expect(emitted.map((event) => event.seq)).toEqual([1, 2]);
  });

  it('emits nothing of a batch the journal refused, and throws its error', () => {
    const emitted: RunEvent[] = [];
    const outbox = new EventOutbox({
      runId: 'run-1',
      clock: new ManualClock(0),
      journal: {
        append: () => {
          throw new Error('disk full');
        },
      },
      emit: (event) => emitted.push(event),
      nextSeq: 1,
    });
    outbox.record('wave:start', wave);
    expect(() => outbox.flush()).toThrow('disk full');
    expect(emitted).toEqual([]);
  });

  it('delivers the rest of a batch when a listener throws', () => {
    const emitted: number[] = [];
    const outbox = new EventOutbox({
      runId: 'run-1',
      clock: new ManualClock(0),
      emit: (event) => {
        emitted.push(event.seq);
        if (event.seq === 1) throw new Error('listener bug');
      },
      nextSeq: 1,
    });
    outbox.record('wave:start', wave);
    outbox.record('wave:complete', wave);
    outbox.flush();
    expect(emitted).toEqual([1, 2]);
  });
});

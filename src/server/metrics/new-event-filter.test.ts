import { describe, expect, it } from 'vitest';
import { NewEventFilter } from './new-event-filter.js';

describe('NewEventFilter', () => {
  it('lets each seq of a run through once and in order, runs apart', () => {
    const filter = new NewEventFilter(10);
    expect([1, 2, 2, 1, 3].map((seq) => filter.isNew({ runId: 'a', seq }))).toEqual([true, true, false, false, true]);
    expect(filter.isNew({ runId: 'b', seq: 1 })).toBe(true);
  });

  it('remembers at most its limit of runs, forgetting the least recently seen', () => {
    const filter = new NewEventFilter(2);
    filter.isNew({ runId: 'a', seq: 5 });
    filter.isNew({ runId: 'b', seq: 5 });
    filter.isNew({ runId: 'a', seq: 6 });
    filter.isNew({ runId: 'c', seq: 1 });
    // b was the least recently seen: forgotten, so its old seq passes again; a is still remembered.
    expect(filter.isNew({ runId: 'a', seq: 6 })).toBe(false);
    expect(filter.isNew({ runId: 'b', seq: 5 })).toBe(true);
  });
});

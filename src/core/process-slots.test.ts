import { describe, expect, it } from 'vitest';
import { ProcessSlots } from './process-slots.js';

describe('ProcessSlots', () => {
  it('gives at most `limit` slots at once, and one more after each release', () => {
    const slots = new ProcessSlots(2);
    expect([slots.tryAcquire(), slots.tryAcquire(), slots.tryAcquire()]).toEqual([true, true, false]);
    expect(slots.running).toBe(2);
    slots.release();
    expect(slots.running).toBe(1);
    expect([slots.tryAcquire(), slots.tryAcquire()]).toEqual([true, false]);
  });

  it('keeps the limit a whole number of at least one', () => {
    expect(new ProcessSlots(0).limit).toBe(1);
    expect(new ProcessSlots(3.9).limit).toBe(3);
    const slots = new ProcessSlots(4);
    slots.setLimit(-2);
    expect(slots.limit).toBe(1);
  });

  it('never takes a slot back when the limit falls: holders keep theirs, new ones wait until enough are released', () => {
    const slots = new ProcessSlots(4);
    for (let index = 0; index < 4; index++) expect(slots.tryAcquire()).toBe(true);
    slots.setLimit(2);
    expect(slots.running).toBe(4);
    expect(slots.tryAcquire()).toBe(false);
    slots.release();
    slots.release();
    expect(slots.tryAcquire()).toBe(false);
    slots.release();
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.running).toBe(2);
  });

  it('tells listeners of each release and of a higher limit, not of a lower or equal one', () => {
    const slots = new ProcessSlots(1);
    let calls = 0;
    const stop = slots.onAvailable(() => calls++);
    slots.tryAcquire();
    slots.release();
    expect(calls).toBe(1);
    slots.setLimit(3);
    expect(calls).toBe(2);
    slots.setLimit(3);
    slots.setLimit(2);
    expect(calls).toBe(2);
    stop();
    slots.setLimit(5);
    expect(calls).toBe(2);
  });

  it('ignores a release with no slot held, so a double release cannot raise the limit', () => {
    const slots = new ProcessSlots(1);
    let calls = 0;
    slots.onAvailable(() => calls++);
    slots.release();
    expect(slots.running).toBe(0);
    expect(calls).toBe(0);
    expect([slots.tryAcquire(), slots.tryAcquire()]).toEqual([true, false]);
  });

  it('lets a listener unsubscribe itself, or another, while being told', () => {
    const slots = new ProcessSlots(1);
    const heard: string[] = [];
    let stopSecond = (): void => {};
    const stopFirst = slots.onAvailable(() => {
      heard.push('first');
      stopFirst();
      stopSecond();
    });
    stopSecond = slots.onAvailable(() => heard.push('second'));
    slots.setLimit(2);
    slots.setLimit(3);
    // Listeners are told from a copy: the second still hears the change it was subscribed for.
    expect(heard).toEqual(['first', 'second']);
  });
});

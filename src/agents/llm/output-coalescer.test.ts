import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOutputCoalescer } from './output-coalescer.js';

describe('createOutputCoalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports the first delta at once, then at most once per interval, and the rest on flush', () => {
    const reports: string[] = [];
    const coalescer = createOutputCoalescer((delta) => reports.push(delta), 250);
    coalescer.push('a');
    expect(reports).toEqual(['a']);
    coalescer.push('b');
    coalescer.push('c');
    expect(reports).toEqual(['a']);
    vi.advanceTimersByTime(249);
    expect(reports).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(reports).toEqual(['a', 'bc']);
    coalescer.push('d');
    coalescer.flush();
    expect(reports).toEqual(['a', 'bc', 'd']);
    vi.advanceTimersByTime(1000);
    expect(reports).toEqual(['a', 'bc', 'd']);
  });

  it('drops pending text on discard', () => {
    const reports: string[] = [];
    const coalescer = createOutputCoalescer((delta) => reports.push(delta), 250);
    coalescer.push('a');
    coalescer.push('b');
    coalescer.discard();
    vi.advanceTimersByTime(1000);
    coalescer.flush();
    expect(reports).toEqual(['a']);
  });
});

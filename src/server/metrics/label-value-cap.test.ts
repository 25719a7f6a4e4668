import { describe, expect, it } from 'vitest';
import { LabelValueCap, MAX_LABEL_VALUE_CHARS, OVERFLOW_LABEL_VALUE } from './label-value-cap.js';

describe('LabelValueCap', () => {
  it('keeps values up to the limit per label, then exports new ones as other', () => {
    const cap = new LabelValueCap(2);
    expect(['a', 'b', 'c', 'a', 'b'].map((value) => cap.valueOf('agent', value))).toEqual(['a', 'b', OVERFLOW_LABEL_VALUE, 'a', 'b']);
    // Each label has its own limit.
    expect(cap.valueOf('tool', 'c')).toBe('c');
  });

  it('cuts long values', () => {
    const cap = new LabelValueCap(5);
    expect(cap.valueOf('tool', 'x'.repeat(500))).toBe('x'.repeat(MAX_LABEL_VALUE_CHARS));
  });
});

import { describe, expect, it } from 'vitest';
import { isEnsembleError } from '../core/index.js';
import { parseParamFlags } from './parse-param-flags.js';

describe('parseParamFlags', () => {
  it('splits at the first "=" and keeps the value as typed', () => {
    expect(parseParamFlags(['k=v', 'a=b=c', ' name =  spaced value ', 'empty='])).toEqual({ k: 'v', a: 'b=c', name: '  spaced value ', empty: '' });
  });

  it('rejects a name given twice, naming it and both values (issue 6: the last one used to win silently)', () => {
    let caught: unknown;
    try {
      parseParamFlags(['k=1', 'other=x', 'k=2'], { k: { type: 'integer' } });
    } catch (error) {
      caught = error;
    }
    expect(isEnsembleError(caught) && caught.code).toBe('INVALID_INPUT');
    expect((caught as Error).message).toBe('--param k: given 2 times ("1", "2"); an integer parameter takes one value (only array parameters may repeat)');
    expect(() => parseParamFlags(['undeclared=1', 'undeclared=2'])).toThrow(/--param undeclared: given 2 times/);
  });

  it('collects a repeated array parameter, one item per flag', () => {
    expect(parseParamFlags(['tag=a,b', 'tag=c', 'single=1'], { tag: { type: 'array' } })).toEqual({ tag: ['a,b', 'c'], single: '1' });
    expect(parseParamFlags(['tag=a,b'], { tag: { type: 'array' } })).toEqual({ tag: 'a,b' });
  });

  it('keeps "__proto__" as an ordinary name', () => {
    const result = parseParamFlags(['__proto__=x']);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
  });

  it('rejects flags without "=" or without a name, naming each', () => {
    let caught: unknown;
    try {
      parseParamFlags(['ok=1', 'feature', '=value']);
    } catch (error) {
      caught = error;
    }
    expect(isEnsembleError(caught)).toBe(true);
    if (!isEnsembleError(caught)) return;
    expect(caught.code).toBe('INVALID_INPUT');
    expect(caught.message).toBe('--param: "feature" is not name=value\n--param: "=value" has no name before "="');
  });
});

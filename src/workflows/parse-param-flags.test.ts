import { describe, expect, it } from 'vitest';
import { isEnsembleError } from '../core/index.js';
import { parseParamFlags } from './parse-param-flags.js';

describe('parseParamFlags', () => {
  it('splits at the first "=" and keeps the value as typed', () => {
    expect(parseParamFlags(['k=v', 'a=b=c', ' name =  spaced value ', 'empty='])).toEqual({ k: 'v', a: 'b=c', name: '  spaced value ', empty: '' });
  });

  it('lets a later flag for the same name win', () => {
    expect(parseParamFlags(['k=1', 'k=2'])).toEqual({ k: '2' });
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

import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../test/helpers/rejection.js';
import { isEnsembleError } from '../core/index.js';
import { coerceParameters } from './check-parameters.js';
import { coerceParameterValue } from './coerce-parameters.js';
import type { WorkflowParameter } from './types.js';

const schema: Record<string, WorkflowParameter> = {
  feature: { type: 'string', required: true, description: 'What to build' },
  count: { type: 'number', default: 1.5 },
  retries: { type: 'integer' },
  verbose: { type: 'boolean', default: false },
  files: { type: 'array', default: [] },
  options: { type: 'object' },
};


describe('coerceParameters', () => {
  it('coerces strings from --param flags to each declared type', () => {
    const values = coerceParameters(schema, {
      feature: 'dark mode',
      count: ' 2.5 ',
      retries: '3',
      verbose: 'YES',
      files: ' a.ts, b.ts ,, c.ts ',
      options: '{"deep": {"x": 1}}',
    });
    expect(values).toEqual({ feature: 'dark mode', count: 2.5, retries: 3, verbose: true, files: ['a.ts', 'b.ts', 'c.ts'], options: { deep: { x: 1 } } });
  });

  it('accepts typed JSON values as they are', () => {
    const values = coerceParameters(schema, { feature: 'x', count: 4, retries: 2, verbose: true, files: ['a', 1], options: { a: 1 } });
    expect(values).toEqual({ feature: 'x', count: 4, retries: 2, verbose: true, files: ['a', 1], options: { a: 1 } });
  });

  it('fills defaults, leaves optional parameters without a default out, and copies defaults', () => {
    const values = coerceParameters(schema, { feature: 'x' });
    expect(values).toEqual({ feature: 'x', count: 1.5, verbose: false, files: [] });
    (values['files'] as string[]).push('mutated');
    expect(coerceParameters(schema, { feature: 'x' })['files']).toEqual([]);
  });

  it('treats null as not given', () => {
    expect(coerceParameters(schema, { feature: 'x', count: null })['count']).toBe(1.5);
  });

  it.each([
    ['boolean', 'true', true], ['boolean', 'no', false], ['boolean', '1', true], ['boolean', '0', false], ['boolean', 0, false],
    ['array', '["a", {"b": 2}]', ['a', { b: 2 }]], ['array', '', []], ['array', 'single', ['single']],
    ['integer', '-7', -7], ['integer', 4.0, 4], ['number', '1e3', 1000], ['number', '.5', 0.5],
    ['string', 42, '42'], ['string', false, 'false'],
  ] as const)('coerces %s from %j', (type, raw, expected) => {
    expect(coerceParameterValue(type, raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['number', 'abc', 'expected a number, got "abc"'],
    ['number', '', 'expected a number, got ""'],
    ['number', 'Infinity', 'expected a number, got "Infinity"'],
    ['number', '0x10', 'expected a number, got "0x10"'],
    ['number', Number.NaN, 'expected a number, got NaN'],
    ['integer', '1.5', 'expected an integer, got "1.5"'],
    ['integer', 2.25, 'expected an integer, got 2.25'],
    ['boolean', 'maybe', 'expected a boolean (true/false, yes/no, 1/0), got "maybe"'],
    ['array', '[1, 2', 'expected a JSON array or a comma-separated list, got invalid JSON'],
    ['array', { a: 1 }, 'expected an array, got an object'],
    ['object', '[1]', 'expected a JSON object, got "[1]"'],
    ['object', 'not json', 'expected a JSON object, got invalid JSON'],
    ['string', ['a'], 'expected a string, got an array'],
  ] as const)('rejects %s %j', (type, raw, message) => {
    const result = coerceParameterValue(type, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });

  it('reports every problem in one INVALID_INPUT error, one line per problem with its path', () => {
    const error = thrownBy(() => coerceParameters(schema, { count: 'many', retries: '2.5', fature: 'typo', verbose: 'perhaps' }));
    expect(isEnsembleError(error)).toBe(true);
    if (!isEnsembleError(error)) return;
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message.split('\n')).toEqual([
      'parameters.feature: required (string: What to build)',
      'parameters.count: expected a number, got "many"',
      'parameters.retries: expected an integer, got "2.5"',
      'parameters.verbose: expected a boolean (true/false, yes/no, 1/0), got "perhaps"',
      'parameters.fature: unknown parameter (did you mean "feature"?); known parameters: feature, count, retries, verbose, files, options',
    ]);
    expect(error.details?.['issues']).toHaveLength(5);
    expect(error.details?.['issues']).toContainEqual({ path: 'parameters.feature', message: 'required (string: What to build)' });
  });

  it('says "required" alone when the parameter has no description', () => {
    const error = thrownBy(() => coerceParameters({ feature: { type: 'string', required: true } }, {}));
    expect(isEnsembleError(error) && error.message).toBe('parameters.feature: required');
  });

  it('rejects any parameter for a workflow that declares none', () => {
    const error = thrownBy(() => coerceParameters({}, { anything: 'x' }));
    expect(isEnsembleError(error) && error.message).toBe('parameters.anything: unknown parameter; this workflow takes no parameters');
  });

  it('does not mistake inherited object members for declared parameters or given values', () => {
    const error = thrownBy(() => coerceParameters({ feature: { type: 'string' } }, { constructor: 'x' }));
    expect(isEnsembleError(error) && error.message).toContain('parameters.constructor: unknown parameter');
    const declaresToString: Record<string, WorkflowParameter> = { toString: { type: 'string' as const } };
    expect(coerceParameters(declaresToString, {})).toEqual({});
  });
});

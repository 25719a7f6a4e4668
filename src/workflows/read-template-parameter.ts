import { EnsembleError } from '../core/index.js';
import { renderParameterValue } from './substitute-placeholders.js';

// Templates get parameters already coerced; these readers narrow `unknown` for TypeScript and
// catch a library caller who calls buildTasks directly with the wrong shape.

/** A string parameter that must be present and non-blank. */
export function readStringParameter(params: Readonly<Record<string, unknown>>, name: string): string {
  const value = readOptionalStringParameter(params, name);
  if (value === undefined) throw new EnsembleError('INVALID_INPUT', `parameters.${name}: required`, { details: { parameter: name } });
  return value;
}

/** A string parameter, or undefined when absent or blank. */
export function readOptionalStringParameter(params: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = Object.hasOwn(params, name) ? params[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EnsembleError('INVALID_INPUT', `parameters.${name}: expected a string`, { details: { parameter: name } });
  return value.trim() === '' ? undefined : value.trim();
}

/** An array parameter as display strings (objects as JSON); absent means empty. */
export function readListParameter(params: Readonly<Record<string, unknown>>, name: string): string[] {
  const value = Object.hasOwn(params, name) ? params[name] : undefined;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new EnsembleError('INVALID_INPUT', `parameters.${name}: expected an array`, { details: { parameter: name } });
  return value.map((item: unknown) => renderParameterValue(item)).filter((item) => item.trim() !== '');
}

/**
 * An integer parameter from `min` to `max`, `fallback` when absent. The coercion checks types, not
 * ranges: this names the parameter and the range (INVALID_INPUT, exit 2) for anything else.
 */
export function readIntegerParameter(params: Readonly<Record<string, unknown>>, name: string, range: { readonly min: number; readonly max: number; readonly fallback: number }): number {
  const value = (Object.hasOwn(params, name) ? params[name] : undefined) ?? range.fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max) return value;
  throw new EnsembleError('INVALID_INPUT', `parameters.${name}: expected an integer from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`, {
    details: { parameter: name },
  });
}

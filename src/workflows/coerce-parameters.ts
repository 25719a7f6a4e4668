import type { InputIssue } from '../core/index.js';
import { createIssuesError } from './issues-error.js';
import type { WorkflowParameterType } from './schema.js';
import { suggestName } from './suggest-name.js';
import type { WorkflowParameter } from './types.js';

export type ParameterCoercion = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** Values and problems of a parameter set, for callers that report them with other problems. */
export interface ParameterCheck {
  readonly values: Record<string, unknown>;
  readonly issues: InputIssue[];
}

const DECIMAL_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

/**
 * Coerces raw parameter values (strings from `--param k=v`, or typed JSON from HTTP) to their
 * declared types, fills defaults, and throws one INVALID_INPUT error listing every problem:
 * unknown names, missing required values, values that do not fit their type.
 */
export function coerceParameters(
  schema: Readonly<Record<string, WorkflowParameter>>,
  raw: Readonly<Record<string, unknown>>,
  options: ParameterCheckOptions = {},
): Record<string, unknown> {
  const { values, issues } = checkParameters(schema, raw, options);
  if (issues.length > 0) throw createIssuesError('INVALID_INPUT', issues);
  return values;
}

/** How {@link checkParameters} treats a required parameter that was not given. */
export interface ParameterCheckOptions {
  /**
   * `error` reports it; `placeholder` stands `<name>` in for it, so a workflow can be shown
   * (`ensemble workflows show`) before its required values are known. @default 'error'
   */
  readonly missingRequired?: 'error' | 'placeholder';
}

/** {@link coerceParameters} without the throw: every problem is returned, none is fatal. */
export function checkParameters(
  schema: Readonly<Record<string, WorkflowParameter>>,
  raw: Readonly<Record<string, unknown>>,
  options: ParameterCheckOptions = {},
): ParameterCheck {
  const entries: [string, unknown][] = [];
  const issues: InputIssue[] = [];
  const declaredNames = Object.keys(schema);
  for (const [name, parameter] of Object.entries(schema)) {
    const path = `parameters.${name}`;
    const given = Object.hasOwn(raw, name) ? raw[name] : undefined;
    // null is how JSON says "not given"; it never fits a declared type.
    if (given === undefined || given === null) {
      if (parameter.default !== undefined) entries.push([name, structuredClone(parameter.default)]);
      else if (parameter.required === true && options.missingRequired === 'placeholder') entries.push([name, `<${name}>`]);
      else if (parameter.required === true) issues.push({ path, message: describeRequired(parameter) });
      continue;
    }
    const coercion = coerceParameterValue(parameter.type, given);
    if (coercion.ok) entries.push([name, coercion.value]);
    else issues.push({ path, message: coercion.message });
  }
  for (const name of Object.keys(raw)) {
    if (Object.hasOwn(schema, name)) continue;
    issues.push({ path: `parameters.${name}`, message: describeUnknown(name, declaredNames) });
  }
  // fromEntries defines own properties, so a name like "__proto__" cannot reach the prototype.
  return { values: Object.fromEntries(entries), issues };
}

/** Coerces one value to a parameter type; strings are parsed, typed values are checked. */
export function coerceParameterValue(type: WorkflowParameterType, value: unknown): ParameterCoercion {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return reject('a string', value);
    case 'number':
    case 'integer':
      return coerceNumber(type, value);
    case 'boolean':
      return coerceBoolean(value);
    case 'array':
      return coerceArray(value);
    case 'object':
      return coerceObject(value);
  }
}

function coerceNumber(type: 'number' | 'integer', value: unknown): ParameterCoercion {
  const expected = type === 'integer' ? 'an integer' : 'a number';
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && DECIMAL_PATTERN.test(value.trim())) number = Number(value.trim());
  else return reject(expected, value);
  if (!Number.isFinite(number)) return reject(expected, value);
  if (type === 'integer' && !Number.isSafeInteger(number)) return reject(expected, value);
  return { ok: true, value: number };
}

function coerceBoolean(value: unknown): ParameterCoercion {
  if (typeof value === 'boolean') return { ok: true, value };
  const word = typeof value === 'string' ? value.trim().toLowerCase() : typeof value === 'number' ? String(value) : undefined;
  if (word !== undefined && TRUE_WORDS.has(word)) return { ok: true, value: true };
  if (word !== undefined && FALSE_WORDS.has(word)) return { ok: true, value: false };
  return reject('a boolean (true/false, yes/no, 1/0)', value);
}

function coerceArray(value: unknown): ParameterCoercion {
  if (Array.isArray(value)) return { ok: true, value };
  if (typeof value !== 'string') return reject('an array', value);
  const text = value.trim();
  if (text.startsWith('[')) {
    const parsed = parseJson(text);
    if (!parsed.ok) return { ok: false, message: `expected a JSON array or a comma-separated list, got invalid JSON (${parsed.message})` };
    return Array.isArray(parsed.value) ? { ok: true, value: parsed.value } : reject('a JSON array', value);
  }
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return { ok: true, value: items };
}

function coerceObject(value: unknown): ParameterCoercion {
  if (isPlainObject(value)) return { ok: true, value };
  if (typeof value !== 'string') return reject('an object', value);
  const parsed = parseJson(value.trim());
  if (!parsed.ok) return { ok: false, message: `expected a JSON object, got invalid JSON (${parsed.message})` };
  return isPlainObject(parsed.value) ? { ok: true, value: parsed.value } : reject('a JSON object', value);
}

function parseJson(text: string): ParameterCoercion {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function reject(expected: string, value: unknown): ParameterCoercion {
  return { ok: false, message: `expected ${expected}, got ${describeValue(value)}` };
}

function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeRequired(parameter: WorkflowParameter): string {
  return parameter.description === undefined ? 'required' : `required (${parameter.type}: ${parameter.description})`;
}

function describeUnknown(name: string, declaredNames: readonly string[]): string {
  if (declaredNames.length === 0) return 'unknown parameter; this workflow takes no parameters';
  const suggestion = suggestName(name, declaredNames);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  return `unknown parameter${hint}; known parameters: ${declaredNames.join(', ')}`;
}

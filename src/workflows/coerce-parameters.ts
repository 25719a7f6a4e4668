import type { WorkflowParameterType } from './schema.js';
import type { WorkflowParameter } from './types.js';

export type ParameterCoercion = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

const DECIMAL_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

/**
 * Coerces one raw value (a string from `--param`, or typed JSON from HTTP) to what its
 * declaration says: the type, then the item type of an array, and an allowed value written in
 * another case to its declared spelling. Constraints (ranges, allowed values) are left to the
 * parameter schema, which names them.
 */
export function coerceParameter(declaration: WorkflowParameter, value: unknown): ParameterCoercion {
  const coercion = coerceParameterValue(declaration.type, value);
  if (!coercion.ok) return coercion;
  if (declaration.type === 'array' && Array.isArray(coercion.value)) return coerceItems(declaration, coercion.value);
  return { ok: true, value: matchAllowedValue(declaration.values, coercion.value) };
}

function coerceItems(declaration: WorkflowParameter, items: readonly unknown[]): ParameterCoercion {
  const itemType = declaration.items;
  const values: unknown[] = [];
  for (const [index, item] of items.entries()) {
    // A list item keeps its JSON type unless the declaration names one (`items`).
    const coercion = itemType === undefined || itemType === 'array' || itemType === 'object' ? { ok: true as const, value: item } : coerceParameterValue(itemType, item);
    if (!coercion.ok) return { ok: false, message: `item ${index + 1}: ${coercion.message}` };
    values.push(matchAllowedValue(declaration.values, coercion.value));
  }
  return { ok: true, value: values };
}

/** `HIGH` for a parameter allowing `high` is `high`: the case of a word from a shell is not a mistake worth an error. */
function matchAllowedValue(allowed: readonly string[] | undefined, value: unknown): unknown {
  if (allowed === undefined || typeof value !== 'string') return value;
  const wanted = value.trim().toLowerCase();
  return allowed.find((candidate) => candidate.toLowerCase() === wanted) ?? value;
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

/** A value as a message quotes it: strings in JSON quotes, containers by kind, cut to 80 characters. */
export function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

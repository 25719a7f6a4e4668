import { z } from 'zod';
import { EnsembleError } from '../core/index.js';
import { PARAMETER_TYPES, type WorkflowParameterType } from './schema.js';
import type { WorkflowParameter, WorkflowParameterSchema } from './types.js';

/** The part of a JSON Schema property this module reads. */
interface JsonSchemaProperty {
  readonly type?: unknown;
  readonly description?: unknown;
  readonly default?: unknown;
  readonly enum?: unknown;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
  readonly items?: JsonSchemaProperty;
}

const declarationsBySchema = new WeakMap<WorkflowParameterSchema, Readonly<Record<string, WorkflowParameter>>>();

/**
 * The parameter declarations a zod object schema stands for: type, description, default,
 * whether it is required, allowed values and bounds. Read through zod's JSON Schema export (the
 * input side, so a field with a default is not required), which is zod's public description of a
 * schema. Cached per schema. A field with no plain JSON type (a union, `z.unknown()`) is a
 * mistake in the template: INVALID_WORKFLOW naming it.
 */
export function toParameterDeclarations(schema: WorkflowParameterSchema, owner = 'template'): Readonly<Record<string, WorkflowParameter>> {
  const cached = declarationsBySchema.get(schema);
  if (cached !== undefined) return cached;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchemaProperty>; required?: string[] };
  const required = new Set(json.required ?? []);
  const entries = Object.entries(json.properties ?? {}).map(([name, property]): [string, WorkflowParameter] => [
    name,
    toDeclaration(property, required.has(name), `${owner} parameter "${name}"`),
  ]);
  const declarations = Object.freeze(Object.fromEntries(entries));
  declarationsBySchema.set(schema, declarations);
  return declarations;
}

function toDeclaration(property: JsonSchemaProperty, isRequired: boolean, label: string): WorkflowParameter {
  const type = readType(property, label);
  const values = readValues(type === 'array' ? property.items : property);
  const itemType = type === 'array' ? readItemType(property.items) : undefined;
  return {
    type,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    ...(isRequired ? { required: true } : {}),
    ...(property.default === undefined ? {} : { default: property.default }),
    ...(values === undefined ? {} : { values }),
    ...(itemType === undefined ? {} : { items: itemType }),
    ...readBound('minimum', property.minimum),
    ...readBound('maximum', property.maximum),
  };
}

function readType(property: JsonSchemaProperty, label: string): WorkflowParameterType {
  const type = readItemType(property);
  if (type !== undefined) return type;
  throw new EnsembleError('INVALID_WORKFLOW', `${label}: its schema has no plain type (${PARAMETER_TYPES.join(', ')}); unions and unknown values cannot be given as --param`, {
    details: { label },
  });
}

/** The plain type of a schema, if it has one; an item schema without one (`z.unknown()`) takes any JSON value. */
function readItemType(property: JsonSchemaProperty | undefined): WorkflowParameterType | undefined {
  const type = property?.type;
  return typeof type === 'string' && (PARAMETER_TYPES as readonly string[]).includes(type) ? (type as WorkflowParameterType) : undefined;
}

function readValues(property: JsonSchemaProperty | undefined): readonly string[] | undefined {
  const values = property?.enum;
  if (!Array.isArray(values) || !values.every((value): value is string => typeof value === 'string')) return undefined;
  return values;
}

/** A bound zod wrote only because the number is a safe integer says nothing about the parameter. */
function readBound(key: 'minimum' | 'maximum', value: unknown): Partial<Record<'minimum' | 'maximum', number>> {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) >= Number.MAX_SAFE_INTEGER) return {};
  return { [key]: value };
}

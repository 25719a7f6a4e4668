import { z } from 'zod';
import type { WorkflowParameter, WorkflowParameterSchema } from './types.js';

const schemaByDeclarations = new WeakMap<Readonly<Record<string, WorkflowParameter>>, WorkflowParameterSchema>();

/**
 * The zod object schema of parameter declarations (a workflow file's `parameters`, or a
 * template that still declares them by hand), so every workflow's values are checked the same
 * way. A required parameter without a default must be given; any other may be left out.
 * Defaults are cloned per parse, so a caller changing a value cannot change the declaration.
 */
export function toParameterSchema(declarations: Readonly<Record<string, WorkflowParameter>>): WorkflowParameterSchema {
  const cached = schemaByDeclarations.get(declarations);
  if (cached !== undefined) return cached;
  const shape = Object.fromEntries(Object.entries(declarations).map(([name, declaration]) => [name, toFieldSchema(declaration)]));
  const schema = z.strictObject(shape);
  schemaByDeclarations.set(declarations, schema);
  return schema;
}

function toFieldSchema(declaration: WorkflowParameter): z.ZodType {
  let field = toTypeSchema(declaration);
  if (declaration.description !== undefined) field = field.describe(declaration.description);
  const defaultValue = declaration.default;
  if (defaultValue !== undefined) return field.default(() => structuredClone(defaultValue));
  return declaration.required === true ? field : field.optional();
}

function toTypeSchema(declaration: WorkflowParameter): z.ZodType {
  switch (declaration.type) {
    case 'string':
      return toTextSchema(declaration.values);
    case 'number':
    case 'integer': {
      let number = declaration.type === 'integer' ? z.int() : z.number();
      if (declaration.minimum !== undefined) number = number.min(declaration.minimum);
      if (declaration.maximum !== undefined) number = number.max(declaration.maximum);
      return number;
    }
    case 'boolean':
      return z.boolean();
    case 'array':
      return z.array(declaration.items === undefined ? z.unknown() : toTypeSchema({ type: declaration.items, ...(declaration.values === undefined ? {} : { values: declaration.values }) }));
    case 'object':
      return z.record(z.string(), z.unknown());
  }
}

function toTextSchema(values: readonly string[] | undefined): z.ZodType {
  const [first, ...rest] = values ?? [];
  return first === undefined ? z.string() : z.enum([first, ...rest]);
}

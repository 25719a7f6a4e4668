import type { InputIssue } from '../core/index.js';
import { formatIssuePath } from '../core/index.js';
import { coerceParameter } from './coerce-parameters.js';
import { createParameterErrorMap } from './describe-parameter-issue.js';
import { createIssuesError } from './issues-error.js';
import { suggestName } from './suggest-name.js';
import { toParameterSchema } from './to-parameter-schema.js';
import type { WorkflowParameter, WorkflowParameterSchema } from './types.js';

/** A workflow's parameters: the schema values are checked against, and the declarations derived from it (or it from them). */
export interface ParameterSet {
  readonly schema: WorkflowParameterSchema;
  readonly declarations: Readonly<Record<string, WorkflowParameter>>;
}

/** How {@link checkParameters} treats a required parameter that was not given. */
export interface ParameterCheckOptions {
  /**
   * `error` reports it; `placeholder` stands `<name>` in for it, so a workflow can be shown
   * (`ensemble workflows show`) before its required values are known. @default 'error'
   */
  readonly missingRequired?: 'error' | 'placeholder';
}

/** Values and problems of a parameter set, for callers that report them with other problems. */
export interface ParameterCheck {
  /** The parsed values, defaults included; with problems, the best guess (given values that fit, defaults). */
  readonly values: Record<string, unknown>;
  /** Every problem, in declaration order, unknown names last; paths like `parameters.attempts`. */
  readonly issues: InputIssue[];
}

/**
 * Checks raw parameter values (strings from `--param`, typed JSON from HTTP) in two steps: each
 * value is coerced to its declared type (so `attempts=3` is the number 3), then the whole set is
 * parsed by the zod schema, which applies defaults and constraints. Every problem is returned,
 * none is fatal: unknown names (with "did you mean"), missing required values, values of the
 * wrong type or out of range, and the schema's own checks.
 */
export function checkParameters(parameters: ParameterSet, raw: Readonly<Record<string, unknown>>, options: ParameterCheckOptions = {}): ParameterCheck {
  const { schema, declarations } = parameters;
  const declaredNames = Object.keys(declarations);
  const issues: InputIssue[] = [];
  const input: Record<string, unknown> = {};
  const placeholders: Record<string, string> = {};
  // Names already reported (or stood in for): the schema's complaint about them would repeat it.
  const settled = new Set<string>();
  for (const [name, declaration] of Object.entries(declarations)) {
    const given = Object.hasOwn(raw, name) ? raw[name] : undefined;
    // null is how JSON says "not given"; it never fits a declared type.
    if (given === undefined || given === null) {
      if (declaration.required !== true || declaration.default !== undefined) continue;
      settled.add(name);
      if (options.missingRequired === 'placeholder') placeholders[name] = `<${name}>`;
      else issues.push({ path: `parameters.${name}`, message: describeRequired(declaration) });
      continue;
    }
    const coercion = coerceParameter(declaration, given);
    if (coercion.ok) input[name] = coercion.value;
    else {
      settled.add(name);
      issues.push({ path: `parameters.${name}`, message: coercion.message });
    }
  }
  // No prototype: zod reads each declared key, and a parameter named "toString" must not find Object's.
  const parsed = schema.safeParse(Object.assign(Object.create(null) as object, input, placeholders), { error: createParameterErrorMap(declarations), reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path[0];
      if (typeof name === 'string' && settled.has(name)) continue;
      // The schema's own unknown-key report is replaced by the one below, which suggests a name.
      if (issue.code === 'unrecognized_keys' && issue.path.length === 0) continue;
      issues.push({ path: formatIssuePath('parameters', issue.path), message: issue.message });
    }
  }
  const order = (issue: InputIssue): number => {
    const index = declaredNames.findIndex((name) => issue.path === `parameters.${name}` || issue.path.startsWith(`parameters.${name}[`) || issue.path.startsWith(`parameters.${name}.`));
    return index === -1 ? declaredNames.length : index;
  };
  issues.sort((left, right) => order(left) - order(right));
  for (const name of Object.keys(raw)) {
    if (Object.hasOwn(declarations, name)) continue;
    issues.push({ path: `parameters.${name}`, message: describeUnknown(name, declaredNames) });
  }
  const values = parsed.success && issues.length === 0 ? withoutUndefined(parsed.data) : bestGuess(declarations, input, placeholders);
  // Placeholders stand in even where the schema would refuse them (an integer): `show` only renders them.
  return { values: { ...values, ...placeholders }, issues };
}

/**
 * {@link checkParameters} for callers that want the values or one INVALID_INPUT error listing
 * every problem. `parameters` may be plain declarations (a workflow file's `parameters` map),
 * checked through the zod schema made from them.
 */
export function coerceParameters(
  parameters: ParameterSet | Readonly<Record<string, WorkflowParameter>>,
  raw: Readonly<Record<string, unknown>>,
  options: ParameterCheckOptions = {},
): Record<string, unknown> {
  const set = isParameterSet(parameters) ? parameters : { schema: toParameterSchema(parameters), declarations: parameters };
  const { values, issues } = checkParameters(set, raw, options);
  if (issues.length > 0) throw createIssuesError('INVALID_INPUT', issues);
  return values;
}

function isParameterSet(value: ParameterSet | Readonly<Record<string, WorkflowParameter>>): value is ParameterSet {
  // A declaration always has a string `type`; a set's `schema` is a zod object, its `declarations` a record.
  const { schema, declarations } = value as Partial<Record<'schema' | 'declarations', unknown>>;
  return typeof schema === 'object' && schema !== null && 'safeParse' in schema && typeof declarations === 'object' && declarations !== null;
}

function withoutUndefined(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // fromEntries defines own properties, so a name like "__proto__" cannot reach the prototype.
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

function bestGuess(declarations: Readonly<Record<string, WorkflowParameter>>, input: Readonly<Record<string, unknown>>, placeholders: Readonly<Record<string, string>>): Record<string, unknown> {
  const entries = Object.entries(declarations).flatMap(([name, declaration]): [string, unknown][] => {
    if (Object.hasOwn(input, name)) return [[name, input[name]]];
    if (Object.hasOwn(placeholders, name)) return [[name, placeholders[name]]];
    return declaration.default === undefined ? [] : [[name, structuredClone(declaration.default)]];
  });
  return Object.fromEntries(entries);
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

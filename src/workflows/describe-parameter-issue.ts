import type { z } from 'zod';
import { describeValue } from './coerce-parameters.js';
import type { WorkflowParameter } from './types.js';

type RawIssue = z.core.$ZodRawIssue;

/**
 * A zod error map for parameter values that says what was expected in the words of `--param`
 * users (`expected an integer from 1 to 5, got 7`), using the declaration of the parameter for
 * both ends of a range. Messages a schema sets itself (`.min(1, 'at least one area')`) win over
 * these, as zod gives schema messages precedence; undefined leaves zod's own message.
 */
export function createParameterErrorMap(declarations: Readonly<Record<string, WorkflowParameter>>): (issue: RawIssue) => string | undefined {
  return (issue) => {
    const path = issue.path ?? [];
    const name = path[0];
    const declared = typeof name === 'string' && Object.hasOwn(declarations, name) ? declarations[name] : undefined;
    // A range names both ends only for the parameter itself; an item of a list is told its type.
    const declaration = path.length === 1 ? declared : undefined;
    const isIntegerItem = path.length === 2 && typeof path[1] === 'number' && declared?.items === 'integer';
    switch (issue.code) {
      case 'invalid_type':
        return `expected ${describeExpected(String(issue.expected))}, got ${describeValue(issue.input)}`;
      case 'invalid_value':
        return `expected one of ${issue.values.map((value) => String(value)).join(', ')}, got ${describeValue(issue.input)}`;
      case 'too_small':
      case 'too_big':
        return describeBound(issue, declaration, isIntegerItem);
      case 'unrecognized_keys':
        return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
      default:
        return undefined;
    }
  };
}

function describeBound(issue: Extract<RawIssue, { code: 'too_small' | 'too_big' }>, declaration: WorkflowParameter | undefined, isIntegerItem: boolean): string | undefined {
  const isSmall = issue.code === 'too_small';
  const limit = Number(isSmall ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case 'number':
    case 'int': {
      const kind = declaration?.type === 'integer' || isIntegerItem || issue.origin === 'int' ? 'an integer' : 'a number';
      if (declaration?.minimum !== undefined && declaration.maximum !== undefined) {
        return `expected ${kind} from ${declaration.minimum} to ${declaration.maximum}, got ${describeValue(issue.input)}`;
      }
      const strict = issue.inclusive === false;
      const relation = isSmall ? (strict ? 'above' : 'of at least') : strict ? 'below' : 'of at most';
      return `expected ${kind} ${relation} ${limit}, got ${describeValue(issue.input)}`;
    }
    case 'string':
      if (isSmall) return limit <= 1 ? 'must not be empty' : `must be at least ${limit} characters`;
      return `must be at most ${limit} characters`;
    case 'array':
      if (isSmall) return `needs at least ${limit} item${limit === 1 ? '' : 's'}`;
      return `takes at most ${limit} item${limit === 1 ? '' : 's'}`;
    default:
      return undefined;
  }
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'array':
    case 'object':
      return `an ${expected}`;
    case 'record':
      return 'an object';
    default:
      return `a ${expected}`;
  }
}

import type { InputIssue } from '../core/index.js';
import { createIssuesError } from './issues-error.js';
import type { WorkflowParameter } from './types.js';

/** Raw values from `--param` flags: one string per name, or several for an array parameter given more than once. */
export type ParamFlagValues = Record<string, string | string[]>;

/**
 * Splits `--param name=value` flags at the first "=" (`a=b=c` → `{a: 'b=c'}`); names are trimmed,
 * values kept as typed. Values stay strings: {@link coerceParameters} types them against the
 * workflow's schema. A name given twice is an error naming it (silently keeping the last one
 * hid typos in scripts), except for a parameter declared `array` in `parameters`: each repeat is
 * then one item (`--param tag=a --param tag=b` → `['a', 'b']`).
 */
export function parseParamFlags(flags: readonly string[], parameters: Readonly<Record<string, WorkflowParameter>> = {}): ParamFlagValues {
  const values = new Map<string, string[]>();
  const issues: InputIssue[] = [];
  for (const flag of flags) {
    const separator = flag.indexOf('=');
    const name = separator === -1 ? '' : flag.slice(0, separator).trim();
    if (separator === -1) issues.push({ path: '--param', message: `"${flag}" is not name=value` });
    else if (name === '') issues.push({ path: '--param', message: `"${flag}" has no name before "="` });
    else values.set(name, [...(values.get(name) ?? []), flag.slice(separator + 1)]);
  }
  const entries: [string, string | string[]][] = [];
  for (const [name, given] of values) {
    const isArray = Object.hasOwn(parameters, name) && parameters[name]?.type === 'array';
    if (given.length === 1) entries.push([name, given[0]!]);
    else if (isArray) entries.push([name, given]);
    else {
      const declaredType = Object.hasOwn(parameters, name) ? parameters[name]!.type : undefined;
      const type = declaredType === undefined ? 'a parameter' : `${/^[aeiou]/.test(declaredType) ? 'an' : 'a'} ${declaredType} parameter`;
      const shown = given.map((value) => JSON.stringify(value)).join(', ');
      issues.push({ path: `--param ${name}`, message: `given ${given.length} times (${shown}); ${type} takes one value (only array parameters may repeat)` });
    }
  }
  if (issues.length > 0) throw createIssuesError('INVALID_INPUT', issues);
  // fromEntries defines own properties, so a name like "__proto__" cannot reach the prototype.
  return Object.fromEntries(entries);
}

import type { InputIssue } from '../core/index.js';
import { createIssuesError } from './issues-error.js';

/**
 * Splits `--param name=value` flags at the first "=" (`a=b=c` → `{a: 'b=c'}`); names are trimmed,
 * values kept as typed, and a later flag for the same name wins. Values stay strings:
 * {@link coerceParameters} types them against the workflow's schema.
 */
export function parseParamFlags(flags: readonly string[]): Record<string, string> {
  const entries: [string, string][] = [];
  const issues: InputIssue[] = [];
  for (const flag of flags) {
    const separator = flag.indexOf('=');
    const name = separator === -1 ? '' : flag.slice(0, separator).trim();
    if (separator === -1) issues.push({ path: '--param', message: `"${flag}" is not name=value` });
    else if (name === '') issues.push({ path: '--param', message: `"${flag}" has no name before "="` });
    else entries.push([name, flag.slice(separator + 1)]);
  }
  if (issues.length > 0) throw createIssuesError('INVALID_INPUT', issues);
  return Object.fromEntries(entries);
}

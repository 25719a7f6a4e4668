import type { InputIssue } from '../core/index.js';
import { formatIssuePath } from '../core/index.js';
import { isPlainObject } from './coerce-parameters.js';
import { suggestName } from './suggest-name.js';

/** The parameters `{{name}}` may refer to; a declared name without a value renders as "". */
export interface PlaceholderScope {
  readonly declaredNames: readonly string[];
  readonly values: Readonly<Record<string, unknown>>;
}

export interface TextSubstitution {
  readonly text: string;
  /** Placeholders naming no declared parameter, as written (`{{resourse}}`); left in the text. */
  readonly unknownPlaceholders: readonly string[];
}

export interface TaskSubstitution {
  readonly task: unknown;
  readonly issues: InputIssue[];
}

// `\{{` is an escaped literal "{{"; matching it first keeps what follows from being read as a name.
// Names start with a letter or "_", so foreign templates (`{{ .Values.x }}`, `{{ $t('a') }}`) pass through.
const PLACEHOLDER_PATTERN = /\\\{\{|\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** Replaces `{{ name }}` with the rendered parameter value and `\{{` with a literal `{{`. */
export function substitutePlaceholders(text: string, scope: PlaceholderScope): TextSubstitution {
  const unknownPlaceholders: string[] = [];
  const result = text.replace(PLACEHOLDER_PATTERN, (match: string, name: string | undefined) => {
    if (name === undefined) return '{{';
    if (!scope.declaredNames.includes(name)) {
      unknownPlaceholders.push(match);
      return match;
    }
    return renderParameterValue(Object.hasOwn(scope.values, name) ? scope.values[name] : undefined);
  });
  return { text: result, unknownPlaceholders };
}

/** How a parameter value reads inside a prompt: arrays as "a, b, c", objects as JSON. */
export function renderParameterValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => (typeof item === 'string' ? item : JSON.stringify(item) ?? '')).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Substitutes placeholders in a raw task's `prompt`, `description` and the strings inside
 * `context` (at any depth). Other fields are left alone: ids, agents and dependencies are
 * structure, not text. A non-object task is returned as is for the schema to reject.
 */
export function substituteTaskPlaceholders(task: unknown, taskPath: string, scope: PlaceholderScope): TaskSubstitution {
  if (!isPlainObject(task)) return { task, issues: [] };
  const issues: InputIssue[] = [];
  const taskLabel = typeof task['id'] === 'string' ? ` in task "${task['id']}"` : '';
  const substitute = (text: string, path: readonly PropertyKey[]): string => {
    const substitution = substitutePlaceholders(text, scope);
    for (const placeholder of substitution.unknownPlaceholders) {
      issues.push({ path: formatIssuePath(taskPath, path), message: describeUnknownPlaceholder(placeholder, taskLabel, scope) });
    }
    return substitution.text;
  };
  const result: Record<string, unknown> = { ...task };
  for (const field of ['prompt', 'description'] as const) {
    const value = task[field];
    if (typeof value === 'string') result[field] = substitute(value, [field]);
  }
  if (task['context'] !== undefined) result['context'] = substituteDeep(task['context'], ['context'], substitute);
  return { task: result, issues };
}

function substituteDeep(value: unknown, path: readonly PropertyKey[], substitute: (text: string, path: readonly PropertyKey[]) => string): unknown {
  if (typeof value === 'string') return substitute(value, path);
  if (Array.isArray(value)) return value.map((item: unknown, index) => substituteDeep(item, [...path, index], substitute));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteDeep(item, [...path, key], substitute)]));
  }
  return value;
}

function describeUnknownPlaceholder(placeholder: string, taskLabel: string, scope: PlaceholderScope): string {
  const base = `unknown parameter "${placeholder}"${taskLabel}`;
  if (scope.declaredNames.length === 0) return `${base}; the workflow declares no parameters (write \\{{ for a literal "{{")`;
  const name = placeholder.slice(2, -2).trim();
  const suggestion = suggestName(name, scope.declaredNames);
  const hint = suggestion === undefined ? '' : ` (did you mean "{{${suggestion}}}"?)`;
  return `${base}${hint}; declared parameters: ${scope.declaredNames.join(', ')}`;
}

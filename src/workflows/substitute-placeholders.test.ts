import { describe, expect, it } from 'vitest';
import { renderParameterValue, substitutePlaceholders, substituteTaskPlaceholders } from './substitute-placeholders.js';

const scope = {
  declaredNames: ['resource', 'files', 'stack', 'notes', 'count'],
  values: { resource: 'todo', files: ['a.ts', 'b.ts'], stack: { db: 'postgres' }, count: 3 },
};

describe('substitutePlaceholders', () => {
  it('replaces placeholders, allowing whitespace inside the braces', () => {
    expect(substitutePlaceholders('API for {{resource}} / {{ resource }} / {{\tcount }}', scope)).toEqual({
      text: 'API for todo / todo / 3',
      unknownPlaceholders: [],
    });
  });

  it('renders arrays as a comma-separated list and objects as JSON', () => {
    expect(substitutePlaceholders('files: {{files}}; stack: {{stack}}', scope).text).toBe('files: a.ts, b.ts; stack: {"db":"postgres"}');
    expect(renderParameterValue([1, 'x', { a: 1 }])).toBe('1, x, {"a":1}');
  });

  it('renders a declared parameter without a value as empty text', () => {
    expect(substitutePlaceholders('notes: [{{notes}}]', scope).text).toBe('notes: []');
  });

  it('writes \\{{ as a literal {{ and does not read a name after it', () => {
    expect(substitutePlaceholders('Vue: \\{{ message }} and {{resource}}', scope).text).toBe('Vue: {{ message }} and todo');
  });

  it('leaves foreign template syntax that cannot be a parameter name alone', () => {
    expect(substitutePlaceholders('{{ .Values.image }} {{ $t("x") }} {{ a + b }}', scope)).toEqual({
      text: '{{ .Values.image }} {{ $t("x") }} {{ a + b }}',
      unknownPlaceholders: [],
    });
  });

  it('reports placeholders naming no declared parameter, as written', () => {
    expect(substitutePlaceholders('{{resourse}} and {{ other }}', scope)).toEqual({
      text: '{{resourse}} and {{ other }}',
      unknownPlaceholders: ['{{resourse}}', '{{ other }}'],
    });
  });
});

describe('substituteTaskPlaceholders', () => {
  it('substitutes prompt, description and strings anywhere in context, and nothing else', () => {
    const result = substituteTaskPlaceholders(
      {
        id: '{{resource}}',
        agentName: 'a',
        description: 'for {{resource}}',
        prompt: 'build {{resource}}',
        dependencies: ['{{resource}}'],
        context: { note: '{{count}}', nested: { list: ['{{files}}', 7] } },
      },
      'tasks[0]',
      scope,
    );
    expect(result.issues).toEqual([]);
    expect(result.task).toEqual({
      id: '{{resource}}',
      agentName: 'a',
      description: 'for todo',
      prompt: 'build todo',
      dependencies: ['{{resource}}'],
      context: { note: '3', nested: { list: ['a.ts, b.ts', 7] } },
    });
  });

  it('names the task path, the task id and the placeholder, and suggests the near miss', () => {
    const result = substituteTaskPlaceholders(
      { id: 'implement-api', prompt: 'x {{resourse}}', context: { deep: ['{{nope}}'] } },
      'tasks[1]',
      scope,
    );
    expect(result.issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'tasks[1].prompt: unknown parameter "{{resourse}}" in task "implement-api" (did you mean "{{resource}}"?); declared parameters: resource, files, stack, notes, count',
      'tasks[1].context.deep[0]: unknown parameter "{{nope}}" in task "implement-api"; declared parameters: resource, files, stack, notes, count',
    ]);
  });

  it('hints at the escape when the workflow declares no parameters', () => {
    const result = substituteTaskPlaceholders({ id: 'a', prompt: '{{ message }}' }, 'tasks[0]', { declaredNames: [], values: {} });
    expect(result.issues[0]?.message).toBe('unknown parameter "{{ message }}" in task "a"; the workflow declares no parameters (write \\{{ for a literal "{{")');
  });

  it('returns a non-object task untouched for the schema to reject', () => {
    expect(substituteTaskPlaceholders('not a task', 'tasks[0]', scope)).toEqual({ task: 'not a task', issues: [] });
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnsembleError } from '../core/index.js';
import { isEnsembleError, validateGraph } from '../core/index.js';
import { resolveWorkflow } from './resolve-workflow.js';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-workflows-'));
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  writeFileSync(join(folder, name), text);
  return name;
}

function resolveError(reference: string, params: Record<string, unknown> = {}): EnsembleError {
  try {
    resolveWorkflow(reference, { cwd: folder, params });
  } catch (error) {
    if (isEnsembleError(error)) return error;
    throw error;
  }
  throw new Error('expected resolveWorkflow to throw');
}

const API_YAML = `
id: api
name: Custom API Development
config: {maxParallelAgents: 2, contextStrategy: shared}
parameters:
  resource: {type: string, default: todo}
  endpoints: {type: array, default: [list, get]}
  port: {type: integer, required: true}
tasks:
  - id: design-api
    agentName: backend-architect
    description: Design the {{resource}} API
    prompt: Design a RESTful API for a {{ resource }} service with {{endpoints}} on port {{port}}
    priority: 10
    context: {resource: "{{resource}}", port: 8080}
  - id: implement-api
    agentName: backend-architect
    prompt: Implement it
    dependencies: [design-api]
    retry: {max: 3, backoffMs: 1000}
    timeoutMs: 120000
`;

describe('resolveWorkflow with a YAML file', () => {
  it('loads tasks with defaults applied and parameters substituted', () => {
    write('api.yaml', API_YAML);
    const workflow = resolveWorkflow('api.yaml', { cwd: folder, params: { resource: 'invoice', port: '3000' } });
    expect(workflow).toMatchObject({
      workflowId: 'api',
      name: 'Custom API Development',
      source: join(folder, 'api.yaml'),
      config: { maxParallelAgents: 2, contextStrategy: 'shared' },
      parameters: { resource: 'invoice', endpoints: ['list', 'get'], port: 3000 },
    });
    expect(workflow.tasks).toEqual([
      {
        id: 'design-api',
        agentName: 'backend-architect',
        description: 'Design the invoice API',
        prompt: 'Design a RESTful API for a invoice service with list, get on port 3000',
        dependencies: [],
        priority: 10,
        context: { resource: 'invoice', port: 8080 },
      },
      {
        id: 'implement-api',
        agentName: 'backend-architect',
        description: '',
        prompt: 'Implement it',
        dependencies: ['design-api'],
        priority: 5,
        retry: { max: 3, backoffMs: 1000, maxBackoffMs: 60_000 },
        timeoutMs: 120_000,
      },
    ]);
  });

  it('reads --param flags against the declared parameters: an array may repeat, anything else may not (issue 6)', () => {
    write('api.yaml', API_YAML);
    const workflow = resolveWorkflow('api.yaml', { cwd: folder, paramFlags: ['port=3000', 'endpoints=list', 'endpoints=delete'] });
    expect(workflow.parameters).toEqual({ resource: 'todo', endpoints: ['list', 'delete'], port: 3000 });
    expect(() => resolveWorkflow('api.yaml', { cwd: folder, paramFlags: ['port=3000', 'port=4000'] })).toThrow(
      '--param port: given 2 times ("3000", "4000"); an integer parameter takes one value (only array parameters may repeat)',
    );
  });

  it('describes the file (description, category, tags, declared parameters) and can stand in placeholders for missing required values', () => {
    write('described.yaml', `name: Described\ndescription: Does things\ncategory: testing\ntags: [a, b]\n${API_YAML.slice(API_YAML.indexOf('parameters:'))}`);
    const workflow = resolveWorkflow('described.yaml', { cwd: folder, missingRequired: 'placeholder' });
    expect(workflow).toMatchObject({ description: 'Does things', category: 'testing', tags: ['a', 'b'], parameters: { port: '<port>' } });
    expect(workflow.parameterSchema).toEqual({
      resource: { type: 'string', default: 'todo' },
      endpoints: { type: 'array', default: ['list', 'get'] },
      port: { type: 'integer', required: true },
    });
    expect(workflow.tasks[0]!.prompt).toContain('on port <port>');
  });

  it('keeps the file config as written, without run defaults, for the caller to merge over', () => {
    write('config.yml', 'name: C\nconfig: {retry: {max: 2}}\ntasks: [{id: a, agentName: x}]\n');
    const workflow = resolveWorkflow('config.yml', { cwd: folder });
    expect(workflow.config).toEqual({ retry: { max: 2 } });
    expect(workflow.workflowId).toBeUndefined();
    expect(workflow.parameters).toEqual({});
  });

  it('resolves paths relative to cwd, including subfolders and absolute paths', () => {
    mkdirSync(join(folder, 'nested'), { recursive: true });
    write('nested/one.YAML', 'name: One\ntasks: [{id: a, agentName: x}]\n');
    expect(resolveWorkflow('nested/one.YAML', { cwd: folder }).name).toBe('One');
    expect(resolveWorkflow(join(folder, 'nested/one.YAML')).name).toBe('One');
  });

  it('reports a missing required parameter and a bad value as INVALID_INPUT', () => {
    write('api.yaml', API_YAML);
    const error = resolveError('api.yaml', { port: 'eighty', colour: 'red' });
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message.split('\n')).toEqual([
      'parameters.port: expected an integer, got "eighty"',
      'parameters.colour: unknown parameter; known parameters: resource, endpoints, port',
    ]);
    expect(error.details?.['file']).toBe(join(folder, 'api.yaml'));
    expect(resolveError('api.yaml').message).toBe('parameters.port: required');
  });

  it('rejects a misspelled task key, naming the task and suggesting the field', () => {
    write('typo.yaml', 'name: Typo\ntasks:\n  - id: a\n    agentName: x\n    dependecies: [b]\n');
    const error = resolveError('typo.yaml');
    expect(error.code).toBe('INVALID_WORKFLOW');
    expect(error.message).toBe('tasks[0]: unknown field "dependecies" (did you mean "dependencies"?)');
  });

  it('rejects unknown top-level, parameter, config and retry keys with their paths', () => {
    write(
      'strict.yaml',
      [
        'name: Strict',
        'params: {}',
        'parameters: {x: {type: string, defualt: a}}',
        'tasks: [{id: a, agentName: x}]',
      ].join('\n'),
    );
    expect(resolveError('strict.yaml').message.split('\n')).toEqual([
      'parameters.x: unknown field "defualt" (did you mean "default"?)',
      '(root): unknown field "params"',
    ]);
    write('two-typos.yaml', 'name: T\ntasks: [{id: a, agentName: x, promt: p, priorty: 2, extra: 1}]\n');
    expect(resolveError('two-typos.yaml').message).toBe(
      'tasks[0]: unknown fields "promt", "priorty", "extra" (did you mean "prompt" for "promt", "priority" for "priorty"?)',
    );

    write('strict-config.yaml', 'name: S\nconfig: {maxParalelAgents: 4, retry: {max: 1, backof: 5}}\ntasks: [{id: a, agentName: x, retry: {max: 1, backofMs: 2}}]\n');
    expect(resolveError('strict-config.yaml').message.split('\n')).toEqual([
      'config.retry: unknown field "backof"',
      'config: unknown field "maxParalelAgents" (did you mean "maxParallelAgents"?)',
      'tasks[0].retry: unknown field "backofMs" (did you mean "backoffMs"?)',
    ]);
  });

  it('reports every task problem at once, with paths', () => {
    write(
      'many.yaml',
      [
        'name: Many',
        'parameters: {resource: {type: string, default: todo}}',
        'tasks:',
        '  - {id: a, agentName: x, prompt: "uses {{resourse}}"}',
        '  - {id: "bad id!", agentName: x, priority: 11}',
        '  - just a string',
        '  - {id: d, agentName: x, dependencies: [a, 3]}',
      ].join('\n'),
    );
    const error = resolveError('many.yaml');
    expect(error.code).toBe('INVALID_WORKFLOW');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('tasks[0].prompt: unknown parameter "{{resourse}}" in task "a" (did you mean "{{resource}}"?); declared parameters: resource');
    expect(lines).toContain('tasks[1].id: must be 1-128 characters of letters, digits, "-", "_", "." or ":"');
    expect(lines.some((line) => line.startsWith('tasks[1].priority: '))).toBe(true);
    expect(lines.some((line) => line.startsWith('tasks[2]: '))).toBe(true);
    expect(lines.some((line) => line.startsWith('tasks[3].dependencies[1]: '))).toBe(true);
    expect(error.details?.['issues']).toHaveLength(lines.length);
  });

  it('reports file problems and parameter problems together as INVALID_WORKFLOW', () => {
    write('both.yaml', 'name: Both\nparameters: {n: {type: integer, default: 1.5}}\ntasks: [{id: a, agentName: x, prompt: "{{m}}"}]\n');
    const error = resolveError('both.yaml', { zzz: 1 });
    expect(error.code).toBe('INVALID_WORKFLOW');
    expect(error.message.split('\n')).toEqual([
      'parameters.n.default: expected an integer, got 1.5',
      'tasks[0].prompt: unknown parameter "{{m}}" in task "a"; declared parameters: n',
      'parameters.zzz: unknown parameter; known parameters: n',
    ]);
  });

  it('coerces a string default to its declared type', () => {
    write('default.yaml', 'name: D\nparameters: {n: {type: number, default: "2.5"}, on: {type: boolean, default: "yes"}}\ntasks: [{id: a, agentName: x}]\n');
    expect(resolveWorkflow('default.yaml', { cwd: folder }).parameters).toEqual({ n: 2.5, on: true });
  });

  it('names the file, line and column of a YAML syntax error', () => {
    write('broken.yaml', 'name: Broken\ntasks:\n  - id: a\n    agentName: x\n    prompt: [unclosed\n  - id: b\n');
    const error = resolveError('broken.yaml');
    expect(error.code).toBe('INVALID_WORKFLOW');
    expect(error.message).toMatch(/^invalid YAML in broken\.yaml at line 6, column 3: /);
    expect(error.details).toMatchObject({ file: join(folder, 'broken.yaml'), line: 6, column: 3 });
  });

  it('explains a value that starts with an unquoted placeholder', () => {
    write('unquoted.yaml', 'name: Q\ntasks:\n  - id: a\n    agentName: x\n    prompt: {{resource}} service\n');
    expect(resolveError('unquoted.yaml').message).toMatch(/^invalid YAML in unquoted\.yaml at line 5, .*\(a value that starts with "\{\{" must be quoted\)$/);
    write('unquoted-whole.yaml', 'name: Q\ntasks:\n  - id: a\n    agentName: x\n    prompt: {{resource}}\n');
    expect(resolveError('unquoted-whole.yaml').message).toBe(
      'invalid YAML in unquoted-whole.yaml at line 5, column 14: a mapping or list cannot be a key (a value that starts with "{{" must be quoted)',
    );
  });

  it('rejects duplicate keys in YAML', () => {
    write('duplicate.yaml', 'name: A\nname: B\ntasks: [{id: a, agentName: x}]\n');
    expect(resolveError('duplicate.yaml').message).toMatch(/^invalid YAML in duplicate\.yaml at line 2, column 1: .*unique/);
  });

  it('refuses alias bombs', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 8; level++) lines.push(`${'b'.repeat(level)}: &${'b'.repeat(level)} [${Array(10).fill(level === 1 ? '*a' : `*${'b'.repeat(level - 1)}`).join(',')}]`);
    write('bomb.yaml', `${lines.join('\n')}\nname: Bomb\ntasks: [{id: a, agentName: x}]\n`);
    expect(resolveError('bomb.yaml').message).toMatch(/^invalid YAML in bomb\.yaml: /);
  });

  it('reports an empty file and a file that is not a mapping', () => {
    write('empty.yaml', '# nothing here\n');
    expect(resolveError('empty.yaml').message).toBe('(root): empty.yaml is empty');
    write('list.yaml', '- a\n- b\n');
    expect(resolveError('list.yaml').message).toMatch(/^\(root\): .*expected object/);
  });

  it('requires a name and at least one task', () => {
    write('nameless.yaml', 'tasks: []\n');
    expect(resolveError('nameless.yaml').message.split('\n')).toEqual([
      'name: Invalid input: expected string, received undefined',
      'tasks: a workflow needs at least one task',
    ]);
  });
});

describe('resolveWorkflow with a JSON file', () => {
  it('loads it like YAML', () => {
    write(
      'flow.json',
      JSON.stringify({
        name: 'Flow',
        parameters: { files: { type: 'array' } },
        tasks: [{ id: 'a', agentName: 'x', prompt: 'check {{files}}' }],
      }),
    );
    const workflow = resolveWorkflow('flow.json', { cwd: folder, params: { files: '["a.ts","b.ts"]' } });
    expect(workflow.tasks[0]?.prompt).toBe('check a.ts, b.ts');
    expect(workflow.parameters).toEqual({ files: ['a.ts', 'b.ts'] });
  });

  it('tolerates a byte-order mark', () => {
    write('bom.json', '\uFEFF{"name": "Bom", "tasks": [{"id": "a", "agentName": "x"}]}');
    expect(resolveWorkflow('bom.json', { cwd: folder }).name).toBe('Bom');
  });

  it('names the file, line and column of a JSON syntax error', () => {
    write('broken.json', '{\n  "name": "Broken",\n  "tasks": [],\n}\n');
    const error = resolveError('broken.json');
    expect(error.code).toBe('INVALID_WORKFLOW');
    expect(error.message).toMatch(/^invalid JSON in broken\.json at line 4, column 1: /);
    write('truncated.json', '{\n  "name": "T"');
    expect(resolveError('truncated.json').message).toMatch(/^invalid JSON in truncated\.json at line 2, column 14: /);
  });

  it('is as strict as YAML', () => {
    write('typo.json', JSON.stringify({ name: 'T', tasks: [{ id: 'a', agentName: 'x', dependecies: [] }] }));
    expect(resolveError('typo.json').message).toBe('tasks[0]: unknown field "dependecies" (did you mean "dependencies"?)');
  });
});

describe('resolveWorkflow references', () => {
  it('names the built-in templates when the reference is neither a template nor a file', () => {
    const error = resolveError('nope.yaml');
    expect(error.code).toBe('UNKNOWN_WORKFLOW');
    expect(error.message).toBe('unknown workflow "nope.yaml": not a built-in template (fullstack-dev, feature, bugfix, code-review, code-review-swarm, security-audit, testing-suite, performance-optimization, devops-setup) and no such file');
    expect(resolveError('fullstack').message).toBe('unknown workflow "fullstack": not a built-in template (fullstack-dev, feature, bugfix, code-review, code-review-swarm, security-audit, testing-suite, performance-optimization, devops-setup) and no such file');
    expect(resolveError('').code).toBe('UNKNOWN_WORKFLOW');
    mkdirSync(join(folder, 'plain-folder'), { recursive: true });
    expect(resolveError('plain-folder').code).toBe('UNKNOWN_WORKFLOW');
  });

  it('rejects an existing file that is not YAML or JSON', () => {
    write('workflow.txt', 'name: x');
    const error = resolveError('workflow.txt');
    expect(error.code).toBe('INVALID_WORKFLOW');
    expect(error.message).toBe('workflow file "workflow.txt" must end in .yaml, .yml, .json');
  });

  it('reports a folder named like a workflow file as unreadable', () => {
    mkdirSync(join(folder, 'folder.yaml'), { recursive: true });
    const error = resolveError('folder.yaml');
    expect(error.code).toBe('INVALID_WORKFLOW');
    expect(error.message).toMatch(/^cannot read workflow file folder\.yaml: /);
  });

  it('prefers a built-in template over a file of the same name', () => {
    write('feature', 'not a workflow');
    expect(resolveWorkflow('feature', { cwd: folder, params: { feature: 'x' } }).source).toBe('builtin');
  });
});

describe('the examples folder', () => {
  it('custom-api.yaml loads, with its parameter in the prompts', () => {
    const workflow = resolveWorkflow('custom-api.yaml', { cwd: examplesDir, params: { resource: 'invoice' } });
    expect(workflow.name).toBe('Custom API Development');
    expect(workflow.config).toEqual({ maxParallelAgents: 2, contextStrategy: 'shared' });
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['design-api', 'backend-architect', []],
      ['implement-api', 'backend-architect', ['design-api']],
      ['test-api', 'test-automator', ['implement-api']],
    ]);
    expect(workflow.tasks[0]?.prompt).toMatch(/^Design a RESTful API for a invoice service/);
    expect(validateGraph(workflow.tasks).ok).toBe(true);
  });

  it('hybrid-review.json loads: analyze → three parallel reviewers → consolidate', () => {
    const workflow = resolveWorkflow('hybrid-review.json', { cwd: examplesDir, params: { target: 'src/api', focus: 'auth,caching' } });
    expect(workflow.tasks.map((task) => [task.id, task.dependencies])).toEqual([
      ['analyze', []],
      ['security-review', ['analyze']],
      ['performance-review', ['analyze']],
      ['quality-review', ['analyze']],
      ['consolidate', ['security-review', 'performance-review', 'quality-review']],
    ]);
    expect(workflow.tasks[0]?.prompt).toContain('Map the code in src/api');
    expect(workflow.tasks[0]?.prompt).toContain('attention to: auth, caching.');
    expect(validateGraph(workflow.tasks).ok).toBe(true);
  });
});

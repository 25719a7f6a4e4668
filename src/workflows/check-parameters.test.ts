import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../test/helpers/rejection.js';
import { exitCodeFor, isEnsembleError } from '../core/index.js';
import { checkParameters, coerceParameters } from './check-parameters.js';
import { defineWorkflowTemplate } from './define-workflow-template.js';
import { resolveTemplateWorkflow } from './resolve-workflow.js';
import { toParameterDeclarations } from './to-parameter-declarations.js';

const schema = z.strictObject({
  name: z.string().trim().min(1).describe('Who to greet'),
  count: z.int().min(1).max(5).default(2).describe('How many times'),
  ratio: z.number().optional(),
  loud: z.boolean().default(false),
  tone: z.enum(['plain', 'warm']).default('plain'),
  sizes: z.array(z.int().min(1)).default([]),
  colours: z.array(z.enum(['red', 'green'])).optional(),
});
const parameters = { schema, declarations: toParameterDeclarations(schema) };


describe('checkParameters: --param strings coerced per the zod schema, then parsed', () => {
  it('coerces integers, numbers, booleans and lists (with typed items), fills defaults and matches allowed values ignoring case', () => {
    const { values, issues } = checkParameters(parameters, { name: ' Ada ', count: '3', ratio: '0.5', loud: 'yes', tone: 'WARM', sizes: '1, 2,3', colours: 'Red,green' });
    expect(issues).toEqual([]);
    expect(values).toEqual({ name: 'Ada', count: 3, ratio: 0.5, loud: true, tone: 'warm', sizes: [1, 2, 3], colours: ['red', 'green'] });
    expect(checkParameters(parameters, { name: 'x' }).values).toEqual({ name: 'x', count: 2, loud: false, tone: 'plain', sizes: [] });
  });

  it('takes typed JSON values as the HTTP API sends them', () => {
    expect(checkParameters(parameters, { name: 'x', count: 4, sizes: [5], loud: true }).values).toMatchObject({ count: 4, sizes: [5], loud: true });
  });

  it('names every bad value with its path and what was expected, in declaration order, unknown names last', () => {
    const { issues } = checkParameters(parameters, { nmae: 'typo', count: '2.5', ratio: 'half', tone: 'cold', sizes: '1,x', colours: 'red,blue' });
    expect(issues).toEqual([
      { path: 'parameters.name', message: 'required (string: Who to greet)' },
      { path: 'parameters.count', message: 'expected an integer, got "2.5"' },
      { path: 'parameters.ratio', message: 'expected a number, got "half"' },
      { path: 'parameters.tone', message: 'expected one of plain, warm, got "cold"' },
      { path: 'parameters.sizes', message: 'item 2: expected an integer, got "x"' },
      { path: 'parameters.colours[1]', message: 'expected one of red, green, got "blue"' },
      { path: 'parameters.nmae', message: 'unknown parameter (did you mean "name"?); known parameters: name, count, ratio, loud, tone, sizes, colours' },
    ]);
  });

  it('states both ends of a range, and says "must not be empty" for a blank required text', () => {
    expect(checkParameters(parameters, { name: 'x', count: '9' }).issues).toEqual([{ path: 'parameters.count', message: 'expected an integer from 1 to 5, got 9' }]);
    expect(checkParameters(parameters, { name: '   ' }).issues).toEqual([{ path: 'parameters.name', message: 'must not be empty' }]);
    expect(checkParameters(parameters, { name: 'x', sizes: '0' }).issues).toEqual([{ path: 'parameters.sizes[0]', message: 'expected an integer of at least 1, got 0' }]);
  });

  it('keeps messages a schema writes itself, and reports cross-field checks', () => {
    const refined = z
      .strictObject({ attempts: z.int().min(1).max(5).default(3), models: z.array(z.string()).max(5, 'at most one model per attempt (5)').default([]) })
      .superRefine((value, context) => {
        if (value.models.length > value.attempts) context.addIssue({ code: 'custom', path: ['models'], message: `${value.models.length} models given for ${value.attempts} attempts` });
      });
    const set = { schema: refined, declarations: toParameterDeclarations(refined) };
    expect(checkParameters(set, { models: 'a,b,c,d,e,f' }).issues).toEqual([{ path: 'parameters.models', message: 'at most one model per attempt (5)' }]);
    expect(checkParameters(set, { attempts: '1', models: 'a,b' }).issues).toEqual([{ path: 'parameters.models', message: '2 models given for 1 attempts' }]);
  });

  it('stands <name> in for a missing required value when asked, even where the type is not a string', () => {
    const numbered = z.strictObject({ port: z.int(), host: z.string().default('localhost') });
    const set = { schema: numbered, declarations: toParameterDeclarations(numbered) };
    expect(checkParameters(set, {}, { missingRequired: 'placeholder' })).toEqual({ values: { port: '<port>', host: 'localhost' }, issues: [] });
    expect(checkParameters(parameters, {}, { missingRequired: 'placeholder' })).toEqual({ values: { name: '<name>', count: 2, loud: false, tone: 'plain', sizes: [] }, issues: [] });
  });

  it('does not read inherited members as given values', () => {
    const withToString = z.strictObject({ toString: z.string().optional() });
    expect(checkParameters({ schema: withToString, declarations: toParameterDeclarations(withToString) }, {})).toEqual({ values: {}, issues: [] });
  });

  it('checks plain declarations (a workflow file) through the same path', () => {
    const error = thrownBy(() => coerceParameters({ port: { type: 'integer', required: true }, mode: { type: 'string', default: 'fast' } }, { port: 'eighty' }));
    expect(isEnsembleError(error) && error.message).toBe('parameters.port: expected an integer, got "eighty"');
    expect(coerceParameters({ port: { type: 'integer', required: true } }, { port: '80' })).toEqual({ port: 80 });
  });
});

describe('templates defined with a zod parameter schema', () => {
  const template = defineWorkflowTemplate({
    id: 'greet',
    name: 'Greet',
    description: 'Greets someone.',
    category: 'testing',
    tags: ['example'],
    estimatedDuration: 10,
    complexity: 'simple',
    parameterSchema: schema,
    buildTasks: ({ name, count }) => [{ id: 'greet', agentName: 'developer', prompt: `Greet ${name} ${count} times.` }],
  });

  it('derives the declarations from the schema: type, description, default, required, values, items, range', () => {
    expect(template.parameters).toEqual({
      name: { type: 'string', description: 'Who to greet', required: true },
      count: { type: 'integer', description: 'How many times', default: 2, minimum: 1, maximum: 5 },
      ratio: { type: 'number' },
      loud: { type: 'boolean', default: false },
      tone: { type: 'string', default: 'plain', values: ['plain', 'warm'] },
      sizes: { type: 'array', default: [], items: 'integer' },
      colours: { type: 'array', values: ['red', 'green'], items: 'string' },
    });
  });

  it('names the parameter and the template in an INVALID_INPUT error (exit 2)', () => {
    const error = thrownBy(() => resolveTemplateWorkflow(template, { count: 'many' }));
    expect(isEnsembleError(error) && error.code).toBe('INVALID_INPUT');
    expect(isEnsembleError(error) && exitCodeFor(error)).toBe(2);
    expect(isEnsembleError(error) && error.message.split('\n')).toEqual([
      'parameters.name: required (string: Who to greet)',
      'parameters.count: expected an integer, got "many"',
      'in template "greet" (`ensemble workflows show greet` lists its parameters)',
    ]);
    expect(isEnsembleError(error) && error.details).toMatchObject({ workflowId: 'greet', issues: [{ path: 'parameters.name' }, { path: 'parameters.count' }] });
  });

  it('checks what a library caller hands buildTasks directly, with defaults', () => {
    expect(template.buildTasks({ name: 'Ada' })[0]?.prompt).toBe('Greet Ada 2 times.');
    const error = thrownBy(() => template.buildTasks({ name: 'Ada', count: 7 }));
    expect(isEnsembleError(error) && error.message).toMatch(/^parameters\.count: expected an integer from 1 to 5, got 7\nin template "greet"/);
  });

  it('refuses a schema field that --param cannot give (a union), naming it', () => {
    const error = thrownBy(() => toParameterDeclarations(z.strictObject({ either: z.union([z.string(), z.int()]) }), 'template "odd"'));
    expect(isEnsembleError(error) && error.code).toBe('INVALID_WORKFLOW');
    expect(isEnsembleError(error) && error.message).toContain('template "odd" parameter "either": its schema has no plain type');
  });
});

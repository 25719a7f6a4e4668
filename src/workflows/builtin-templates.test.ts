import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrownBy } from '../../test/helpers/rejection.js';
import { loadAgentRegistry } from '../agents/index.js';
import { exitCodeFor, isEnsembleError, validateGraph } from '../core/index.js';
import { BUILTIN_TEMPLATES, getTemplate, listTemplates } from './builtin-templates.js';
import { coerceParameterValue } from './coerce-parameters.js';
import { resolveWorkflow } from './resolve-workflow.js';
import { toParameterDeclarations } from './to-parameter-declarations.js';
import type { WorkflowParameter } from './types.js';

const emptyFolder = mkdtempSync(join(tmpdir(), 'ensemble-templates-'));
afterAll(() => rmSync(emptyFolder, { recursive: true, force: true }));
// The built-in catalogue only: no project or home agents can stand in for a missing one.
const catalogue = loadAgentRegistry({ cwd: emptyFolder, homeDir: emptyFolder });
// Templates that interpret some lists (reviewers, models, providers): the prompt test gives them only their required texts.
const INTERPRETED_LISTS = new Set(['bugfix', 'code-review-swarm']);
// Deterministic built-in agents (no model, no prompt to write): the swarm's findings consolidator.
const isBuiltinInProcess = (agentName: string): boolean => agentName === 'findings-consolidator';

const requiredNames = (parameters: Readonly<Record<string, WorkflowParameter>>): string[] =>
  Object.entries(parameters)
    .filter(([, parameter]) => parameter.required === true && parameter.default === undefined)
    .map(([name]) => name);


describe('built-in templates', () => {
  it('have unique ids and build valid graphs from their defaults', () => {
    expect(new Set(BUILTIN_TEMPLATES.map((template) => template.id)).size).toBe(BUILTIN_TEMPLATES.length);
    for (const template of BUILTIN_TEMPLATES) {
      const required = Object.entries(template.parameters).filter(([, parameter]) => parameter.required === true && parameter.default === undefined);
      const params = Object.fromEntries(required.map(([name]) => [name, 'example']));
      const workflow = resolveWorkflow(template.id, { params });
      expect(validateGraph(workflow.tasks).ok, template.id).toBe(true);
      for (const task of workflow.tasks) {
        expect(task.description, `${template.id}/${task.id}`).not.toBe('');
        expect(task.prompt.length, `${template.id}/${task.id}`).toBeGreaterThan(200);
      }
    }
  });

  it('declare defaults that fit their parameter types', () => {
    for (const template of BUILTIN_TEMPLATES) {
      for (const [name, parameter] of Object.entries(template.parameters)) {
        if (parameter.default === undefined) continue;
        expect(coerceParameterValue(parameter.type, parameter.default), `${template.id}.${name}`).toEqual({ ok: true, value: parameter.default });
      }
    }
  });

  it('feature: analyze → design → implement → test → review, with the parameters in the prompts', () => {
    const workflow = resolveWorkflow('feature', { params: { feature: 'Export invoices as CSV', context: 'Monorepo; billing lives in packages/billing', language: 'Go' } });
    expect(workflow).toMatchObject({ workflowId: 'feature', name: 'Feature Development', source: 'builtin', config: {} });
    expect(workflow.parameters).toEqual({ feature: 'Export invoices as CSV', context: 'Monorepo; billing lives in packages/billing', language: 'Go' });
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['analyze', 'analyzer', []],
      ['design', 'designer', ['analyze']],
      ['implement', 'developer', ['design']],
      ['test', 'tester', ['implement']],
      ['review', 'reviewer', ['test']],
    ]);
    for (const task of workflow.tasks) {
      expect(task.prompt).toContain('Export invoices as CSV');
      expect(task.prompt).toContain('Codebase notes: Monorepo; billing lives in packages/billing');
    }
    expect(workflow.tasks.find((task) => task.id === 'implement')?.prompt).toContain('in Go');
  });

  it('feature: language defaults to TypeScript, context is left out when not given, "{{" in user text stays literal', () => {
    const workflow = resolveWorkflow('feature', { params: { feature: 'Support {{name}} in greeting templates' } });
    expect(workflow.parameters).toEqual({ feature: 'Support {{name}} in greeting templates', language: 'TypeScript' });
    expect(workflow.tasks[0]?.prompt).toContain('Language: TypeScript');
    expect(workflow.tasks[0]?.prompt).toContain('Support {{name}} in greeting templates');
    expect(workflow.tasks[0]?.prompt).not.toContain('Codebase notes');
  });

  it('feature: a missing feature parameter is an INVALID_INPUT error naming it', () => {
    const error = thrownBy(() => resolveWorkflow('feature', { params: { langauge: 'Go' } }));
    expect(isEnsembleError(error) && error.code).toBe('INVALID_INPUT');
    expect(isEnsembleError(error) && error.message.split('\n')).toEqual([
      'parameters.feature: required (string: The feature to build, as you would describe it in a ticket.)',
      'parameters.langauge: unknown parameter (did you mean "language"?); known parameters: feature, context, language',
      'in template "feature" (`ensemble workflows show feature` lists its parameters)',
    ]);
  });

  it('code-review: five parallel reviewers feed the summary', () => {
    const workflow = resolveWorkflow('code-review', {
      params: { changedFiles: 'src/api/auth.ts, src/components/Login.tsx', prUrl: 'https://github.com/user/repo/pull/123', reviewDepth: 'quick' },
    });
    expect(workflow.config).toEqual({ maxParallelAgents: 5 });
    expect(workflow.parameters).toEqual({
      target: '.',
      changedFiles: ['src/api/auth.ts', 'src/components/Login.tsx'],
      prUrl: 'https://github.com/user/repo/pull/123',
      reviewDepth: 'quick',
    });
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['code-quality', 'code-reviewer', []],
      ['security', 'security-auditor', []],
      ['performance', 'performance-engineer', []],
      ['test-coverage', 'test-automator', []],
      ['documentation', 'docs-architect', []],
      ['review-summary', 'code-reviewer', ['code-quality', 'security', 'performance', 'test-coverage', 'documentation']],
    ]);
    const security = workflow.tasks.find((task) => task.id === 'security');
    expect(security?.prompt).toContain('src/api/auth.ts, src/components/Login.tsx');
    expect(security?.prompt).toContain('Pull request: https://github.com/user/repo/pull/123');
    expect(security?.prompt).toContain('quick review');
  });

  it('code-review: takes typed JSON parameters as the HTTP API sends them, and defaults', () => {
    const workflow = resolveWorkflow('code-review', { params: { changedFiles: ['a.ts'], target: 'packages/api' } });
    expect(workflow.parameters).toEqual({ target: 'packages/api', changedFiles: ['a.ts'], reviewDepth: 'thorough' });
    expect(workflow.tasks[0]?.prompt).toContain('Review target: `packages/api` in the workspace (a file, or a folder: Glob it for its source files). Focus on the changed files: a.ts.');
    expect(resolveWorkflow('code-review', {}).tasks[0]?.prompt).toContain('Review target: the whole workspace.');
  });

  it('gives the caller a copy of the template config', () => {
    const workflow = resolveWorkflow('code-review', {});
    expect(workflow.config).not.toBe(getTemplate('code-review')?.config);
  });
});

describe('every built-in template (issue 8, item 3)', () => {
  it('has a zod parameter schema from which its declarations derive (one source)', () => {
    for (const template of BUILTIN_TEMPLATES) expect(template.parameters, template.id).toEqual(toParameterDeclarations(template.parameterSchema));
  });

  it('has listing metadata: category, tags, estimatedDuration in seconds, complexity', () => {
    for (const template of BUILTIN_TEMPLATES) {
      expect(template.category, template.id).toMatch(/^[a-z]+$/);
      expect(template.tags.length, template.id).toBeGreaterThanOrEqual(3);
      expect(Number.isInteger(template.estimatedDuration) && template.estimatedDuration >= 60, template.id).toBe(true);
      expect(['simple', 'moderate', 'complex'], template.id).toContain(template.complexity);
    }
  });

  it('rejects each missing required parameter with INVALID_INPUT naming it and the template (exit 2)', () => {
    for (const template of BUILTIN_TEMPLATES) {
      const required = requiredNames(template.parameters);
      expect(required.length, template.id).toBeGreaterThanOrEqual(template.id.startsWith('code-review') ? 0 : 1);
      for (const missing of required) {
        const params = Object.fromEntries(required.filter((name) => name !== missing).map((name) => [name, 'example']));
        const error = thrownBy(() => resolveWorkflow(template.id, { params }));
        expect(isEnsembleError(error) && error.code, `${template.id} without ${missing}`).toBe('INVALID_INPUT');
        if (!isEnsembleError(error)) continue;
        expect(exitCodeFor(error)).toBe(2);
        expect(error.message.split('\n')).toEqual([expect.stringMatching(new RegExp(`^parameters\\.${missing}: required`)), `in template "${template.id}" (\`ensemble workflows show ${template.id}\` lists its parameters)`]);
      }
    }
  });

  it('rejects an unknown parameter with a "did you mean" on every template', () => {
    for (const template of BUILTIN_TEMPLATES) {
      const [first] = Object.keys(template.parameters);
      if (first === undefined) continue;
      const params = Object.fromEntries(requiredNames(template.parameters).map((name) => [name, 'example']));
      const typo = `${first.slice(0, -2)}${first.at(-1)}${first.at(-2)}`;
      const error = thrownBy(() => resolveWorkflow(template.id, { params: { ...params, [typo]: 'x' } }));
      expect(isEnsembleError(error) && error.message, template.id).toContain(`parameters.${typo}: unknown parameter (did you mean "${first}"?)`);
    }
  });

  it('runs on catalogue agents and writes multi-paragraph prompts that use every text parameter given', () => {
    for (const template of BUILTIN_TEMPLATES) {
      // A distinctive value for every free-text parameter (and list of texts), to find in the prompts.
      const texts = Object.entries(template.parameters).filter(([, parameter]) => parameter.values === undefined && (parameter.type === 'string' || (parameter.type === 'array' && parameter.items === 'string')));
      const params = Object.fromEntries(texts.map(([name, parameter]) => [name, parameter.type === 'array' ? [`zeta-${name}`] : `zeta-${name}`]));
      const given = INTERPRETED_LISTS.has(template.id) ? Object.fromEntries(requiredNames(template.parameters).map((name) => [name, `zeta-${name}`])) : params;
      const workflow = resolveWorkflow(template.id, { params: given });
      const prompts = workflow.tasks.map((task) => task.prompt).join('\n');
      for (const name of Object.keys(given)) expect(prompts, `${template.id} uses ${name}`).toContain(`zeta-${name}`);
      for (const task of workflow.tasks) {
        if (isBuiltinInProcess(task.agentName)) continue;
        expect(catalogue.has(task.agentName), `${template.id}/${task.id}: ${task.agentName}`).toBe(true);
        expect(task.prompt.split('\n\n').length, `${template.id}/${task.id}`).toBeGreaterThanOrEqual(3);
        // Agents are told which tools to read and search the code with.
        expect(task.prompt, `${template.id}/${task.id}`).toMatch(/\b(Read|Glob|Grep)\b/);
      }
    }
  });
});

describe('listTemplates and getTemplate', () => {
  it('lists summaries without the build function', () => {
    const summaries = listTemplates();
    // Issue 8: the nine templates DESIGN.md lists.
    expect(summaries.map((summary) => summary.id)).toEqual(['fullstack-dev', 'feature', 'bugfix', 'code-review', 'code-review-swarm', 'security-audit', 'testing-suite', 'performance-optimization', 'devops-setup']);
    expect(summaries.find((summary) => summary.id === 'code-review')).toEqual({
      id: 'code-review',
      name: 'Code Review',
      description: expect.any(String),
      category: 'quality',
      tags: ['review', 'quality', 'security', 'performance', 'parallel'],
      estimatedDuration: 150,
      complexity: 'moderate',
    });
  });

  it('filters by category and by all given tags, ignoring case and blank tags', () => {
    expect(listTemplates({ category: 'Quality' }).map((summary) => summary.id)).toEqual(['bugfix', 'code-review', 'code-review-swarm']);
    expect(listTemplates({ category: 'devops' }).map((summary) => summary.id)).toEqual(['devops-setup']);
    expect(listTemplates({ category: 'marketing' })).toEqual([]);
    expect(listTemplates({ tags: ['SECURITY', 'swarm', ''] }).map((summary) => summary.id)).toEqual(['code-review-swarm']);
    expect(listTemplates({ tags: ['security', 'no-such-tag'] })).toEqual([]);
    expect(listTemplates({ category: 'development', tags: ['feature'] }).map((summary) => summary.id)).toEqual(['feature']);
  });

  it('finds templates by exact id only', () => {
    expect(getTemplate('feature')?.name).toBe('Feature Development');
    expect(getTemplate('Feature')).toBeUndefined();
    expect(getTemplate('toString')).toBeUndefined();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { criticalPathMs } from '../../../test/helpers/templates.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { isEnsembleError, validateGraph } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { fullstackDevTemplate } from './fullstack-dev.js';

const emptyHome = mkdtempSync(join(tmpdir(), 'ensemble-fullstack-'));
afterAll(() => rmSync(emptyHome, { recursive: true, force: true }));

const PARAMS = {
  projectType: 'e-commerce platform',
  features: 'product catalog, shopping cart, checkout',
  techStack: '{"frontend":"Next.js + TypeScript","auth":"NextAuth.js"}',
  context: 'Monorepo; the shop lives in apps/shop',
};

describe('fullstack-dev template (issue 8)', () => {
  const workflow = resolveTemplateWorkflow(fullstackDevTemplate, PARAMS);
  const promptOf = (id: string): string => workflow.tasks.find((task) => task.id === id)?.prompt ?? '';

  it('is a hybrid graph: shared design, backend and frontend in parallel, integration, tests, review', () => {
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['design', 'solutions-architect', []],
      ['backend', 'backend-architect', ['design']],
      ['frontend', 'frontend-developer', ['design']],
      ['integration', 'developer', ['design', 'backend', 'frontend']],
      ['tests', 'test-automator', ['design', 'integration']],
      ['review', 'reviewer', ['design', 'integration', 'tests']],
    ]);
    expect(validateGraph(workflow.tasks).ok).toBe(true);
    for (const task of workflow.tasks) {
      expect(task.priority, task.id).toBeGreaterThanOrEqual(1);
      expect(task.priority, task.id).toBeLessThanOrEqual(10);
      expect(task.maxTokens, task.id).toBeGreaterThan(0);
      expect(task.estimatedMs, task.id).toBeGreaterThan(0);
      expect(task.prompt.split('\n\n').length, task.id).toBeGreaterThanOrEqual(3);
    }
  });

  it('runs only on llm agents of the built-in catalogue', () => {
    const registry = loadAgentRegistry({ cwd: emptyHome, homeDir: emptyHome });
    for (const task of workflow.tasks) expect(registry.get(task.agentName)?.runtime, task.agentName).toBe('llm');
    // Only agents with Write/Edit are told to change files, and only those with Bash to run commands.
    for (const task of workflow.tasks) {
      const tools = registry.get(task.agentName)?.tools ?? [];
      if (/with Write/i.test(task.prompt)) expect(tools, task.id).toContain('Write');
      if (/with Edit|using Edit/i.test(task.prompt)) expect(tools, task.id).toContain('Edit');
      if (/\bBash\b/.test(task.prompt)) expect(tools, task.id).toContain('Bash');
    }
  });

  it('puts every parameter into the prompts, with the tech stack merged over its defaults', () => {
    expect(workflow.parameters['techStack']).toEqual({ frontend: 'Next.js + TypeScript', auth: 'NextAuth.js' });
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain('Project: e-commerce platform');
      expect(task.prompt, task.id).toContain('Features: product catalog, shopping cart, checkout');
      expect(task.prompt, task.id).toContain(
        'Tech stack: frontend: Next.js + TypeScript; backend: Node.js + Express; database: PostgreSQL; auth: NextAuth.js',
      );
      expect(task.prompt, task.id).toContain('Codebase notes: Monorepo; the shop lives in apps/shop');
    }
    expect(promptOf('frontend')).toContain('in Next.js + TypeScript');
    expect(promptOf('backend')).toContain('in Node.js + Express with PostgreSQL');
  });

  it('falls back to the default stack and lets the designer choose features when none are given', () => {
    const defaults = resolveTemplateWorkflow(fullstackDevTemplate, { projectType: 'web app' });
    expect(defaults.parameters).toEqual({ projectType: 'web app', features: [], techStack: { frontend: 'React + TypeScript', backend: 'Node.js + Express', database: 'PostgreSQL' } });
    expect(defaults.tasks[0]?.prompt).toContain('Features: none listed; the design derives the core features');
    expect(defaults.tasks[0]?.prompt).not.toContain('Codebase notes');
  });

  it('tells agents what to read, change and run, and what to hand on', () => {
    expect(promptOf('design')).toContain('`path:line`');
    expect(promptOf('design')).toContain('End with a file plan');
    for (const id of ['backend', 'frontend']) {
      expect(promptOf(id)).toContain('change it with Edit, and create new files with Write');
      expect(promptOf(id)).toContain('change only the files and folders the design assigns to you');
      expect(promptOf(id)).toContain('every file you created or changed');
    }
    expect(promptOf('integration')).toContain('Needed from the other side');
    expect(promptOf('tests')).toContain('Run the test commands with Bash');
    expect(promptOf('tests')).toContain('never report results you did not see');
    expect(promptOf('review')).toContain('Read every file the backend, frontend, integration and test reports');
  });

  it('rejects a missing projectType and a techStack that is not an object, naming them', () => {
    for (const [params, line] of [
      [{ features: ['chat'] }, 'parameters.projectType: required (string: What to build'],
      [{ projectType: 'web app', techStack: 'React' }, 'parameters.techStack: expected a JSON object'],
    ] as const) {
      let caught: unknown;
      try {
        resolveTemplateWorkflow(fullstackDevTemplate, params);
      } catch (error) {
        caught = error;
      }
      expect(isEnsembleError(caught) && caught.code).toBe('INVALID_INPUT');
      expect(isEnsembleError(caught) && caught.message).toContain(line);
    }
  });

  it('estimates its duration as the critical path, its widest phase fitting the default limit of 3', () => {
    expect(fullstackDevTemplate.estimatedDuration * 1000).toBe(criticalPathMs(workflow.tasks));
    expect(workflow.tasks.filter((task) => task.dependencies.length === 1 && task.dependencies[0] === 'design')).toHaveLength(2);
    expect(fullstackDevTemplate.config?.maxParallelAgents ?? 3).toBeGreaterThanOrEqual(2);
  });
});

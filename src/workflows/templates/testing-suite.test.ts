import { describe, expect, it } from 'vitest';
import { criticalPathMs, templateError } from '../../../test/helpers/templates.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { validateGraph } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { testingSuiteTemplate } from './testing-suite.js';

const registry = loadAgentRegistry({ cwd: '/nonexistent', homeDir: '/nonexistent' });

describe('testing-suite template (issue 8)', () => {
  const workflow = resolveTemplateWorkflow(testingSuiteTemplate, {
    target: 'packages/billing',
    framework: 'vitest',
    coverageTarget: '90',
    context: 'Stripe calls must be faked',
  });
  const promptOf = (id: string): string => workflow.tasks.find((task) => task.id === id)?.prompt ?? '';
  const writers = ['unit-tests', 'integration-tests', 'e2e-tests'];

  it('analyses coverage, writes three kinds of test in parallel, then runs and reports, on catalogue agents', () => {
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['analyze-coverage', 'test-automator', []],
      ['unit-tests', 'tester', ['analyze-coverage']],
      ['integration-tests', 'test-automator', ['analyze-coverage']],
      ['e2e-tests', 'test-automator', ['analyze-coverage']],
      ['run-and-report', 'tester', ['analyze-coverage', ...writers]],
    ]);
    expect(validateGraph(workflow.tasks).ok).toBe(true);
    for (const task of workflow.tasks) {
      expect(registry.has(task.agentName), task.agentName).toBe(true);
      expect(task.priority).toBeGreaterThanOrEqual(1);
      expect(task.priority).toBeLessThanOrEqual(10);
      expect(task.maxTokens, task.id).toBeGreaterThan(0);
      expect(task.estimatedMs, task.id).toBeGreaterThan(0);
    }
  });

  it('puts the parameters in every prompt', () => {
    expect(workflow.parameters).toEqual({ target: 'packages/billing', framework: 'vitest', coverageTarget: 90, context: 'Stripe calls must be faked' });
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain('Code under test: `packages/billing` in the workspace.');
      expect(task.prompt, task.id).toContain('Test framework: vitest.');
      expect(task.prompt, task.id).toContain('Coverage target: 90% of lines');
      expect(task.prompt, task.id).toContain('Notes: Stripe calls must be faked');
    }
    expect(promptOf('run-and-report')).toContain('against the 90% target');
  });

  it('gives writers their own files, runs tests only with Bash, and edits only on agents that can', () => {
    for (const id of writers) {
      expect(promptOf(id), id).toContain('Create only new test files for your kind of test');
      expect(promptOf(id), id).toContain('Never report results you did not see');
    }
    expect(promptOf('analyze-coverage')).toContain('Without Bash, estimate coverage from the mapping, label it an estimate');
    expect(promptOf('run-and-report')).toContain('Without Bash, say in your first line that nothing was run');
    expect(promptOf('run-and-report')).toContain('Never edit the code under test');
    for (const task of workflow.tasks) {
      const tools = registry.get(task.agentName)?.tools ?? [];
      if (task.prompt.includes('Bash')) expect(tools, task.id).toContain('Bash');
      if (/with (Write|Edit)\b/.test(task.prompt)) expect(tools, task.id).toEqual(expect.arrayContaining(['Write', 'Edit']));
    }
  });

  it("defaults to the project's framework and 80% coverage", () => {
    const minimal = resolveTemplateWorkflow(testingSuiteTemplate, { target: '.' });
    expect(minimal.parameters).toEqual({ target: '.', coverageTarget: 80 });
    expect(minimal.tasks[0]?.prompt).toContain('Code under test: the whole workspace.');
    expect(minimal.tasks[0]?.prompt).toContain("Test framework: the project's existing one");
    expect(minimal.tasks[0]?.prompt).not.toContain('Notes:');
  });

  it('rejects a missing target, a non-integer and an out-of-range coverage target, naming each (exit 2)', () => {
    const missing = templateError(testingSuiteTemplate, { framework: 'jest' });
    expect(missing).toMatchObject({ code: 'INVALID_INPUT', exitCode: 2 });
    expect(missing.message).toContain('parameters.target: required');
    expect(templateError(testingSuiteTemplate, { target: '.', coverageTarget: 'most' }).message).toContain('parameters.coverageTarget: expected an integer');
    const range = templateError(testingSuiteTemplate, { target: '.', coverageTarget: 150 });
    expect(range).toMatchObject({ code: 'INVALID_INPUT', exitCode: 2 });
    expect(range.message.split('\n')).toEqual([
      'parameters.coverageTarget: expected an integer from 1 to 100, got 150',
      'in template "testing-suite" (`ensemble workflows show testing-suite` lists its parameters)',
    ]);
  });

  it('estimates its duration as the critical path of its tasks', () => {
    expect(testingSuiteTemplate.estimatedDuration).toBe(criticalPathMs(workflow.tasks) / 1000);
    expect(testingSuiteTemplate.config?.maxParallelAgents).toBeGreaterThanOrEqual(writers.length);
  });
});

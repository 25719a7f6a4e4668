import { describe, expect, it } from 'vitest';
import { criticalPathMs, templateError } from '../../../test/helpers/templates.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { validateGraph } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { performanceOptimizationTemplate } from './performance-optimization.js';

const registry = loadAgentRegistry({ cwd: '/nonexistent', homeDir: '/nonexistent' });

describe('performance-optimization template (issue 8)', () => {
  const scenario = 'GET /api/invoices with 10k invoices per tenant, 50 concurrent users';
  const workflow = resolveTemplateWorkflow(performanceOptimizationTemplate, {
    scenario,
    target: 'services/api',
    metric: 'p99 latency',
    goal: 'p99 under 300 ms',
    areas: 'database, backend, network',
    maxFixes: '2',
  });
  const promptOf = (id: string): string => workflow.tasks.find((task) => task.id === id)?.prompt ?? '';

  it('measures, analyses the chosen areas in parallel, fixes, then re-measures, on catalogue agents', () => {
    const analyses = ['analyze-backend', 'analyze-database', 'analyze-network'];
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['baseline', 'test-automator', []],
      ['analyze-backend', 'performance-engineer', ['baseline']],
      ['analyze-database', 'database-optimizer', ['baseline']],
      ['analyze-network', 'performance-engineer', ['baseline']],
      ['implement-fixes', 'developer', ['baseline', ...analyses]],
      ['remeasure', 'test-automator', ['baseline', 'implement-fixes']],
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

  it('puts the parameters in the prompts', () => {
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain(`Slow scenario: ${scenario}`);
      expect(task.prompt, task.id).toContain('Code in scope: `services/api` in the workspace.');
      expect(task.prompt, task.id).toContain('Metric to improve: p99 latency; goal: p99 under 300 ms.');
    }
    expect(promptOf('implement-fixes')).toContain('Implement the top 2 performance fixes from the backend, database, network analyses');
    expect(promptOf('remeasure')).toContain('whether the goal (p99 under 300 ms) is met');
  });

  it('runs commands only with Bash, never invents numbers, and edits only on agents that can', () => {
    expect(promptOf('baseline')).toContain('Without Bash, say in your first line that the baseline was not measured');
    expect(promptOf('baseline')).toContain('Never invent numbers');
    expect(promptOf('remeasure')).toContain('exactly as the baseline did');
    expect(promptOf('remeasure')).toContain('never report numbers you did not see');
    expect(promptOf('implement-fixes')).toContain('change it with Edit');
    for (const task of workflow.tasks) {
      const tools = registry.get(task.agentName)?.tools ?? [];
      if (task.prompt.includes('With Bash')) expect(tools, task.id).toContain('Bash');
      if (/with (Write|Edit)\b/.test(task.prompt)) expect(tools, task.id).toEqual(expect.arrayContaining(['Write', 'Edit']));
      if (task.id.startsWith('analyze-')) expect(task.prompt, task.id).toContain('`path:line`');
    }
  });

  it('defaults to backend, database and frontend, three fixes and p95 latency', () => {
    const minimal = resolveTemplateWorkflow(performanceOptimizationTemplate, { scenario: 'nightly export job' });
    expect(minimal.parameters).toEqual({ scenario: 'nightly export job', target: '.', metric: 'p95 latency', areas: ['backend', 'database', 'frontend'], maxFixes: 3 });
    expect(minimal.tasks.map((task) => task.id)).toEqual(['baseline', 'analyze-backend', 'analyze-database', 'analyze-frontend', 'implement-fixes', 'remeasure']);
    expect(minimal.tasks[0]?.prompt).toContain('Metric to improve: p95 latency.');
    expect(minimal.tasks.find((task) => task.id === 'remeasure')?.prompt).not.toContain('goal');
  });

  it('rejects a missing scenario, unknown or no areas, and maxFixes out of range, naming each (exit 2)', () => {
    const missing = templateError(performanceOptimizationTemplate, { areas: 'backend' });
    expect(missing).toMatchObject({ code: 'INVALID_INPUT', exitCode: 2 });
    expect(missing.message).toContain('parameters.scenario: required');
    const area = templateError(performanceOptimizationTemplate, { scenario: 's', areas: 'backend,gpu' });
    expect(area).toMatchObject({ code: 'INVALID_INPUT', exitCode: 2 });
    expect(area.message.split('\n')).toEqual([
      'parameters.areas[1]: expected one of backend, database, frontend, network, got "gpu"',
      'in template "performance-optimization" (`ensemble workflows show performance-optimization` lists its parameters)',
    ]);
    expect(templateError(performanceOptimizationTemplate, { scenario: 's', areas: [] }).message).toContain('parameters.areas: at least one area is needed');
    expect(templateError(performanceOptimizationTemplate, { scenario: 's', maxFixes: 0 }).message).toMatch(/^parameters\.maxFixes: expected an integer from 1 to 10, got 0\n/);
    // The case of an area from a shell is not a mistake; a repeated area runs once.
    const areas = resolveTemplateWorkflow(performanceOptimizationTemplate, { scenario: 's', areas: 'Frontend, backend, frontend' });
    expect(areas.tasks.filter((task) => task.id.startsWith('analyze-')).map((task) => task.id)).toEqual(['analyze-backend', 'analyze-frontend']);
    expect(templateError(performanceOptimizationTemplate, { scenario: 's', maxFixes: '2.5' }).message).toContain('parameters.maxFixes: expected an integer');
  });

  it('estimates its duration as the critical path of its tasks, whatever the areas', () => {
    expect(performanceOptimizationTemplate.estimatedDuration).toBe(criticalPathMs(workflow.tasks) / 1000);
    const single = resolveTemplateWorkflow(performanceOptimizationTemplate, { scenario: 's', areas: 'frontend' });
    expect(performanceOptimizationTemplate.estimatedDuration).toBe(criticalPathMs(single.tasks) / 1000);
    const all = resolveTemplateWorkflow(performanceOptimizationTemplate, { scenario: 's', areas: 'backend,database,frontend,network' });
    expect(all.tasks.filter((task) => task.id.startsWith('analyze-')).length).toBeLessThanOrEqual(performanceOptimizationTemplate.config?.maxParallelAgents ?? 0);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentRegistry } from '../../agents/index.js';
import { computeCriticalPath, estimateTaskDurations, isEnsembleError, validateGraph } from '../../core/index.js';
import type { TaskSpec } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { bugfixTemplate } from './bugfix.js';

const emptyFolder = mkdtempSync(join(tmpdir(), 'ensemble-bugfix-'));
afterAll(() => rmSync(emptyFolder, { recursive: true, force: true }));
// The built-in catalogue only: no project or home agents can stand in for a missing one.
const catalogue = loadAgentRegistry({ cwd: emptyFolder, homeDir: emptyFolder });

function resolveError(params: Record<string, unknown>): unknown {
  try {
    resolveTemplateWorkflow(bugfixTemplate, params);
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function criticalPathMs(tasks: readonly TaskSpec[]): number {
  const validation = validateGraph(tasks);
  if (!validation.ok) throw new Error(validation.issues.map((issue) => issue.message).join('\n'));
  return Math.max(...computeCriticalPath(validation.graph, estimateTaskDurations(validation.graph, new Map())));
}

describe('bugfix template (issue 8)', () => {
  const params = {
    bug: 'Totals drop the last invoice line',
    reproduction: 'npm run report -- --month 2024-02 prints 90 instead of 100',
    context: 'billing lives in packages/billing',
    testCommand: 'npm test -- billing',
  };
  const workflow = resolveTemplateWorkflow(bugfixTemplate, params);
  const promptOf = (id: string): string => workflow.tasks.find((task) => task.id === id)?.prompt ?? '';

  it('runs reproduce → analyze → three parallel attempts → select → verify on catalogue llm agents', () => {
    expect(workflow.parameters).toMatchObject({ attempts: 3, models: [] });
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['reproduce', 'tester', []],
      ['analyze', 'debugger', ['reproduce']],
      ['fix-attempt-1', 'debugger', ['analyze']],
      ['fix-attempt-2', 'developer', ['analyze']],
      ['fix-attempt-3', 'refactorer', ['analyze']],
      ['select-fix', 'debugger', ['fix-attempt-1', 'fix-attempt-2', 'fix-attempt-3']],
      ['verify', 'tester', ['select-fix']],
    ]);
    for (const task of workflow.tasks) {
      const agent = catalogue.get(task.agentName);
      expect(agent?.runtime, task.id).toBe('llm');
      expect(task.priority).toBeGreaterThanOrEqual(1);
      expect(task.priority).toBeLessThanOrEqual(10);
      expect(task.maxTokens, task.id).toBeGreaterThan(0);
      expect(task.estimatedMs, task.id).toBeGreaterThan(0);
    }
    expect(validateGraph(workflow.tasks, { isKnownAgent: (name) => catalogue.has(name) }).ok).toBe(true);
  });

  it('uses every parameter in the prompts', () => {
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain('Bug: Totals drop the last invoice line');
      expect(task.prompt, task.id).toContain('Reproduction: npm run report -- --month 2024-02');
      expect(task.prompt, task.id).toContain('Where to look: billing lives in packages/billing');
    }
    expect(promptOf('reproduce')).toContain('Use the test command `npm test -- billing`.');
    expect(promptOf('verify')).toContain('Use the test command `npm test -- billing`.');
    const withoutOptional = resolveTemplateWorkflow(bugfixTemplate, { bug: 'Crash on empty input' });
    expect(withoutOptional.tasks[0]?.prompt).not.toContain('Reproduction:');
    expect(withoutOptional.tasks[0]?.prompt).toContain('`test` script in package.json');
  });

  it('has the attempts propose diffs without editing, and only the tool holders edit or run', () => {
    for (const id of ['fix-attempt-1', 'fix-attempt-2', 'fix-attempt-3']) {
      expect(promptOf(id)).toContain('do not use Write or Edit');
      expect(promptOf(id)).toContain('unified diff in a ```diff block');
    }
    expect(promptOf('fix-attempt-1')).toContain('Strategy: the smallest correct change');
    expect(promptOf('fix-attempt-3')).toContain('Strategy: restructure');
    expect(promptOf('select-fix')).toContain('Apply the winner hunk by hunk with Edit');
    expect(promptOf('select-fix')).toContain('`Selected: fix-attempt-N`');
    expect(promptOf('verify')).toContain('Without Bash (it needs `--permissions full`), say that no tests were run');
    expect(promptOf('reproduce')).toContain('never report a failure you did not see');
    const toolsOf = (id: string): readonly string[] => catalogue.get(workflow.tasks.find((task) => task.id === id)?.agentName ?? '')?.tools ?? [];
    expect(toolsOf('select-fix')).toEqual(expect.arrayContaining(['Edit', 'Write', 'Bash']));
    expect(toolsOf('reproduce')).toEqual(expect.arrayContaining(['Write', 'Bash']));
    expect(toolsOf('verify')).toContain('Bash');
  });

  it('runs as many attempts as asked, each with its own model when given', () => {
    const five = resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: '5', models: 'openai:gpt-4o, anthropic:claude-sonnet-4-5' });
    const attempts = five.tasks.filter((task) => task.id.startsWith('fix-attempt-'));
    expect(attempts.map((task) => task.model)).toEqual(['openai:gpt-4o', 'anthropic:claude-sonnet-4-5', undefined, undefined, undefined]);
    expect(new Set(attempts.map((task) => task.description)).size).toBe(5);
    expect(five.tasks.find((task) => task.id === 'select-fix')?.dependencies).toHaveLength(5);
    const one = resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: 1 });
    expect(one.tasks.map((task) => task.id)).toEqual(['reproduce', 'analyze', 'fix-attempt-1', 'select-fix', 'verify']);
  });

  it('rejects a missing bug, and an out-of-range attempts or too many models, naming the parameter', () => {
    const missing = resolveError({ attempts: 2 });
    expect(isEnsembleError(missing) && missing.code).toBe('INVALID_INPUT');
    expect(isEnsembleError(missing) && missing.message).toContain('parameters.bug: required');
    for (const attempts of ['0', '6', 'many', '2.5']) {
      const error = resolveError({ bug: 'x', attempts });
      expect(isEnsembleError(error) && error.code, attempts).toBe('INVALID_INPUT');
      expect(isEnsembleError(error) && error.message, attempts).toMatch(/^parameters\.attempts: expected an integer/);
    }
    const models = resolveError({ bug: 'x', attempts: 1, models: 'a,b' });
    expect(isEnsembleError(models) && models.message).toBe('parameters.models: 2 models given for 1 attempts; give at most one per attempt');
  });

  it('estimates its duration as the critical path, whatever the number of attempts', () => {
    expect(criticalPathMs(workflow.tasks)).toBe(bugfixTemplate.estimatedDuration * 1000);
    expect(criticalPathMs(resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: 5 }).tasks)).toBe(bugfixTemplate.estimatedDuration * 1000);
    expect(bugfixTemplate.config?.maxParallelAgents).toBeGreaterThanOrEqual(5);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrownBy } from '../../../test/helpers/rejection.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { computeCriticalPath, estimateTaskDurations, exitCodeFor, isEnsembleError, validateGraph } from '../../core/index.js';
import type { TaskSpec } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { toParameterDeclarations } from '../to-parameter-declarations.js';
import { bugfixTemplate } from './bugfix.js';

const emptyFolder = mkdtempSync(join(tmpdir(), 'ensemble-bugfix-'));
afterAll(() => rmSync(emptyFolder, { recursive: true, force: true }));
// The built-in catalogue only: no project or home agents can stand in for a missing one.
const catalogue = loadAgentRegistry({ cwd: emptyFolder, homeDir: emptyFolder });


const resolveError = (params: Record<string, unknown>): unknown => thrownBy(() => resolveTemplateWorkflow(bugfixTemplate, params));

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
    verifyCommand: 'npm test -- billing',
  };
  const workflow = resolveTemplateWorkflow(bugfixTemplate, params);
  const taskOf = (id: string): TaskSpec | undefined => workflow.tasks.find((task) => task.id === id);
  const promptOf = (id: string): string => taskOf(id)?.prompt ?? '';

  it('runs reproduce → analyze → three parallel attempts → select → verify on catalogue llm agents', () => {
    expect(workflow.parameters).toMatchObject({ attempts: 3, models: [], providers: [], verifyTimeoutMs: 600_000 });
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['reproduce', 'tester', []],
      ['analyze', 'debugger', ['reproduce']],
      ['fix-attempt-1', 'debugger', ['analyze']],
      ['fix-attempt-2', 'developer', ['analyze']],
      ['fix-attempt-3', 'refactorer', ['analyze']],
      ['select-fix', 'fix-selector', ['fix-attempt-1', 'fix-attempt-2', 'fix-attempt-3']],
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

  it('uses every parameter in the prompts, and hands the selector its verification settings', () => {
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain('Bug: Totals drop the last invoice line');
      expect(task.prompt, task.id).toContain('Reproduction: npm run report -- --month 2024-02');
      expect(task.prompt, task.id).toContain('Where to look: billing lives in packages/billing');
    }
    expect(promptOf('reproduce')).toContain('Use the test command `npm test -- billing`.');
    expect(promptOf('verify')).toContain('Use the test command `npm test -- billing`.');
    expect(taskOf('select-fix')?.context).toEqual({ fixSelection: { verifyCommand: 'npm test -- billing', verifyTimeoutMs: 600_000 } });
    const withoutOptional = resolveTemplateWorkflow(bugfixTemplate, { bug: 'Crash on empty input', verifyTimeoutMs: 5000, attempts: 2 });
    expect(withoutOptional.tasks[0]?.prompt).not.toContain('Reproduction:');
    expect(withoutOptional.tasks[0]?.prompt).toContain('`test` script in package.json');
    const selector = withoutOptional.tasks.find((task) => task.id === 'select-fix');
    expect(selector?.context).toEqual({ fixSelection: { verifyTimeoutMs: 5000 } });
    // The baseline and both candidates may each take the whole limit, then the judge its allowance.
    expect(selector?.timeoutMs).toBe(3 * 5000 + 900_000);
  });

  it('has each attempt fix the bug with Edit in a private copy, and the selector judge only read', () => {
    for (const id of ['fix-attempt-1', 'fix-attempt-2', 'fix-attempt-3']) {
      expect(taskOf(id)?.isolation, id).toBe('worktree');
      expect(promptOf(id)).toContain('You work in a private copy of the workspace');
      expect(promptOf(id)).toContain('make the fix with Edit');
      expect(promptOf(id)).toContain('do not edit, weaken or delete it');
    }
    expect(promptOf('fix-attempt-1')).toContain('Strategy: the smallest correct change');
    expect(promptOf('fix-attempt-3')).toContain('Strategy: restructure');
    for (const id of ['reproduce', 'analyze', 'select-fix', 'verify']) expect(taskOf(id)?.isolation, id).toBeUndefined();
    expect(promptOf('select-fix')).toContain('you are asked only when that cannot decide');
    expect(promptOf('verify')).toContain('names the attempt it selected, the rule that decided');
    expect(promptOf('verify')).toContain('Without Bash (it needs `--permissions full`), say that no tests were run');
    expect(promptOf('reproduce')).toContain('never report a failure you did not see');
    const toolsOf = (id: string): readonly string[] => catalogue.get(taskOf(id)?.agentName ?? '')?.tools ?? [];
    expect(toolsOf('select-fix')).toEqual(['Read', 'Glob', 'Grep']);
    expect(toolsOf('fix-attempt-1')).toEqual(expect.arrayContaining(['Edit', 'Write', 'Bash']));
    expect(toolsOf('reproduce')).toEqual(expect.arrayContaining(['Write', 'Bash']));
    expect(toolsOf('verify')).toContain('Bash');
  });

  it('runs as many attempts as asked, cycling through the models and providers given', () => {
    const five = resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: '5', models: 'openai:gpt-4o, anthropic:claude-sonnet-4-5' });
    const modelsOf = (tasks: readonly TaskSpec[]) => tasks.filter((task) => task.id.startsWith('fix-attempt-')).map((task) => task.model);
    expect(modelsOf(five.tasks)).toEqual(['openai:gpt-4o', 'anthropic:claude-sonnet-4-5', 'openai:gpt-4o', 'anthropic:claude-sonnet-4-5', 'openai:gpt-4o']);
    expect(new Set(five.tasks.map((task) => task.description)).size).toBe(five.tasks.length);
    expect(five.tasks.find((task) => task.id === 'select-fix')?.dependencies).toHaveLength(5);
    const providers = resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: 4, providers: 'anthropic, ollama', models: 'opus, llama3.1:8b, fast' });
    expect(modelsOf(providers.tasks)).toEqual(['anthropic:opus', 'ollama:llama3.1:8b', 'anthropic:fast', 'ollama:opus']);
    const providersAlone = resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: 2, providers: 'openai' });
    expect(modelsOf(providersAlone.tasks)).toEqual(['openai:sonnet', 'openai:sonnet']);
    expect(modelsOf(resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: 2 }).tasks)).toEqual([undefined, undefined]);
    const one = resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: 1 });
    expect(one.tasks.map((task) => task.id)).toEqual(['reproduce', 'analyze', 'fix-attempt-1', 'select-fix', 'verify']);
  });

  it('rejects a missing bug, a bad attempts, models or providers, and a verify command that needs a shell, naming the parameter', () => {
    const trailer = 'in template "bugfix" (`ensemble workflows show bugfix` lists its parameters)';
    const missing = resolveError({ attempts: 2 });
    expect(isEnsembleError(missing) && missing.code).toBe('INVALID_INPUT');
    expect(isEnsembleError(missing) && exitCodeFor(missing)).toBe(2);
    expect(isEnsembleError(missing) && missing.message).toMatch(/^parameters\.bug: required/);
    for (const attempts of ['0', '6', 'many', '2.5']) {
      const error = resolveError({ bug: 'x', attempts });
      expect(isEnsembleError(error) && error.code, attempts).toBe('INVALID_INPUT');
      expect(isEnsembleError(error) && error.message, attempts).toMatch(/^parameters\.attempts: expected an integer/);
    }
    const six = resolveError({ bug: 'x', attempts: 6 });
    expect(isEnsembleError(six) && six.message.split('\n')[0]).toBe('parameters.attempts: expected an integer from 1 to 5, got 6');
    const models = resolveError({ bug: 'x', attempts: 1, models: 'a,b' });
    expect(isEnsembleError(models) && models.message.split('\n')).toEqual(['parameters.models: 2 models given for 1 attempts; give at most one per attempt', trailer]);
    const tooManyProviders = resolveError({ bug: 'x', attempts: 1, providers: ['openai', 'ollama'] });
    expect(isEnsembleError(tooManyProviders) && tooManyProviders.message.split('\n')[0]).toBe('parameters.providers: 2 providers given for 1 attempts; give at most one per attempt');
    // Problems are listed in the order the parameters are declared: models before providers.
    const providers = resolveError({ bug: 'x', attempts: 2, providers: 'anthropic,bedrock', models: 'openai:gpt-4o' });
    expect(isEnsembleError(providers) && providers.message.split('\n')).toEqual([
      'parameters.models[0]: "openai:gpt-4o" names provider openai while providers are given; give model names or tiers alone',
      'parameters.providers[1]: unknown provider "bedrock"; expected one of anthropic, openai, google, ollama, openai-compatible',
      trailer,
    ]);
    expect(isEnsembleError(providers) && providers.details?.issues).toEqual([
      { path: 'parameters.models[0]', message: expect.stringContaining('names provider openai') },
      { path: 'parameters.providers[1]', message: expect.stringContaining('unknown provider "bedrock"') },
    ]);
    const shell = resolveError({ bug: 'x', verifyCommand: 'npm run build && npm test' });
    expect(isEnsembleError(shell) && shell.code).toBe('INVALID_INPUT');
    expect(isEnsembleError(shell) && shell.message).toMatch(/^parameters\.verifyCommand: "&&" is shell syntax, and the command runs without a shell/);
    const quote = resolveError({ bug: 'x', verifyCommand: 'pytest -k "totals' });
    expect(isEnsembleError(quote) && quote.message.split('\n')).toEqual(['parameters.verifyCommand: unclosed " in "pytest -k \\"totals"', trailer]);
    const timeout = resolveError({ bug: 'x', verifyTimeoutMs: 10 });
    expect(isEnsembleError(timeout) && timeout.message.split('\n')[0]).toBe('parameters.verifyTimeoutMs: expected an integer from 1000 to 3600000, got 10');
  });

  it('reports every problem at once, the verify command with the others', () => {
    const error = resolveError({ attempts: 9, verifyCommand: 'make test | tee log', verifyTimeoutMs: 'soon', hint: 'x' });
    expect(isEnsembleError(error) && error.message.split('\n').map((line) => line.split(';')[0])).toEqual([
      expect.stringMatching(/^parameters\.bug: required/),
      'parameters.verifyCommand: "|" is shell syntax, and the command runs without a shell',
      expect.stringMatching(/^parameters\.verifyTimeoutMs: expected an integer/),
      'parameters.attempts: expected an integer from 1 to 5, got 9',
      'parameters.hint: unknown parameter',
      'in template "bugfix" (`ensemble workflows show bugfix` lists its parameters)',
    ]);
    const provider = resolveError({ attempts: 2, providers: 'nope' });
    expect(isEnsembleError(provider) && provider.details?.issues).toEqual([
      { path: 'parameters.bug', message: expect.stringMatching(/^required/) },
      { path: 'parameters.providers[0]', message: expect.stringMatching(/^unknown provider "nope"/) },
    ]);
    // Each problem once: no count against an attempts out of range, no "unknown provider" for a blank item.
    const once = resolveError({ bug: 'x', attempts: 0, models: 'a', providers: ['openai', ' '] });
    expect(isEnsembleError(once) && once.details?.issues).toEqual([
      { path: 'parameters.attempts', message: 'expected an integer from 1 to 5, got 0' },
      { path: 'parameters.providers[1]', message: 'must not be empty' },
    ]);
  });

  it('derives its parameter declarations from its schema, and checks a direct buildTasks call the same way', () => {
    expect(bugfixTemplate.parameters).toEqual(toParameterDeclarations(bugfixTemplate.parameterSchema));
    expect(bugfixTemplate.parameters).toMatchObject({
      bug: { type: 'string', required: true },
      verifyTimeoutMs: { type: 'integer', default: 600_000, minimum: 1000, maximum: 3_600_000 },
      attempts: { type: 'integer', default: 3, minimum: 1, maximum: 5 },
      models: { type: 'array', items: 'string', default: [] },
      providers: { type: 'array', items: 'string', default: [] },
    });
    expect(Object.keys(bugfixTemplate.parameters)).toEqual(['bug', 'reproduction', 'context', 'verifyCommand', 'verifyTimeoutMs', 'attempts', 'models', 'providers']);
    // A library caller skipping resolveWorkflow: strings coerced, blanks dropped, defaults filled.
    const tasks = bugfixTemplate.buildTasks({ bug: '  Crash  ', reproduction: ' ', attempts: '2', providers: 'ollama' });
    expect(tasks.map((task) => task.id)).toEqual(['reproduce', 'analyze', 'fix-attempt-1', 'fix-attempt-2', 'select-fix', 'verify']);
    expect(tasks[0]?.prompt).toMatch(/^Bug: Crash\n\nReproduce this bug/);
    expect(tasks.filter((task) => task.id.startsWith('fix-attempt-')).map((task) => task.model)).toEqual(['ollama:sonnet', 'ollama:sonnet']);
    expect(tasks.find((task) => task.id === 'select-fix')?.context).toEqual({ fixSelection: { verifyTimeoutMs: 600_000 } });
    const direct = thrownBy(() => bugfixTemplate.buildTasks({ bug: 'x', verifyCommand: 'npm test ; npm run lint' }));
    expect(isEnsembleError(direct) && direct.message.split('\n')[0]).toBe(
      'parameters.verifyCommand: ";" is shell syntax, and the command runs without a shell; put several commands in a script (an npm script, a Makefile target) and name that',
    );
  });

  it('estimates its duration as the critical path, whatever the number of attempts', () => {
    expect(criticalPathMs(workflow.tasks)).toBe(bugfixTemplate.estimatedDuration * 1000);
    expect(criticalPathMs(resolveTemplateWorkflow(bugfixTemplate, { bug: 'x', attempts: 5 }).tasks)).toBe(bugfixTemplate.estimatedDuration * 1000);
    expect(bugfixTemplate.config?.maxParallelAgents).toBeGreaterThanOrEqual(5);
  });
});

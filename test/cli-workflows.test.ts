import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from './helpers/cli.js';

// Issue 8, item 3: templates with parameter schemas, `workflows list` filters, `workflows show` graph.

let folder: string;
let db: string;

beforeAll(() => {
  folder = makeTempDir('ensemble-cli-workflows-');
  db = join(folder, 'journal.db');
});

const ensemble = (...args: string[]) => runCli([...args, '--db', db], { cwd: folder });

describe('ensemble workflows list', () => {
  it('lists all nine templates as JSON with their listing fields', async () => {
    const result = await ensemble('workflows', 'list', '--json');
    expect(result.code).toBe(0);
    const { workflows } = JSON.parse(result.stdout) as { workflows: { id: string; category: string; tags: string[]; estimatedDuration: number; complexity: string }[] };
    expect(workflows.map((workflow) => workflow.id)).toEqual([
      'fullstack-dev',
      'feature',
      'bugfix',
      'code-review',
      'code-review-swarm',
      'security-audit',
      'testing-suite',
      'performance-optimization',
      'devops-setup',
    ]);
    for (const workflow of workflows) {
      expect(Object.keys(workflow).sort(), workflow.id).toEqual(['category', 'complexity', 'description', 'estimatedDuration', 'id', 'name', 'tags']);
      expect(workflow.estimatedDuration, workflow.id).toBeGreaterThan(0);
    }
  });

  it('filters by --category and by every --tag given', async () => {
    const ids = async (...args: string[]) => (JSON.parse((await ensemble('workflows', 'list', '--json', ...args)).stdout) as { workflows: { id: string }[] }).workflows.map((workflow) => workflow.id);
    expect(await ids('--category', 'quality')).toEqual(['bugfix', 'code-review', 'code-review-swarm']);
    expect(await ids('--tag', 'security', '--tag', 'parallel')).toEqual(['code-review', 'code-review-swarm', 'security-audit']);
    expect(await ids('--category', 'development', '--tag', 'hybrid')).toEqual(['fullstack-dev']);
    expect(await ids('--category', 'marketing')).toEqual([]);
  });
});

describe('ensemble workflows show: the task graph', () => {
  it('prints feature as a chain of five levels, each task with what it waits for', async () => {
    const result = await ensemble('workflows', 'show', 'feature', '--param', 'feature=CSV export');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const graph = result.stdout.slice(result.stdout.indexOf('Task graph'));
    expect(graph.trimEnd().split('\n')).toEqual([
      'Task graph · 5 tasks in 5 levels',
      'Level 1',
      '└─ analyze · analyzer · priority 10',
      '   Analyze the feature request',
      'Level 2',
      '└─ design · designer · priority 9',
      '   after analyze',
      '   Design the implementation',
      'Level 3',
      '└─ implement · developer · priority 8',
      '   after design',
      '   Implement the feature',
      'Level 4',
      '└─ test · tester · priority 7',
      '   after implement',
      '   Test the implementation',
      'Level 5',
      '└─ review · reviewer · priority 6',
      '   after test',
      '   Review the change',
    ]);
    expect(result.stdout).toMatch(/feature\s+string\s+yes\s+-\s+CSV export\s+The feature to build/);
  });

  it('prints the parallel level of fullstack-dev as branches, and its joins', async () => {
    const result = await ensemble('workflows', 'show', 'fullstack-dev');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      ['Level 2 · 2 side by side', '├─ backend · backend-architect · priority 9', '│  after design', '│  Implement the backend and data layer', '└─ frontend · frontend-developer · priority 9', '   after design'].join('\n'),
    );
    expect(result.stdout).toContain(['Level 3', '└─ integration · developer · priority 8', '   after design, backend, frontend'].join('\n'));
    // A required parameter not given is shown as a placeholder, not an error.
    expect(result.stdout).toMatch(/projectType\s+string\s+yes\s+-\s+<projectType>/);
    expect(result.stdout).toMatch(/coverageTarget|techStack\s+object\s+no/);
  });

  it('gives nodes, edges and levels with --json, and the template without its build function or zod schema', async () => {
    const result = await ensemble('workflows', 'show', 'testing-suite', '--param', 'target=src', '--json');
    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout) as {
      template: Record<string, unknown> & { parameters: Record<string, unknown> };
      graph: { levels: string[][]; nodes: { id: string; level: number; dependencies: string[] }[]; edges: { from: string; to: string }[] };
    };
    expect(shown.template['buildTasks']).toBeUndefined();
    expect(shown.template['parameterSchema']).toBeUndefined();
    expect(shown.template.parameters['coverageTarget']).toEqual({ type: 'integer', description: 'Line coverage to aim for, in percent (1-100).', default: 80, minimum: 1, maximum: 100 });
    expect(shown.graph.levels).toEqual([['analyze-coverage'], ['unit-tests', 'integration-tests', 'e2e-tests'], ['run-and-report']]);
    expect(shown.graph.edges).toContainEqual({ from: 'unit-tests', to: 'run-and-report' });
    expect(shown.graph.edges).toHaveLength(7);
  });
});

describe('ensemble run: template parameters checked by their schema (exit 2)', () => {
  it('names a missing required parameter and the template, and runs nothing', async () => {
    const result = await ensemble('run', 'bugfix');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error [INVALID_INPUT]: parameters.bug: required (string: The bug:');
    expect(result.stderr).toContain('in template "bugfix" (`ensemble workflows show bugfix` lists its parameters)');
    const runs = await ensemble('runs', '--json');
    expect(JSON.parse(runs.stdout)).toEqual({ runs: [] });
  });

  it('names a bad integer, a value out of range and an unknown parameter with a suggestion', async () => {
    const notInteger = await ensemble('run', 'testing-suite', '--param', 'target=.', '--param', 'coverageTarget=lots');
    expect(notInteger.code).toBe(2);
    expect(notInteger.stderr).toContain('parameters.coverageTarget: expected an integer, got "lots"');
    const range = await ensemble('run', 'performance-optimization', '--param', 'scenario=slow export', '--param', 'maxFixes=11');
    expect(range.code).toBe(2);
    expect(range.stderr).toContain('parameters.maxFixes: expected an integer from 1 to 10, got 11');
    const typo = await ensemble('run', 'feature', '--param', 'feature=x', '--param', 'langauge=Go');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('parameters.langauge: unknown parameter (did you mean "language"?); known parameters: feature, context, language');
    const choice = await ensemble('run', 'security-audit', '--param', 'application=blog', '--param', 'minimumSeverity=severe', '--json');
    expect(choice.code).toBe(2);
    expect(JSON.parse(choice.stdout)).toEqual({
      error: { code: 'INVALID_INPUT', message: 'parameters.minimumSeverity: expected one of critical, high, medium, low, got "severe"\nin template "security-audit" (`ensemble workflows show security-audit` lists its parameters)' },
    });
  });
});

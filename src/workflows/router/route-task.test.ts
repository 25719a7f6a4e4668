import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentRegistry } from '../../agents/index.js';
import { exitCodeFor, isEnsembleError, validateGraph, type TaskInput } from '../../core/index.js';
import { routeTask } from './route-task.js';
import { TASK_ROUTES, TASK_TYPES } from './task-routes.js';
import { toRoutedWorkflow } from './to-routed-workflow.js';

const emptyFolder = mkdtempSync(join(tmpdir(), 'ensemble-router-'));
afterAll(() => rmSync(emptyFolder, { recursive: true, force: true }));
const catalogue = loadAgentRegistry({ cwd: emptyFolder, homeDir: emptyFolder });

const shape = (tasks: readonly TaskInput[]) => tasks.map((task) => [task.id, task.agentName, task.dependencies ?? []]);

function routeError(input: Parameters<typeof routeTask>[0]): { code: string; message: string; exitCode: number } {
  try {
    routeTask(input);
  } catch (error) {
    if (isEnsembleError(error)) return { code: error.code, message: error.message, exitCode: exitCodeFor(error) };
    throw error;
  }
  throw new Error('expected routeTask to throw');
}

describe('routeTask: parallel types (issue 8, item 4)', () => {
  it('code_review: three reviewers at once on the same description, then a consolidation that waits for all of them', () => {
    const plan = routeTask({ type: 'code_review', description: 'Review the auth module', context: 'auth lives in src/auth' });
    expect(plan.mode).toBe('parallel');
    expect(shape(plan.tasks)).toEqual([
      ['code-quality', 'code-reviewer', []],
      ['security', 'security-auditor', []],
      ['performance', 'performance-engineer', []],
      ['consolidate', 'code-reviewer', ['code-quality', 'security', 'performance']],
    ]);
    expect(plan.phases).toEqual([
      { name: 'parallel', taskIds: ['code-quality', 'security', 'performance'] },
      { name: 'consolidate', taskIds: ['consolidate'] },
    ]);
    expect(plan.config).toEqual({ maxParallelAgents: 3 });
    for (const task of plan.tasks) {
      expect(task.prompt).toContain('Task (a code review): Review the auth module');
      expect(task.prompt).toContain('Notes: auth lives in src/auth');
      expect(task.prompt).toContain('change no files');
      expect(task.prompt?.split('\n\n').length).toBeGreaterThanOrEqual(4);
    }
    expect(plan.tasks[1]?.prompt).toContain('You are one of 3 agents working on this at the same time: code-quality (code-reviewer), security (security-auditor, you), performance (performance-engineer)');
    expect(plan.tasks[3]?.prompt).toContain('Consolidate the outputs of the 3 agents');
  });

  it.each([
    ['documentation', ['api-reference', 'guides'], 'consolidate'],
    ['testing', ['unit-tests', 'integration-tests'], 'run-tests'],
    ['refactoring', ['smells', 'architecture', 'safety-net'], 'apply'],
  ] as const)('%s: its roles side by side, then %s', (type, parallel, consolidation) => {
    const plan = routeTask({ type, description: 'the billing module' });
    expect(plan.mode).toBe('parallel');
    expect(plan.tasks.map((task) => task.id)).toEqual([...parallel, consolidation]);
    for (const task of plan.tasks.slice(0, -1)) expect(task.dependencies).toEqual([]);
    expect(plan.tasks.at(-1)?.dependencies).toEqual(parallel);
  });

  it('takes other agents (an agent of a default role keeps its instructions), another consolidator, or none', () => {
    const plan = routeTask({ type: 'code_review', description: 'x', agents: ['security-auditor', 'accessibility-auditor', 'accessibility-auditor'], consolidator: 'tech-lead' });
    expect(shape(plan.tasks)).toEqual([
      ['security', 'security-auditor', []],
      ['accessibility-auditor', 'accessibility-auditor', []],
      ['accessibility-auditor-2', 'accessibility-auditor', []],
      ['consolidate', 'tech-lead', ['security', 'accessibility-auditor', 'accessibility-auditor-2']],
    ]);
    expect(plan.tasks[0]?.prompt).toContain('OWASP Top 10');
    expect(plan.tasks[1]?.prompt).toContain('with your skills as `accessibility-auditor`');
    const alone = routeTask({ type: 'testing', description: 'x', consolidate: false });
    expect(shape(alone.tasks)).toEqual([
      ['unit-tests', 'tester', []],
      ['integration-tests', 'test-automator', []],
    ]);
    expect(alone.tasks[0]?.prompt).toContain('Nobody merges the outputs afterwards');
  });
});

describe('routeTask: sequential types', () => {
  it.each([
    ['feature', [['analyze', 'analyzer'], ['design', 'designer'], ['implement', 'developer'], ['test', 'tester'], ['review', 'reviewer']]],
    ['bugfix', [['reproduce', 'tester'], ['diagnose', 'debugger'], ['fix', 'developer'], ['verify', 'tester']]],
    ['optimization', [['measure', 'test-automator'], ['analyze', 'performance-engineer'], ['optimize', 'developer'], ['verify', 'test-automator']]],
  ] as const)('%s: a chain, each step depending on the one before', (type, chain) => {
    const plan = routeTask({ type, description: 'Totals drop the last line' });
    expect(plan.mode).toBe('sequential');
    expect(shape(plan.tasks)).toEqual(chain.map(([id, agent], index) => [id, agent, index === 0 ? [] : [chain[index - 1]![0]]]));
    expect(plan.config).toEqual({ maxParallelAgents: 1 });
    expect(plan.tasks[1]?.prompt).toContain(`This is step 2 of ${chain.length}:`);
    expect(plan.tasks[1]?.prompt).toContain(`${chain[1]![0]} (${chain[1]![1]}, you)`);
    expect(plan.tasks.at(-1)?.prompt).toContain('You are the last step');
  });

  it('runs given agents in the given order', () => {
    const plan = routeTask({ type: 'bugfix', description: 'x', agents: ['debugger', 'developer', 'developer'], model: 'haiku', maxTokens: 4000, timeoutMs: 60_000 });
    expect(shape(plan.tasks)).toEqual([
      ['diagnose', 'debugger', []],
      ['fix', 'developer', ['diagnose']],
      ['developer', 'developer', ['fix']],
    ]);
    for (const task of plan.tasks) expect(task).toMatchObject({ model: 'haiku', maxTokens: 4000, timeoutMs: 60_000 });
  });
});

describe('routeTask: hybrid phases', () => {
  it('runs the agents of a phase side by side, each phase after every task of the one before', () => {
    const plan = routeTask({
      type: 'hybrid',
      description: 'Build the invoice export',
      phases: [
        { name: 'design', agents: ['solutions-architect'] },
        { name: 'build', agents: ['backend-architect', 'frontend-developer'], instruction: 'Build your side of the design.' },
        { name: 'check', agents: ['tester', 'reviewer'] },
      ],
    });
    expect(plan.mode).toBe('hybrid');
    expect(shape(plan.tasks)).toEqual([
      ['design-solutions-architect', 'solutions-architect', []],
      ['build-backend-architect', 'backend-architect', ['design-solutions-architect']],
      ['build-frontend-developer', 'frontend-developer', ['design-solutions-architect']],
      ['check-tester', 'tester', ['build-backend-architect', 'build-frontend-developer']],
      ['check-reviewer', 'reviewer', ['build-backend-architect', 'build-frontend-developer']],
    ]);
    expect(plan.config).toEqual({ maxParallelAgents: 2 });
    expect(plan.tasks[1]?.prompt).toContain('Build your side of the design.');
    expect(plan.tasks[1]?.prompt).toContain('This is phase 2 of 3 ("build"; phases: design → build → check)');
  });
});

describe('routeTask: plans run as workflows', () => {
  it('gives every type a valid graph on catalogue agents, as a workflow the engine takes', () => {
    for (const type of TASK_TYPES) {
      const input = type === 'hybrid' ? { type, description: 'x', phases: [{ name: 'one', agents: ['developer', 'tester'] }, { name: 'two', agents: ['reviewer'] }] } : { type, description: 'x' };
      const workflow = toRoutedWorkflow(routeTask(input));
      expect(workflow).toMatchObject({ workflowId: `route:${type}`, source: 'route', parameters: { type, description: 'x' } });
      expect(validateGraph(workflow.tasks, { isKnownAgent: (name) => catalogue.has(name) }).ok, type).toBe(true);
    }
    for (const route of Object.values(TASK_ROUTES)) {
      for (const role of [...route.roles, ...(route.consolidation === undefined ? [] : [route.consolidation])]) {
        const tools = catalogue.get(role.agentName)?.tools ?? [];
        if (/\bwith Bash\b/.test(role.instruction)) expect(tools, role.step).toContain('Bash');
        if (/\bwith (Write|Edit)\b|\(Write\b/.test(role.instruction)) expect(tools, role.step).toEqual(expect.arrayContaining(['Write']));
      }
    }
  });

  it('keeps "{{" in a description literal', () => {
    const workflow = toRoutedWorkflow(routeTask({ type: 'feature', description: 'Support {{name}} in greetings' }));
    expect(workflow.tasks[0]?.prompt).toContain('Support {{name}} in greetings');
  });
});

describe('routeTask: bad input is INVALID_INPUT naming the problem (exit 2)', () => {
  it('names an unknown type with the known ones, and reads code-review as code_review', () => {
    expect(routeError({ type: 'code-revue', description: 'x' })).toEqual({
      code: 'INVALID_INPUT',
      exitCode: 2,
      message: `type: unknown task type "code-revue" (did you mean "code_review"?); known types: ${TASK_TYPES.join(', ')}`,
    });
    expect(routeTask({ type: 'Code-Review', description: 'x' }).type).toBe('code_review');
  });

  it('refuses phases where they do not belong and a hybrid route without them', () => {
    expect(routeError({ type: 'hybrid', description: 'x' }).message).toBe('phases: a hybrid route needs its phases, in order (name and agents of each)');
    expect(routeError({ type: 'feature', description: 'x', phases: [{ name: 'a', agents: ['developer'] }] }).message).toContain('phases: only a hybrid route takes phases; feature is sequential');
    expect(routeError({ type: 'hybrid', description: 'x', agents: ['developer'], phases: [{ name: 'a', agents: ['x'] }, { name: 'A', agents: ['y'] }] }).message.split('\n')).toEqual([
      'agents: a hybrid route takes its agents per phase, not as one list',
      'phases[1].name: phase "A" is named twice',
    ]);
    expect(routeError({ type: 'bugfix', description: 'x', consolidator: 'reviewer' }).message).toContain('consolidator: only parallel types');
  });

  it('names bad fields with their paths', () => {
    expect(routeError({ type: 'testing', description: '  ' }).message).toBe('description: must not be empty');
    expect(routeError({ type: 'hybrid', description: 'x', phases: [{ name: 'bad name', agents: [] }] }).message.split('\n')).toEqual([
      'phases[0].name: must be 1-64 letters, digits, "-" or "_", starting with a letter or digit',
      'phases[0].agents: a phase needs at least one agent',
    ]);
    expect(routeError({ type: 'testing', description: 'x', agents: ['ok', 'not ok'] }).message).toBe('agents[1]: must be an agent name: letters, digits, "-" or "_"');
    expect(routeError({ type: 'testing', description: 'x', agnets: ['a'] } as Parameters<typeof routeTask>[0]).message).toContain('(did you mean "agents"?)');
  });
});

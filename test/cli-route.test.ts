import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, parseNdjson, runCli } from './helpers/cli.js';

// Issue 8, item 4: the task router from the CLI, on simulated agents (no provider configured).

let folder: string;
let db: string;

beforeAll(() => {
  folder = makeTempDir('ensemble-cli-route-');
  db = join(folder, 'journal.db');
});

const ensemble = (...args: string[]) => runCli([...args, '--db', db], { cwd: folder });

describe('ensemble route --dry-run', () => {
  it('prints a parallel plan as its graph, checked, and runs nothing', async () => {
    const result = await ensemble('route', 'code_review', 'review', 'the', 'auth', 'module', '--dry-run');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, 3)).toEqual(['route code_review · parallel · 4 tasks', 'review the auth module', 'up to 3 at once unless --concurrency says otherwise']);
    expect(result.stdout).toContain(
      [
        'Level 1 · 3 side by side',
        '├─ code-quality · code-reviewer · priority 5',
        '│  Review correctness and maintainability',
        '├─ security · security-auditor · priority 5',
        '│  Review security',
        '└─ performance · performance-engineer · priority 5',
        '   Review performance',
        'Level 2',
        '└─ consolidate · code-reviewer · priority 5',
        '   after code-quality, security, performance',
      ].join('\n'),
    );
    expect(result.stdout).toContain('dry run: nothing was run');
    expect(JSON.parse((await ensemble('runs', '--json')).stdout)).toEqual({ runs: [] });
  });

  it('gives a hybrid plan from --phase flags as JSON: phases, tasks and graph levels', async () => {
    const result = await ensemble('route', 'hybrid', 'build the export', '--phase', 'design:solutions-architect', '--phase', 'build: backend-architect, frontend-developer', '--phase', 'check:tester', '--dry-run', '--json');
    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout) as { plan: { mode: string; phases: { name: string; taskIds: string[] }[]; config: unknown }; workflow: { tasks: { id: string; dependencies: string[] }[] }; graph: { levels: string[][] } };
    expect(shown.plan.mode).toBe('hybrid');
    expect(shown.plan.config).toEqual({ maxParallelAgents: 2 });
    expect(shown.graph.levels).toEqual([['design-solutions-architect'], ['build-backend-architect', 'build-frontend-developer'], ['check-tester']]);
    expect(shown.workflow.tasks.find((task) => task.id === 'check-tester')?.dependencies).toEqual(['build-backend-architect', 'build-frontend-developer']);
  });

  it('exits 2 naming the problem: an unknown type, a mistyped agent, a malformed --phase', async () => {
    const type = await ensemble('route', 'code-revue', 'x');
    expect(type.code).toBe(2);
    expect(type.stderr).toContain('type: unknown task type "code-revue" (did you mean "code_review"?); known types: code_review, documentation, testing, refactoring, feature, bugfix, optimization, hybrid');
    const agent = await ensemble('route', 'feature', 'add a login form', '--agents', 'analyzer,developr', '--dry-run');
    expect(agent.code).toBe(2);
    expect(agent.stderr).toMatch(/UNKNOWN_AGENT.*"developr".*did you mean "developer"/s);
    const phase = await ensemble('route', 'hybrid', 'x', '--phase', 'design');
    expect(phase.code).toBe(2);
    expect(phase.stderr).toContain('--phase: "design" is not name:agent1,agent2');
    const misplaced = await ensemble('route', 'bugfix', 'x', '--phase', 'a:tester');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('phases: only a hybrid route takes phases; bugfix is sequential');
  });
});

describe('ensemble route (a real run on simulated agents)', () => {
  it('runs the parallel testing plan: both writers before the consolidation, NDJSON like run, exit 0', async () => {
    const result = await ensemble('route', 'testing', 'write tests for the CSV parser', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    expect(events[0]).toMatchObject({ type: 'workflow:start', seq: 1, taskCount: 3 });
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded', summary: { totalTasks: 3, successfulTasks: 3 } });
    const seqOf = (type: string, taskId: string) => events.find((event) => event.type === type && event.taskId === taskId)?.seq as number;
    for (const writer of ['unit-tests', 'integration-tests']) expect(seqOf('task:complete', writer)).toBeLessThan(seqOf('task:start', 'run-tests'));
    const outputs = events.filter((event) => event.type === 'task:complete').map((event) => String(event.output));
    for (const output of outputs) expect(output).toMatch(/^\[simulated output/);

    const runId = String(events[0]!.runId);
    const showResult = await ensemble('runs', 'show', runId, '--json');
    expect(showResult.stderr).toBe('');
    const shown = JSON.parse(showResult.stdout) as { run: { workflowName: string } };
    expect(shown.run.workflowName).toBe('Routed testing (parallel)');
  });

  it('runs a sequential plan one step after another', async () => {
    const result = await ensemble('route', 'bugfix', 'totals drop the last invoice line', '--json');
    expect(result.code).toBe(0);
    const starts = parseNdjson(result.stdout).filter((event) => event.type === 'task:start' || event.type === 'task:complete').map((event) => `${String(event.type)} ${String(event.taskId)}`);
    expect(starts).toEqual(['reproduce', 'diagnose', 'fix', 'verify'].flatMap((id) => [`task:start ${id}`, `task:complete ${id}`]));
  });
});

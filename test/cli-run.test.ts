import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isProcessGone, makeTempDir, parseNdjson, parseWorkerLog, runCli, writeWorkerAgent } from './helpers/cli.js';

interface Fixture {
  readonly folder: string;
  readonly agentsDir: string;
  readonly log: string;
  readonly db: string;
}

function fixture(): Fixture {
  const folder = makeTempDir();
  const { agentsDir } = writeWorkerAgent(folder);
  return { folder, agentsDir, log: join(folder, 'worker.log'), db: join(folder, 'journal.db') };
}

function writeWorkflow(folder: string, workflow: unknown, name = 'workflow.json'): string {
  const path = join(folder, name);
  writeFileSync(path, JSON.stringify(workflow, null, 2));
  return path;
}

async function runWorkflow(f: Fixture, workflow: unknown, extraArgs: string[] = []) {
  const path = writeWorkflow(f.folder, workflow);
  return runCli(['run', path, '--json', '--db', f.db, '--agents-dir', f.agentsDir, ...extraArgs], {
    cwd: f.folder,
    env: { WORKER_LOG: f.log },
  });
}

const readLog = (f: Fixture) => (existsSync(f.log) ? parseWorkerLog(readFileSync(f.log, 'utf8')) : []);

describe('ensemble run (CLI, real child processes, real SQLite)', () => {
  it('runs the built-in feature template on simulated agents and says so', async () => {
    const folder = makeTempDir();
    const result = await runCli(['run', 'feature', '--param', 'feature=user login', '--json', '--db', join(folder, 'j.db')], { cwd: folder });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    expect(events[0]).toMatchObject({ type: 'workflow:start', seq: 1, taskCount: 5 });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'workflow:complete', status: 'succeeded', summary: { totalTasks: 5, successfulTasks: 5 } });
    expect((last.summary as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
    const completes = events.filter((event) => event.type === 'task:complete');
    expect(completes.map((event) => event.taskId)).toEqual(['analyze', 'design', 'implement', 'test', 'review']);
    for (const complete of completes) expect(String(complete.output)).toMatch(/^\[simulated output/);
    expect(events.filter((event) => event.type === 'agent:invoke').every((event) => event.runtime === 'simulated')).toBe(true);

    // Token use is accounted per task, per agent and per run.
    const shown = await runCli(['runs', 'show', String(last.runId), '--json', '--db', join(folder, 'j.db')], { cwd: folder });
    const { agents, tasks } = JSON.parse(shown.stdout) as { agents: { agentName: string; totalTokens: number }[]; tasks: { usage: { totalTokens: number } }[] };
    expect(agents.map((agent) => agent.agentName)).toEqual(['analyzer', 'designer', 'developer', 'tester', 'reviewer']);
    const runTokens = (last.summary as { totalTokens: number }).totalTokens;
    expect(agents.reduce((sum, agent) => sum + agent.totalTokens, 0)).toBe(runTokens);
    expect(tasks.reduce((sum, task) => sum + task.usage.totalTokens, 0)).toBe(runTokens);
  });

  it('prints a readable progress log and summary without --json', async () => {
    const folder = makeTempDir();
    const result = await runCli(['run', 'code-review', '--db', join(folder, 'j.db')], { cwd: folder });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ensemble · ');
    expect(result.stdout).toMatch(/succeeded\s+6\/6 tasks succeeded · [\d,]+ tokens/);
    expect(result.stdout).toContain('simulated runtime');
  });

  it('holds the concurrency limit and starts each task only after its dependencies (observed from outside)', async () => {
    const f = fixture();
    const tasks = Array.from({ length: 6 }, (_, index) => ({ id: `p${index}`, agentName: 'worker', prompt: 'sleep=250' }));
    tasks.push({ id: 'join', agentName: 'worker', prompt: 'sleep=10', dependencies: tasks.map((task) => task.id) } as (typeof tasks)[number]);
    const result = await runWorkflow(f, { name: 'limit', tasks }, ['--concurrency', '2']);
    expect(result.code).toBe(0);
    const entries = readLog(f);
    const moments = entries.filter((entry) => entry.kind !== 'pids').map((entry) => ({ kind: entry.kind, task: entry.task, at: entry.values[0]! }));
    moments.sort((a, b) => a.at - b.at || (a.kind === 'end' ? -1 : 1));
    let running = 0;
    let peak = 0;
    for (const moment of moments) {
      running += moment.kind === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
    const joinStart = moments.find((moment) => moment.kind === 'start' && moment.task === 'join')!.at;
    const lastEnd = Math.max(...moments.filter((moment) => moment.kind === 'end' && moment.task !== 'join').map((moment) => moment.at));
    expect(joinStart).toBeGreaterThanOrEqual(lastEnd);
  });

  it("starts a dependent as soon as its own dependency ends, while an unrelated slow task still runs", async () => {
    const f = fixture();
    const result = await runWorkflow(f, {
      name: 'dependency-driven',
      tasks: [
        { id: 'slow', agentName: 'worker', prompt: 'sleep=2000' },
        { id: 'quick', agentName: 'worker', prompt: 'sleep=50' },
        { id: 'after-quick', agentName: 'worker', prompt: 'sleep=10', dependencies: ['quick'] },
      ],
    });
    expect(result.code).toBe(0);
    const entries = readLog(f);
    const afterQuickStart = entries.find((entry) => entry.kind === 'start' && entry.task === 'after-quick')!.values[0]!;
    const slowEnd = entries.find((entry) => entry.kind === 'end' && entry.task === 'slow')!.values[0]!;
    expect(slowEnd - afterQuickStart).toBeGreaterThan(1000);
  });

  it('runs ready tasks by priority when slots are scarce', async () => {
    const f = fixture();
    const result = await runWorkflow(
      f,
      {
        name: 'priorities',
        tasks: [
          { id: 'low', agentName: 'worker', priority: 1 },
          { id: 'high', agentName: 'worker', priority: 10 },
          { id: 'middle', agentName: 'worker', priority: 5 },
        ],
      },
      ['--concurrency', '1'],
    );
    expect(result.code).toBe(0);
    expect(readLog(f).filter((entry) => entry.kind === 'start').map((entry) => entry.task)).toEqual(['high', 'middle', 'low']);
  });

  it('retries a failing command agent per its policy and then succeeds', async () => {
    const f = fixture();
    const result = await runWorkflow(f, {
      name: 'retries',
      tasks: [{ id: 'flaky', agentName: 'worker', prompt: 'fail-until=2', retry: { max: 2, backoffMs: 50 } }],
    });
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const retries = events.filter((event) => event.type === 'task:retry');
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({ error: { code: 'AGENT_EXIT_NONZERO' } });
    expect(String((retries[0]!.error as { message: string }).message)).toContain('planned failure 1');
    expect(events.find((event) => event.type === 'task:complete')).toMatchObject({ attempt: 3, evidence: { exitCode: 0 } });
    expect(readLog(f).filter((entry) => entry.kind === 'start')).toHaveLength(3);
  });

  it('kills a timed-out agent and its whole process group', async () => {
    const f = fixture();
    const result = await runWorkflow(f, {
      name: 'timeout',
      tasks: [{ id: 'hangs', agentName: 'worker', prompt: 'spawn-grandchild sleep=60000', timeoutMs: 700 }],
    });
    expect(result.code).toBe(1);
    const error = parseNdjson(result.stdout).find((event) => event.type === 'task:error');
    expect(error).toMatchObject({ taskId: 'hangs', error: { code: 'TASK_TIMEOUT' } });
    const pids = readLog(f).find((entry) => entry.kind === 'pids')!.values;
    expect(pids).toHaveLength(2);
    // The group is signalled before the run reports the failure; allow the kernel a moment to finish the kill.
    for (let waited = 0; waited < 3000 && !pids.every(isProcessGone); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of pids) expect(isProcessGone(pid)).toBe(true);
  });

  it("skips a failed task's dependents, lets independent branches finish, and exits 1", async () => {
    const f = fixture();
    const result = await runWorkflow(f, {
      name: 'failure',
      tasks: [
        { id: 'breaks', agentName: 'worker', prompt: 'fail-until=99' },
        { id: 'needs-broken', agentName: 'worker', dependencies: ['breaks'] },
        { id: 'then-this', agentName: 'worker', dependencies: ['needs-broken'] },
        { id: 'independent', agentName: 'worker', prompt: 'sleep=300' },
      ],
    });
    expect(result.code).toBe(1);
    const events = parseNdjson(result.stdout);
    expect(events.filter((event) => event.type === 'task:skipped').map((event) => [event.taskId, event.blockedBy])).toEqual([
      ['needs-broken', 'breaks'],
      ['then-this', 'breaks'],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'failed', summary: { successfulTasks: 1, failedTasks: 1, skippedTasks: 2 } });
    const started = readLog(f).filter((entry) => entry.kind === 'start').map((entry) => entry.task);
    expect(started.sort()).toEqual(['breaks', 'independent']);
  });
});

describe('ensemble run rejects invalid input with exit 2 and runs nothing', () => {
  let f: Fixture;
  beforeAll(() => {
    f = fixture();
  });

  const cases: { name: string; workflow?: unknown; args?: string[]; message: RegExp }[] = [
    {
      name: 'a dependency cycle, naming the ids on it',
      workflow: { name: 'cycle', tasks: [{ id: 'a', agentName: 'worker', dependencies: ['c'] }, { id: 'b', agentName: 'worker', dependencies: ['a'] }, { id: 'c', agentName: 'worker', dependencies: ['b'] }, { id: 'ok', agentName: 'worker' }] },
      message: /GRAPH_CYCLE.*dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/s,
    },
    {
      name: 'an unknown dependency',
      workflow: { name: 'unknown-dep', tasks: [{ id: 'design-api', agentName: 'worker' }, { id: 'build', agentName: 'worker', dependencies: ['desgin-api'] }] },
      message: /tasks\[1\]\.dependencies\[0\]: task "build" depends on unknown task "desgin-api"/,
    },
    {
      name: 'a duplicate id',
      workflow: { name: 'dup', tasks: [{ id: 'same', agentName: 'worker' }, { id: 'same', agentName: 'worker' }] },
      message: /tasks\[1\]\.id: duplicate task id "same"/,
    },
    {
      name: 'an unknown agent',
      workflow: { name: 'agent', tasks: [{ id: 'x', agentName: 'no-such-agent' }] },
      message: /task "x" uses unknown agent "no-such-agent"/,
    },
    {
      name: 'a priority out of range',
      workflow: { name: 'priority', tasks: [{ id: 'x', agentName: 'worker', priority: 11 }] },
      message: /tasks\[0\]\.priority/,
    },
    {
      name: 'a misspelled task field',
      workflow: { name: 'typo', tasks: [{ id: 'x', agentName: 'worker', dependecies: [] }] },
      message: /tasks\[0\].*dependecies/,
    },
    { name: 'an unknown template', args: ['run', 'no-such-template'], message: /no-such-template/ },
    { name: 'a missing required parameter', args: ['run', 'feature'], message: /feature/ },
    { name: 'a bad --concurrency', args: ['run', 'feature', '--param', 'feature=x', '--concurrency', '0'], message: /--concurrency/ },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name}`, async () => {
      const args = testCase.args ?? ['run', writeWorkflow(f.folder, testCase.workflow, `${testCase.name.replace(/\W+/g, '-')}.json`)];
      const result = await runCli([...args, '--db', f.db, '--agents-dir', f.agentsDir], { cwd: f.folder, env: { WORKER_LOG: f.log } });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(testCase.message);
      expect(readLog(f)).toEqual([]);
      const runs = await runCli(['runs', '--json', '--db', f.db], { cwd: f.folder });
      expect(JSON.parse(runs.stdout)).toEqual({ runs: [] });
    });
  }
});

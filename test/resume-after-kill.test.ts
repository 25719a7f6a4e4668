import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, parseNdjson, parseWorkerLog, runCli, startCli, writeWorkerAgent } from './helpers/cli.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('resume after kill -9', () => {
  it('finishes every task exactly once and never re-runs a task that had finished', async () => {
    const folder = makeTempDir();
    const { agentsDir } = writeWorkerAgent(folder);
    const log = join(folder, 'worker.log');
    const db = join(folder, 'journal.db');
    // Two chains joined at the end, plus independent tasks: 12 tasks, 2 at a time, 250 ms each.
    const tasks = [
      ...Array.from({ length: 4 }, (_, index) => ({ id: `left-${index}`, agentName: 'worker', prompt: 'sleep=250', dependencies: index === 0 ? [] : [`left-${index - 1}`] })),
      ...Array.from({ length: 4 }, (_, index) => ({ id: `right-${index}`, agentName: 'worker', prompt: 'sleep=250', dependencies: index === 0 ? [] : [`right-${index - 1}`] })),
      ...Array.from({ length: 3 }, (_, index) => ({ id: `solo-${index}`, agentName: 'worker', prompt: 'sleep=250' })),
      { id: 'join', agentName: 'worker', prompt: 'sleep=50', dependencies: ['left-3', 'right-3', 'solo-0', 'solo-1', 'solo-2'] },
    ];
    const workflowPath = join(folder, 'crash.json');
    writeFileSync(workflowPath, JSON.stringify({ name: 'crash test', config: { maxParallelAgents: 2 }, tasks }));

    const child = startCli(['run', workflowPath, '--json', '--db', db, '--agents-dir', agentsDir], { cwd: folder, env: { WORKER_LOG: log } });
    let stdout = '';
    const killedAfter = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const completed = parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).filter((event) => event.type === 'task:complete').length;
        if (completed >= 4 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          resolve(completed);
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the run ended before it was killed (code ${code})`));
      });
    });
    await new Promise((resolve) => child.on('close', resolve));
    expect(killedAfter).toBeGreaterThanOrEqual(4);
    // Agents run in their own process groups and outlive the killed orchestrator: let them finish.
    await sleep(600);

    const runId = String(parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1))[0]!.runId);
    const listed = JSON.parse((await runCli(['runs', '--json', '--db', db], { cwd: folder })).stdout) as { runs: { runId: string; status: string }[] };
    expect(listed.runs.find((run) => run.runId === runId)?.status).toBe('interrupted');

    const before = JSON.parse((await runCli(['runs', 'show', runId, '--json', '--db', db], { cwd: folder })).stdout) as {
      tasks: { taskId: string; status: string }[];
    };
    const finishedBeforeCrash = before.tasks.filter((task) => task.status === 'succeeded').map((task) => task.taskId);
    expect(finishedBeforeCrash.length).toBeGreaterThanOrEqual(4);
    const startsBeforeResume = parseWorkerLog(readFileSync(log, 'utf8')).filter((entry) => entry.kind === 'start').length;

    const resumed = await runCli(['resume', runId, '--json', '--db', db, '--agents-dir', agentsDir], { cwd: folder, env: { WORKER_LOG: log } });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const resumeEvents = parseNdjson(resumed.stdout);
    expect(resumeEvents[0]).toMatchObject({ type: 'workflow:start', resumed: true, completedTaskCount: finishedBeforeCrash.length });
    expect(resumeEvents.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded', summary: { totalTasks: 12, successfulTasks: 12 } });

    // Finished tasks were not executed again.
    const entries = parseWorkerLog(readFileSync(log, 'utf8'));
    const resumedStarts = entries.filter((entry) => entry.kind === 'start').slice(startsBeforeResume).map((entry) => entry.task);
    for (const taskId of finishedBeforeCrash) expect(resumedStarts).not.toContain(taskId);
    expect(resumedStarts.length + finishedBeforeCrash.length).toBe(12);

    // Across both executions, the journal holds exactly one completion per task, with seq unbroken.
    const journal = await runCli(['runs', 'show', runId, '--json', '--db', db], { cwd: folder });
    const after = JSON.parse(journal.stdout) as { run: { status: string; lastSeq: number }; tasks: { taskId: string; status: string }[] };
    expect(after.run.status).toBe('succeeded');
    expect(after.tasks.every((task) => task.status === 'succeeded')).toBe(true);
    const { openRunStore } = await import('../src/store/index.js');
    const store = openRunStore(db);
    try {
      const events = store.readEvents(runId);
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
      const completions = new Map<string, number>();
      for (const event of events) if (event.type === 'task:complete') completions.set(event.taskId, (completions.get(event.taskId) ?? 0) + 1);
      expect(completions.size).toBe(12);
      expect([...completions.values()].every((count) => count === 1)).toBe(true);
    } finally {
      store.close();
    }
  }, 60_000);
});

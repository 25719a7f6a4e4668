import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOwnerAlive } from '../src/host/index.js';
import { openRunStore } from '../src/store/index.js';
import { makeTempDir, parseNdjson, runCli, startCli } from './helpers/cli.js';
import { findOverlaps, readExecutions, writeIntervalWorker } from './helpers/interval-worker.js';

// Two chains and two independent tasks, 3 at a time. Each task works long enough that an orphan
// left by the kill would still be working when the resume starts its re-run.
const TASKS = [
  { id: 'a1', agentName: 'worker', prompt: 'sleep=4000' },
  { id: 'a2', agentName: 'worker', prompt: 'sleep=4000', dependencies: ['a1'] },
  { id: 'b1', agentName: 'worker', prompt: 'sleep=4000' },
  { id: 'b2', agentName: 'worker', prompt: 'sleep=4000', dependencies: ['b1'] },
  { id: 'c1', agentName: 'worker', prompt: 'sleep=4000' },
  { id: 'd1', agentName: 'worker', prompt: 'sleep=300' },
];

/** Runs the workflow, kills the orchestrator with SIGKILL once `startsBeforeKill` tasks have started (plus `delayMs`), and returns the run. */
async function runAndKill(folder: string, agentsDir: string, db: string, log: string, startsBeforeKill: number, delayMs: number) {
  const workflowPath = join(folder, 'crash.json');
  writeFileSync(workflowPath, JSON.stringify({ name: 'crash test', config: { maxParallelAgents: 3 }, tasks: TASKS }));
  const child = startCli(['run', workflowPath, '--json', '--db', db, '--agents-dir', agentsDir], { cwd: folder, env: { WORKER_LOG: log } });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    let isKilling = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const started = parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).filter((event) => event.type === 'task:start').length;
      if (started >= startsBeforeKill && !isKilling) {
        isKilling = true;
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, delayMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the run ended before it was killed (code ${code})`));
    });
  });
  await new Promise((resolve) => child.on('close', resolve));
  return String(parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1))[0]!.runId);
}

describe('resume after kill -9', () => {
  it('never runs two executions of a task at once, finishes every task exactly once and never re-runs a finished one (3 random kill points)', async () => {
    const trials = [1, 2, 3].map(() => ({ startsBeforeKill: 1 + Math.floor(Math.random() * 5), delayMs: Math.floor(Math.random() * 400) }));
    for (const trial of trials) {
      const context = `kill after ${trial.startsBeforeKill} task starts + ${trial.delayMs} ms`;
      const folder = makeTempDir();
      const agentsDir = writeIntervalWorker(folder);
      const log = join(folder, 'worker.log');
      const db = join(folder, 'journal.db');
      const runId = await runAndKill(folder, agentsDir, db, log, trial.startsBeforeKill, trial.delayMs);

      // No waiting for the orphaned agents, and no slow CLI call first: the resume must deal with them itself.
      const crashed = openRunStore(db);
      let finishedBeforeCrash: string[];
      try {
        const run = crashed.getRun(runId)!;
        expect(run.status, context).toBe('running');
        expect(isOwnerAlive({ ...run.owner, ...(run.heartbeatAt === undefined ? {} : { heartbeatAt: run.heartbeatAt }) }), context).toBe(false);
        finishedBeforeCrash = crashed.listTasks(runId).filter((task) => task.status === 'succeeded').map((task) => task.taskId);
      } finally {
        crashed.close();
      }
      const executionsBeforeResume = readExecutions(log).length;

      const resumed = await runCli(['resume', runId, '--json', '--db', db], { cwd: folder, env: { WORKER_LOG: log } });
      expect(resumed.stderr, context).toBe('');
      expect(resumed.code, context).toBe(0);
      const resumeEvents = parseNdjson(resumed.stdout);
      expect(resumeEvents[0], context).toMatchObject({ type: 'workflow:start', resumed: true, completedTaskCount: finishedBeforeCrash.length });
      expect(resumeEvents.at(-1), context).toMatchObject({ type: 'workflow:complete', status: 'succeeded', summary: { totalTasks: TASKS.length, successfulTasks: TASKS.length } });

      const executions = readExecutions(log);
      expect(findOverlaps(executions), context).toEqual([]);
      // Finished tasks were not executed again.
      const rerun = executions.slice(executionsBeforeResume).map((execution) => execution.task);
      for (const taskId of finishedBeforeCrash) expect(rerun, context).not.toContain(taskId);

      // Across both executions, the journal holds exactly one completion per task, with seq unbroken.
      const store = openRunStore(db);
      try {
        const events = store.readEvents(runId);
        expect(events.map((event) => event.seq), context).toEqual(events.map((_, index) => index + 1));
        const completions = events.filter((event) => event.type === 'task:complete').map((event) => ('taskId' in event ? event.taskId : ''));
        expect([...completions].sort(), context).toEqual(TASKS.map((task) => task.id).sort());
        expect(store.getRun(runId)?.status, context).toBe('succeeded');
      } finally {
        store.close();
      }
    }
  }, 240_000);
});

import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConfigSchema, taskSpecSchema } from '../src/core/index.js';
import { openRunStore } from '../src/store/index.js';
import { makeTempDir, parseNdjson, runCli, type CliResult } from './helpers/cli.js';
import { findOverlaps, readExecutions, writeIntervalWorker } from './helpers/interval-worker.js';

/** An interrupted run of `taskIds` on the `worker` agent that nothing has run yet: what a crash right after the start leaves. */
function writeInterruptedRun(db: string, folder: string, agentsDir: string, taskIds: readonly string[]): string {
  const runId = 'run-race';
  const store = openRunStore(db);
  try {
    store.createRun({
      runId,
      workflowName: 'race',
      spec: {
        tasks: taskIds.map((id) => taskSpecSchema.parse({ id, agentName: 'worker', prompt: 'sleep=600' })),
        config: runConfigSchema.parse({ maxParallelAgents: 2 }),
        parameters: {},
        settings: { workspaceDir: folder, agentDirs: [agentsDir] },
      },
      // A process that is gone: the run is free to be claimed.
      owner: { pid: 2 ** 22 + 17, host: 'crashed-host' },
      createdAt: Date.now() - 120_000,
    });
    store.markRunStatus(runId, 'interrupted');
  } finally {
    store.close();
  }
  return runId;
}

describe('two resumes at the same moment (issue 6: both ran a task in 2 of 6 trials)', () => {
  it('lets exactly one of them run, and the other exits 2 naming the owner, having run nothing (8 trials)', async () => {
    const taskIds = ['t1', 't2', 't3'];
    for (let trial = 1; trial <= 8; trial++) {
      const folder = realpathSync(makeTempDir());
      const agentsDir = writeIntervalWorker(folder);
      const log = join(folder, 'worker.log');
      const db = join(folder, 'journal.db');
      const runId = writeInterruptedRun(db, folder, agentsDir, taskIds);
      const resume = (): Promise<CliResult> => runCli(['resume', runId, '--json', '--db', db], { cwd: folder, env: { WORKER_LOG: log } });
      const results = await Promise.all([resume(), resume()]);

      const context = `trial ${trial}: ${results.map((result) => `exit ${result.code}: ${result.stderr.trim()}${result.stdout.slice(0, 200)}`).join(' | ')}`;
      const winners = results.filter((result) => result.code === 0);
      const losers = results.filter((result) => result.code !== 0);
      expect(winners, context).toHaveLength(1);
      expect(losers, context).toHaveLength(1);
      const loser = losers[0]!;
      expect(loser.code, context).toBe(2);
      // With --json the error is a JSON line on stdout; it names the owner (or says the run is done).
      expect(loser.stdout, context).toMatch(/"code":"RUN_NOT_RESUMABLE".*(is running in process \d+ on |already succeeded)/);
      expect(parseNdjson(loser.stdout).filter((event) => event.type !== undefined), context).toEqual([]);

      const executions = readExecutions(log);
      expect(executions.map((execution) => execution.task).sort(), context).toEqual(taskIds);
      expect(findOverlaps(executions), context).toEqual([]);
      const store = openRunStore(db);
      try {
        const events = store.readEvents(runId);
        expect(events.filter((event) => event.type === 'workflow:start'), context).toHaveLength(1);
        expect(events.map((event) => event.seq), context).toEqual(events.map((_, index) => index + 1));
        expect(store.getRun(runId)?.status, context).toBe('succeeded');
      } finally {
        store.close();
      }
    }
  }, 300_000);
});

describe("ensemble resume keeps the run's settings (issue 6)", () => {
  /** A run whose only task fails until the file `go` exists in the agent's working directory. */
  function writeGatedWorkflow(folder: string): { workflowPath: string; agentsDir: string } {
    const agentsDir = join(folder, 'agents');
    mkdirSync(agentsDir, { recursive: true });
    const script = "if (!require('fs').existsSync('go')) { process.stderr.write('no go'); process.exit(3) } process.stdout.write(process.cwd())";
    writeFileSync(join(agentsDir, 'gated.md'), `---\nname: gated\ndescription: waits for go\nruntime: command\ncommand: ${JSON.stringify([process.execPath, '-e', script])}\n---\n`);
    const workflowPath = join(folder, 'gated.json');
    writeFileSync(workflowPath, JSON.stringify({ name: 'gated', config: { maxParallelAgents: 1, retry: { max: 2, backoffMs: 0 } }, tasks: [{ id: 'gate', agentName: 'gated' }] }));
    return { workflowPath, agentsDir };
  }

  it("resumes in the run's workspace with its concurrency, from any directory, and reports the flags that override it", async () => {
    const workspace = realpathSync(makeTempDir());
    const elsewhere = realpathSync(makeTempDir());
    const db = join(elsewhere, 'journal.db');
    const { workflowPath } = writeGatedWorkflow(workspace);
    // The agent lives in the workspace's ./agents: found there again on resume.
    const first = await runCli(['run', workflowPath, '--json', '--db', db, '--permissions', 'read'], { cwd: workspace });
    expect(first.code).toBe(1);
    const runId = String(parseNdjson(first.stdout)[0]!.runId);
    writeFileSync(join(workspace, 'go'), '');

    const resumed = await runCli(['resume', runId, '--json', '--db', db, '--concurrency', '5', '--model', 'opus', '--permissions', 'full'], { cwd: elsewhere });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe(
      "resume: --concurrency 5 overrides the run's 1\nresume: --permissions full overrides the run's read\nresume: --model opus overrides the run's none\n",
    );
    const events = parseNdjson(resumed.stdout);
    expect(events[0]).toMatchObject({ type: 'workflow:start', resumed: true, maxParallelAgents: 5 });
    expect(events.find((event) => event.type === 'task:complete')).toMatchObject({ taskId: 'gate', output: workspace });
    // The first execution made 3 attempts (retry.max 2): they go on counting.
    expect(events.find((event) => event.type === 'task:start')).toMatchObject({ attempt: 4 });
  });

  it('keeps the retry policy of the run: a resume retries as the run said', async () => {
    const workspace = realpathSync(makeTempDir());
    const db = join(workspace, 'journal.db');
    const { workflowPath } = writeGatedWorkflow(workspace);
    const first = await runCli(['run', workflowPath, '--json', '--db', db], { cwd: workspace });
    const runId = String(parseNdjson(first.stdout)[0]!.runId);
    const resumed = await runCli(['resume', runId, '--json', '--db', db], { cwd: workspace });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toBe('');
    const events = parseNdjson(resumed.stdout);
    expect(events.filter((event) => event.type === 'task:retry')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ summary: { totalTasks: 1, failedTasks: 1 } });
  });
});

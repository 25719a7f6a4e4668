import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runConfigSchema, taskSpecSchema } from '../src/core/index.js';
import { readProcessStartTicks } from '../src/host/index.js';
import { openRunStore, type RunOwner } from '../src/store/index.js';
import { describe, expect, it } from 'vitest';
import { isProcessGone, makeTempDir, parseNdjson, parseWorkerLog, runCli, startCli, writeWorkerAgent } from './helpers/cli.js';

/** Starts a run whose first task sleeps for a minute, and resolves once that task's process has started. */
async function startLongRun() {
  const folder = makeTempDir();
  const { agentsDir } = writeWorkerAgent(folder);
  const log = join(folder, 'worker.log');
  const db = join(folder, 'journal.db');
  const workflowPath = join(folder, 'long.json');
  writeFileSync(
    workflowPath,
    JSON.stringify({
      name: 'long',
      tasks: [
        { id: 'sleeper', agentName: 'worker', prompt: 'sleep=60000' },
        { id: 'after', agentName: 'worker', dependencies: ['sleeper'] },
      ],
    }),
  );
  const child = startCli(['run', workflowPath, '--json', '--db', db, '--agents-dir', agentsDir], { cwd: folder, env: { WORKER_LOG: log } });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  for (let waited = 0; waited < 20_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      if (parseWorkerLog(readFileSync(log, 'utf8')).some((entry) => entry.kind === 'start')) break;
    } catch {
      // The log appears when the worker starts.
    }
  }
  const runId = String(parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1))[0]!.runId);
  const workerPid = parseWorkerLog(readFileSync(log, 'utf8')).find((entry) => entry.kind === 'start')!.values[1]!;
  return { folder, db, child, exited, runId, workerPid, output: () => stdout };
}

describe('cancelling a run', () => {
  it('`ensemble cancel` from another process stops the run promptly and kills its agents', async () => {
    const run = await startLongRun();
    const startedAt = Date.now();
    const cancel = await runCli(['cancel', run.runId, '--db', run.db], { cwd: run.folder });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain('cancelled');
    expect(await run.exited).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const events = parseNdjson(run.output());
    expect(events.at(-1)).toMatchObject({ type: 'workflow:error', status: 'cancelled', error: { code: 'RUN_CANCELLED' } });
    // Both end cancelled (issue 6): the running one was aborted, the other never launched.
    const cancelled = events.filter((event) => event.type === 'task:cancelled');
    expect(cancelled.find((event) => event.taskId === 'sleeper')).toMatchObject({ reason: 'cancelled', attempt: 1 });
    expect(cancelled.find((event) => event.taskId === 'after')).toMatchObject({ reason: 'cancelled' });
    expect(isProcessGone(run.workerPid)).toBe(true);
    const shown = JSON.parse((await runCli(['runs', 'show', run.runId, '--json', '--db', run.db], { cwd: run.folder })).stdout) as { run: { status: string } };
    expect(shown.run.status).toBe('cancelled');
  });

  it('Ctrl-C (SIGINT) cancels cleanly, kills the agents and journals the run as cancelled', async () => {
    const run = await startLongRun();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(1);
    expect(parseNdjson(run.output()).at(-1)).toMatchObject({ type: 'workflow:error', status: 'cancelled' });
    expect(isProcessGone(run.workerPid)).toBe(true);
    const listed = JSON.parse((await runCli(['runs', '--json', '--db', run.db], { cwd: run.folder })).stdout) as { runs: { runId: string; status: string }[] };
    expect(listed.runs[0]).toMatchObject({ runId: run.runId, status: 'cancelled' });
  });

  it('cancels directly a run whose owner is on another host with a stale heartbeat (issue 6: such owners counted as alive forever)', async () => {
    const folder = makeTempDir();
    const db = join(folder, 'j.db');
    // A restarted container sharing the journal volume: the owner's host is gone, its last heartbeat a minute old.
    writeForeignRun(db, 'run-foreign', { pid: 4242, host: 'container-gone' }, Date.now() - 60_000);
    const listed = JSON.parse((await runCli(['runs', '--json', '--db', db], { cwd: folder })).stdout) as { runs: { runId: string; status: string }[] };
    expect(listed.runs[0]).toMatchObject({ runId: 'run-foreign', status: 'interrupted' });
    const cancel = await runCli(['cancel', 'run-foreign', '--db', db], { cwd: folder });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain('cancelled (it was interrupted; nothing was running)');
    const shown = JSON.parse((await runCli(['runs', 'show', 'run-foreign', '--json', '--db', db], { cwd: folder })).stdout) as { run: { status: string } };
    expect(shown.run.status).toBe('cancelled');
  });

  it('sees through a reused pid: a run whose owner pid now belongs to a process started later is interrupted', async () => {
    const folder = makeTempDir();
    const db = join(folder, 'j.db');
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const startTicks = readProcessStartTicks(stranger.pid!);
      // Recorded as started earlier than the process that has the pid now: the pid was reused.
      writeForeignRun(db, 'run-reused', { pid: stranger.pid!, host: hostname(), ...(startTicks === undefined ? {} : { startTicks: startTicks - 100 }) }, Date.now());
      const listed = JSON.parse((await runCli(['runs', '--json', '--db', db], { cwd: folder })).stdout) as { runs: { runId: string; status: string }[] };
      expect(listed.runs[0]).toMatchObject({ runId: 'run-reused', status: process.platform === 'linux' ? 'interrupted' : 'running' });
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('refuses to cancel an unknown run with exit 2', async () => {
    const folder = makeTempDir();
    const result = await runCli(['cancel', 'run-nope', '--db', join(folder, 'j.db')], { cwd: folder });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no run "run-nope"');
  });
});

/** A `running` run recorded by some other process, with its last heartbeat at `heartbeatAt`. */
function writeForeignRun(db: string, runId: string, owner: RunOwner, heartbeatAt: number): void {
  const store = openRunStore(db);
  try {
    store.createRun({
      runId,
      workflowName: 'foreign',
      spec: { tasks: [taskSpecSchema.parse({ id: 'x', agentName: 'worker' })], config: runConfigSchema.parse({}), parameters: {} },
      owner,
      createdAt: heartbeatAt,
    });
  } finally {
    store.close();
  }
}

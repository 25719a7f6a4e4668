import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConfigSchema, taskSpecSchema, type RunStatus } from '../src/core/index.js';
import { currentOwner } from '../src/host/index.js';
import { openRunStore } from '../src/store/index.js';
import { makeTempDir, runCli } from './helpers/cli.js';

const DAY_MS = 86_400_000;
const MB = 1_048_576;

/** A run created `ageDays` ago, left in `status`, whose one task produced `outputBytes` of output. */
function addRun(db: string, runId: string, ageDays: number, status: RunStatus, outputBytes = 100): void {
  const store = openRunStore(db);
  try {
    const createdAt = Date.now() - ageDays * DAY_MS;
    // A running run is owned by the test process itself, alive, with a fresh heartbeat.
    const claim = store.createRun({
      runId,
      workflowName: 'w',
      spec: { tasks: [taskSpecSchema.parse({ id: 't', agentName: 'a' })], config: runConfigSchema.parse({}), parameters: {} },
      owner: status === 'running' ? { pid: process.ppid, host: currentOwner().host } : { pid: 1, host: 'h' },
      createdAt,
    });
    store.journalFor(runId).append([
      { type: 'workflow:start', runId, seq: 1, at: createdAt, workflowName: 'w', taskCount: 1, maxParallelAgents: 1, resumed: false, completedTaskCount: 0 },
      { type: 'task:added', runId, seq: 2, at: createdAt, taskId: 't', agentName: 'a', description: '', dependencies: [], priority: 5 },
      { type: 'task:complete', runId, seq: 3, at: createdAt, taskId: 't', agentName: 'a', duration: 1, tokensUsed: 0, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, costUsd: 0, attempt: 1, output: 'x'.repeat(outputBytes) },
    ]);
    if (status === 'running') store.renewHeartbeat(claim);
    else store.markRunStatus(runId, status);
  } finally {
    store.close();
  }
}

async function listRunIds(folder: string, db: string): Promise<string[]> {
  const listed = JSON.parse((await runCli(['runs', '--json', '--db', db], { cwd: folder })).stdout) as { runs: { runId: string }[] };
  return listed.runs.map((run) => run.runId).sort();
}

describe('ensemble runs rm / runs prune (issue 6: store each output once, and give space back)', () => {
  it('removes runs with their events and outputs, gives the space back, and refuses a run that is running', async () => {
    const folder = makeTempDir();
    const db = join(folder, 'journal.db');
    addRun(db, 'run-big', 1, 'succeeded', 4 * MB);
    addRun(db, 'run-small', 1, 'failed');
    addRun(db, 'run-live', 1, 'running');
    const sizeBefore = statSync(db).size;

    const refused = await runCli(['runs', 'rm', 'run-live', '--db', db], { cwd: folder });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('run "run-live" is running in process');
    const unknown = await runCli(['runs', 'rm', 'run-big', 'run-nope', '--db', db], { cwd: folder });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run "run-nope"');
    expect(await listRunIds(folder, db)).toEqual(['run-big', 'run-live', 'run-small']);
    // A running run among several removes none of them, like an unknown one.
    const mixed = await runCli(['runs', 'rm', 'run-small', 'run-live', '--db', db], { cwd: folder });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('run "run-live" is running in process');
    expect(await listRunIds(folder, db)).toEqual(['run-big', 'run-live', 'run-small']);

    const removed = await runCli(['runs', 'rm', 'run-big', 'run-small', '--json', '--db', db], { cwd: folder });
    expect(removed.code).toBe(0);
    const report = JSON.parse(removed.stdout) as { removed: { runId: string }[]; space: { vacuum: string; freedBytes: number } };
    expect(report.removed.map((run) => run.runId)).toEqual(['run-big', 'run-small']);
    expect(report.space.vacuum).toBe('incremental');
    expect(report.space.freedBytes).toBeGreaterThan(3 * MB);
    expect(await listRunIds(folder, db)).toEqual(['run-live']);
    expect(sizeBefore).toBeGreaterThan(4 * MB);
    expect(statSync(db).size).toBeLessThan(MB);
  });

  it('prunes by age, status and count, with a dry run first, never a running run', async () => {
    const folder = makeTempDir();
    const db = join(folder, 'journal.db');
    addRun(db, 'run-30d', 30, 'succeeded');
    addRun(db, 'run-20d', 20, 'failed');
    addRun(db, 'run-10d-live', 10, 'running');
    addRun(db, 'run-1d', 1, 'cancelled');

    const dryRun = await runCli(['runs', 'prune', '--older-than', '7d', '--dry-run', '--db', db], { cwd: folder });
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/would remove run-20d \(failed, .*\)\nwould remove run-30d \(succeeded, .*\)\n/);
    expect(await listRunIds(folder, db)).toHaveLength(4);

    const byStatus = await runCli(['runs', 'prune', '--status', 'failed', '--json', '--db', db], { cwd: folder });
    expect((JSON.parse(byStatus.stdout) as { removed: { runId: string }[] }).removed.map((run) => run.runId)).toEqual(['run-20d']);
    const keep = await runCli(['runs', 'prune', '--keep', '1', '--json', '--db', db], { cwd: folder });
    expect((JSON.parse(keep.stdout) as { removed: { runId: string }[] }).removed.map((run) => run.runId)).toEqual(['run-30d']);
    expect(await listRunIds(folder, db)).toEqual(['run-10d-live', 'run-1d']);

    const nothing = await runCli(['runs', 'prune', '--db', db], { cwd: folder });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('--older-than, --keep or --status');
    const badAge = await runCli(['runs', 'prune', '--older-than', '7 days', '--db', db], { cwd: folder });
    expect(badAge.code).toBe(2);
    expect(badAge.stderr).toContain('--older-than: expected an age such as 30m, 12h, 7d or 2w, got "7 days"');
  });

  it('keeps a journal small end to end: two large outputs of a real run take about one copy each', async () => {
    const folder = makeTempDir();
    const db = join(folder, 'journal.db');
    const script = 'process.stdout.write("z".repeat(3 * 1048576))';
    const agentsDir = join(folder, 'agents');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(agentsDir);
    writeFileSync(join(agentsDir, 'big.md'), `---\nname: big\ndescription: prints 3 MB\nruntime: command\ncommand: ${JSON.stringify([process.execPath, '-e', script])}\n---\n`);
    const workflowPath = join(folder, 'big.json');
    writeFileSync(workflowPath, JSON.stringify({ name: 'big', tasks: [{ id: 'one', agentName: 'big' }, { id: 'two', agentName: 'big' }] }));
    const run = await runCli(['run', workflowPath, '--json', '--db', db], { cwd: folder });
    expect(run.code).toBe(0);
    // Three copies of each (event, task row, results) would be 18 MB.
    expect(statSync(db).size).toBeLessThan(6 * MB * 1.2);
  });

  it("removes the run's bugfix patches and leftover workspace copies from the data folder, and only that run's (issue 8)", async () => {
    const folder = makeTempDir();
    const db = join(folder, 'journal.db');
    addRun(db, 'run-old', 1, 'succeeded');
    addRun(db, 'run-kept', 1, 'succeeded');
    for (const runId of ['run-old', 'run-kept']) {
      mkdirSync(join(folder, 'patches', runId), { recursive: true });
      writeFileSync(join(folder, 'patches', runId, 'fix-1.patch'), 'diff');
      mkdirSync(join(folder, 'worktrees', runId, 'fix-1'), { recursive: true });
    }
    const removed = await runCli(['runs', 'rm', 'run-old', '--db', db], { cwd: folder });
    expect(removed.code).toBe(0);
    expect(existsSync(join(folder, 'patches', 'run-old'))).toBe(false);
    expect(existsSync(join(folder, 'worktrees', 'run-old'))).toBe(false);
    expect(existsSync(join(folder, 'patches', 'run-kept', 'fix-1.patch'))).toBe(true);
    const pruned = await runCli(['runs', 'prune', '--keep', '0', '--db', db], { cwd: folder });
    expect(pruned.code).toBe(0);
    expect(existsSync(join(folder, 'patches', 'run-kept'))).toBe(false);
  });
});

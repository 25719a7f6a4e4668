import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessGone, makeTempDir, parseNdjson, runCli, startCli } from './helpers/cli.js';

/**
 * A run of two `sh` agents whose shell writes its own pid and then waits on `sleep 30`.
 * With `ignoreTerm`, the shell and its sleep ignore SIGTERM (as a stubborn agent would).
 */
function sleeperRun(options: { ignoreTerm?: boolean; extraArgs?: readonly string[] } = {}) {
  const folder = makeTempDir('ensemble-signals-');
  const agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir);
  const script = `${options.ignoreTerm === true ? "trap '' TERM; " : ''}echo $$ >> pids; sleep 30 & echo $! >> pids; wait`;
  writeFileSync(
    join(agentsDir, 'sleeper.md'),
    `---\nname: sleeper\ndescription: Sleeps for 30 s\nruntime: command\ncommand: ${JSON.stringify(['sh', '-c', script])}\n---\nSleeps.\n`,
  );
  const workflowPath = join(folder, 'sleepers.json');
  writeFileSync(workflowPath, JSON.stringify({ name: 'sleepers', tasks: [{ id: 'a', agentName: 'sleeper' }, { id: 'b', agentName: 'sleeper' }] }));
  const db = join(folder, 'journal.db');
  const child = startCli(['run', workflowPath, '--json', '--db', db, '--agents-dir', agentsDir, ...(options.extraArgs ?? [])], { cwd: folder });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exitedAt = 0;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      exitedAt = Date.now();
      resolve({ code, signal });
    }),
  );
  const events = () => parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1));
  const readPids = (): number[] => {
    try {
      return readFileSync(join(folder, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  /** Resolves once both agents run (their pids are written), bounded. */
  const bothStarted = async (): Promise<void> => {
    for (let waited = 0; waited < 30_000; waited += 50) {
      if (readPids().length === 4 && events().filter((event) => event.type === 'agent:process').length === 2) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the agents did not start\n${stdout}`);
  };
  return { folder, db, child, exited, events, readPids, bothStarted, exitedAt: () => exitedAt, stderr: () => stderr };
}

describe('Ctrl-C and the end of the CLI (issue 6)', () => {
  it('exits as soon as the agents are gone after Ctrl-C, not after a grace timer (it took ≥ 2 s)', async () => {
    const run = sleeperRun();
    await run.bothStarted();
    const interruptedAt = Date.now();
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(1);
    const events = run.events();
    expect(events.at(-1)).toMatchObject({ type: 'workflow:error', status: 'cancelled' });
    expect(events.filter((event) => event.type === 'task:cancelled').map((event) => event.taskId).sort()).toEqual(['a', 'b']);
    for (const pid of run.readPids()) expect(isProcessGone(pid)).toBe(true);
    // Generous: the old CLI waited for a 2 s SIGKILL timer that nothing needed any more.
    expect(run.exitedAt() - interruptedAt).toBeLessThan(1500);

    // `runs show` and `runs` render the cancelled tasks and the summary's count of them.
    const runId = String(events[0]!.runId);
    const shown = await runCli(['runs', 'show', runId, '--db', run.db], { cwd: run.folder });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^status\s+cancelled$/m);
    expect(shown.stdout).toMatch(/0\/2 succeeded, 0 failed, 0 skipped, 2 cancelled/);
    expect(shown.stdout).toMatch(/^a\s+sleeper\s+cancelled\s+1\s/m);
    expect(shown.stdout).toMatch(/^b\s+sleeper\s+cancelled\s+1\s/m);
    const listed = await runCli(['runs', '--db', run.db], { cwd: run.folder });
    expect(listed.stdout).toMatch(new RegExp(`^${runId}\\s+cancelled\\s+sleepers\\s+0/2`, 'm'));
  });

  it('exits as soon as the agents are gone after --timeout and after `ensemble cancel`', async () => {
    const timed = sleeperRun({ extraArgs: ['--timeout', '1500'] });
    expect((await timed.exited).code).toBe(1);
    const timedEnd = timed.events().at(-1)!;
    expect(timedEnd).toMatchObject({ type: 'workflow:error', status: 'failed', error: { code: 'RUN_TIMEOUT' } });
    // From the journaled end of the run to the exit of the process.
    expect(timed.exitedAt() - Number(timedEnd.at)).toBeLessThan(1500);
    for (const pid of timed.readPids()) expect(isProcessGone(pid)).toBe(true);

    const cancelled = sleeperRun();
    await cancelled.bothStarted();
    const runId = String(cancelled.events()[0]!.runId);
    expect((await runCli(['cancel', runId, '--db', cancelled.db], { cwd: cancelled.folder })).code).toBe(0);
    expect((await cancelled.exited).code).toBe(1);
    const cancelledEnd = cancelled.events().at(-1)!;
    expect(cancelledEnd).toMatchObject({ type: 'workflow:error', status: 'cancelled' });
    expect(cancelled.exitedAt() - Number(cancelledEnd.at)).toBeLessThan(1500);
  });

  it('a second Ctrl-C kills agents that ignore SIGTERM and exits at once with 130, leaving no process behind', async () => {
    const run = sleeperRun({ ignoreTerm: true });
    await run.bothStarted();
    run.child.kill('SIGINT');
    // The first Ctrl-C is taken (the CLI says so) before the second one comes.
    for (let waited = 0; waited < 10_000 && !run.stderr().includes('SIGINT received'); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(run.stderr()).toContain('cancelling the run (again to exit now)');
    // The agents ignore SIGTERM, so the run is still waiting for them.
    for (const pid of run.readPids()) expect(isProcessGone(pid)).toBe(false);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    const pids = run.readPids();
    expect(pids).toHaveLength(4);
    // SIGKILL is delivered before the CLI exits; allow the kernel a moment to finish it.
    for (let waited = 0; waited < 3000 && !pids.every(isProcessGone); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const pid of pids) expect(isProcessGone(pid)).toBe(true);
  });
});

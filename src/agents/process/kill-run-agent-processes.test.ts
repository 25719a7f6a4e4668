import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { killRunAgentProcesses } from './kill-run-agent-processes.js';
import { isProcessRunning, readProcStat } from './proc-stat.js';

const children: ChildProcess[] = [];

/** A detached agent-like process of `runId` that starts a child in a session of its own and without the run's environment, then prints both pids. */
function spawnAgent(runId: string): Promise<{ leader: number; grandchild: number }> {
  const program =
    "const { spawn } = require('node:child_process');" +
    "const child = spawn('sleep', ['30'], { stdio: 'ignore', detached: true, env: { PATH: process.env.PATH } });" +
    "console.log(JSON.stringify({ leader: process.pid, grandchild: child.pid })); setInterval(() => {}, 1000);";
  const child = spawn(process.execPath, ['-e', program], { detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ENSEMBLE_RUN_ID: runId } });
  children.push(child);
  return new Promise((resolve) => child.stdout!.once('data', (data: Buffer) => resolve(JSON.parse(data.toString()) as { leader: number; grandchild: number })));
}

afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

describe.skipIf(readProcStat(process.pid) === undefined)('killing the agents of a run found by their environment', () => {
  it('kills every process of the run, and what they started with another environment, and leaves other runs alone', async () => {
    const ours = await spawnAgent('run-orphaned');
    const theirs = await spawnAgent('run-other');
    const startTicks = (pid: number): number | undefined => readProcStat(pid)?.startTicks;
    const recorded = [ours.leader, ours.grandchild, theirs.leader].map((pid) => ({ pid, startTicks: startTicks(pid) }));

    expect(await killRunAgentProcesses('run-orphaned')).toBe(2);

    const [leader, grandchild, other] = recorded.map(({ pid, startTicks: ticks }) => isProcessRunning(pid, ticks));
    expect({ leader, grandchild, other }).toEqual({ leader: false, grandchild: false, other: true });
  });

  it('finds nothing to kill for a run without live agents', async () => {
    expect(await killRunAgentProcesses('run-without-agents')).toBe(0);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessGroupAlive, terminateProcessGroup } from './process-group.js';
import { readProcessStartTicks } from './process-start-ticks.js';

const groups: number[] = [];

afterEach(() => {
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** A shell leading its own process group, with a background child: what a crashed run leaves behind. */
function startGroup(script: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  groups.push(child.pid!);
  return child;
}

async function waitForChildren(pgid: number): Promise<void> {
  // Let the shell start its background child before it is signalled.
  for (let tries = 0; tries < 40 && !isProcessGroupAlive(pgid); tries++) await new Promise((resolve) => setTimeout(resolve, 25));
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe.runIf(process.platform === 'linux')('terminating a leftover process group (issue 6: no orphan overlap)', () => {
  it('kills the whole recorded group, children included, and resolves once it is gone', async () => {
    const leader = startGroup('sleep 30 & sleep 30');
    await waitForChildren(leader.pid!);
    const startTicks = readProcessStartTicks(leader.pid!);
    expect(await terminateProcessGroup({ pid: leader.pid!, pgid: leader.pid!, ...(startTicks === undefined ? {} : { startTicks }) }, { graceMs: 1_000 })).toBe('killed');
    expect(isProcessGroupAlive(leader.pid!)).toBe(false);
  });

  it('escalates to SIGKILL for a group that ignores SIGTERM', async () => {
    const leader = startGroup("trap '' TERM; sleep 30 & wait; sleep 30");
    await waitForChildren(leader.pid!);
    expect(await terminateProcessGroup({ pid: leader.pid!, pgid: leader.pid! }, { graceMs: 100 })).toBe('killed');
    expect(isProcessGroupAlive(leader.pid!)).toBe(false);
  });

  it('leaves alone a group whose leader started at another time than recorded (a reused pgid)', async () => {
    const leader = startGroup('sleep 30');
    await waitForChildren(leader.pid!);
    const startTicks = readProcessStartTicks(leader.pid!)!;
    expect(await terminateProcessGroup({ pid: leader.pid!, pgid: leader.pid!, startTicks: startTicks - 3 }, { graceMs: 100 })).toBe('not-ours');
    expect(isProcessGroupAlive(leader.pid!)).toBe(true);
  });

  it('reports a group that is already gone', async () => {
    const leader = startGroup('exit 0');
    await new Promise((resolve) => leader.on('exit', resolve));
    expect(await terminateProcessGroup({ pid: leader.pid!, pgid: leader.pid! })).toBe('gone');
  });
});

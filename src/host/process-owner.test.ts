import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { currentOwner, holdClaim, isOwnerAlive, isProcessAlive, releaseHeldClaim } from './process-owner.js';
import { readProcessStartTicks } from './process-start-ticks.js';

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function startSleeper(): ChildProcess {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const isLinux = process.platform === 'linux';

describe('run owners (issue 6: owners on another host or with a reused pid counted as alive forever)', () => {
  it('records this process with its start time on Linux', () => {
    const owner = currentOwner();
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    if (isLinux) expect(owner.startTicks).toBe(readProcessStartTicks(process.pid));
  });

  it('counts an owner on another host alive while its heartbeat is fresh, and gone once it is stale', () => {
    const now = 1_000_000;
    const remote = { pid: 1, host: 'some-other-host', heartbeatAt: now - 10_000 };
    expect(isOwnerAlive(remote, now)).toBe(true);
    expect(isOwnerAlive({ ...remote, heartbeatAt: now - 31_000 }, now)).toBe(false);
    expect(isOwnerAlive({ ...remote, staleAfterMs: 5_000 }, now)).toBe(false);
  });

  it('counts an owner on this host gone when its pid is dead, whatever its heartbeat', async () => {
    expect(isOwnerAlive({ pid: await deadPid(), host: hostname(), heartbeatAt: Date.now() })).toBe(false);
  });

  it.runIf(isLinux)('counts an owner on this host gone when its pid now belongs to a process that started at another time (a reused pid)', () => {
    const child = startSleeper();
    const startTicks = readProcessStartTicks(child.pid!)!;
    expect(isOwnerAlive({ pid: child.pid!, host: hostname(), startTicks, heartbeatAt: Date.now() })).toBe(true);
    expect(isOwnerAlive({ pid: child.pid!, host: hostname(), startTicks: startTicks - 1, heartbeatAt: Date.now() })).toBe(false);
    expect(isProcessAlive(child.pid!, startTicks + 7)).toBe(false);
  });

  it('counts this very process alive only for a claim it holds', () => {
    const me = { ...currentOwner(), heartbeatAt: Date.now(), token: 'claim-1' };
    expect(isOwnerAlive(me)).toBe(false);
    holdClaim('claim-1');
    try {
      expect(isOwnerAlive(me)).toBe(true);
      expect(isOwnerAlive({ ...me, token: 'claim-2' })).toBe(false);
    } finally {
      releaseHeldClaim('claim-1');
    }
    expect(isOwnerAlive(me)).toBe(false);
  });
});

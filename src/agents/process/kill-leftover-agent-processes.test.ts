import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { canCreateAgentCgroups, isProcessGone, waitFor } from '../../../test/helpers/process-agents.js';
import { AgentProcessTree } from './agent-process-tree.js';
import { killLeftoverAgentProcesses } from './kill-leftover-agent-processes.js';
import { hasProcFileSystem, readProcStat } from './proc-stat.js';

// What a resume does with an agent a crashed orchestrator left running: its `agent:process` record
// (host, pgid, start time, cgroup) finds every process of it, and nothing else.

const hasProc = hasProcFileSystem();
const spawned: number[] = [];

afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
});

/**
 * An agent as ensemble spawns it (own session) which, after 200 ms, starts a grandchild in a session
 * of its own; `onSpawn` sees the agent's pid at once. Resolves with both pids.
 */
async function startLeftover(onSpawn: (pid: number) => void = () => {}): Promise<{ leader: number; escapee: number }> {
  const source = `
    const { spawn } = require('node:child_process');
    setTimeout(() => console.log(spawn('sleep', ['30'], { detached: true, stdio: 'ignore' }).pid), 200);
    setTimeout(() => {}, 30000);
  `;
  const child = spawn(process.execPath, ['-e', source], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  onSpawn(child.pid!);
  const escapee = Number(await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
  spawned.push(child.pid!, escapee);
  return { leader: child.pid!, escapee };
}

describe('killing a leftover agent', () => {
  it.skipIf(!hasProc)('kills the group, the session and the descendants that left them, once', async () => {
    const { leader, escapee } = await startLeftover();
    const record = { pid: leader, pgid: leader, host: hostname(), startTicks: readProcStat(leader)!.startTicks };
    expect(killLeftoverAgentProcesses(record)).toBe('killed');
    await waitFor(() => (isProcessGone(leader) && isProcessGone(escapee) ? true : undefined));
    expect(killLeftoverAgentProcesses(record)).toBe('gone');
  });

  it.skipIf(!hasProc)('leaves alone a process whose pid matches but that started before the record (a reused id)', async () => {
    const { leader } = await startLeftover();
    const record = { pid: leader, pgid: leader, host: hostname(), startTicks: readProcStat(leader)!.startTicks + 1 };
    expect(killLeftoverAgentProcesses(record)).toBe('gone');
    expect(isProcessGone(leader)).toBe(false);
  });

  it('does not reach for another host', () => {
    expect(killLeftoverAgentProcesses({ pid: process.pid, pgid: process.pid, host: `not-${hostname()}`, startTicks: 1 })).toBe('other-host');
  });

  it.skipIf(!canCreateAgentCgroups())('kills everything in the agent\'s cgroup', async () => {
    let tree: AgentProcessTree | undefined;
    const { leader, escapee } = await startLeftover((pid) => (tree = new AgentProcessTree(pid, 'ENSEMBLE_PROCESS_TAG=leftover', 'auto')));
    const record = { pid: leader, pgid: leader, host: hostname(), cgroup: tree!.cgroupPath! };
    expect(killLeftoverAgentProcesses(record)).toBe('killed');
    await waitFor(() => (isProcessGone(leader) && isProcessGone(escapee) ? true : undefined));
    await waitFor(() => (tree!.isGone() ? true : undefined));
    expect(killLeftoverAgentProcesses(record)).toBe('gone');
    tree!.close();
  });
});

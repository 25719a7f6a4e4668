import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { canCreateAgentCgroups } from '../../../test/helpers/process-agents.js';
import { AgentProcessTree } from './agent-process-tree.js';
import type { ProcessTrackingPreference } from './agent-process-tree.js';
import { hasProcFileSystem, isProcessRunning, readProcessTable, readProcStat } from './proc-stat.js';

const hasProc = hasProcFileSystem();
const TAG = 'ENSEMBLE_PROCESS_TAG=tree-test';

/**
 * Leader programs: each starts descendants that leave its process group or session, prints their
 * pids as JSON on one line, and (unless `exit`) stays. All sleep at most 60 s, a bound if a kill fails.
 */
const LEADERS: Readonly<Record<string, string>> = {
  // A child in a new session (Node's detached is setsid), holding 64 MB.
  setsid: `
    const { spawn } = require('node:child_process');
    const hog = spawn(process.execPath, ['-e', 'const b = Buffer.alloc(64 * 1024 * 1024, 1); setInterval(() => b[0]++, 1000); setTimeout(() => {}, 60000)'], { detached: true, stdio: 'ignore' });
    setTimeout(() => console.log(JSON.stringify([hog.pid])), 400);
    setTimeout(() => {}, 60000);
  `,
  // GNU timeout moves itself into a new process group (same session).
  timeout: `
    const { spawn } = require('node:child_process');
    const timeout = spawn('timeout', ['100', 'sleep', '60'], { stdio: 'ignore' });
    setTimeout(() => console.log(JSON.stringify([timeout.pid])), 200);
    setTimeout(() => {}, 60000);
  `,
  // A child in a new session whose parent exits: an orphan only its environment (or its cgroup) ties to the agent.
  orphan: `
    const { spawn } = require('node:child_process');
    const orphan = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { detached: true, stdio: 'ignore' });
    orphan.unref();
    console.log(JSON.stringify([orphan.pid]));
    setTimeout(() => process.exit(0), 100);
  `,
};

const started: number[] = [];

afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
});

async function startLeader(name: string, preference: ProcessTrackingPreference): Promise<{ tree: AgentProcessTree; leader: number; descendants: number[] }> {
  const child = spawn(process.execPath, ['-e', LEADERS[name]!], { detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ENSEMBLE_PROCESS_TAG: 'tree-test' } });
  const tree = new AgentProcessTree(child.pid!, TAG, preference);
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
  const descendants = JSON.parse(line) as number[];
  started.push(child.pid!, ...descendants);
  return { tree, leader: child.pid!, descendants };
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const isAlive = (pid: number): boolean => {
  const stat = readProcStat(pid);
  return stat !== undefined && !stat.isZombie;
};

const canUseCgroups = canCreateAgentCgroups();

describe.each([
  { preference: 'proc' as const, tracking: 'proc', isAvailable: hasProc },
  { preference: 'auto' as const, tracking: 'cgroup', isAvailable: canUseCgroups },
])('agent process tree ($tracking)', ({ preference, tracking, isAvailable }) => {
  it.skipIf(!isAvailable)('counts a descendant in a new session, and kills it', async () => {
    const { tree, leader, descendants } = await startLeader('setsid', preference);
    try {
      expect(tree.tracking).toBe(tracking);
      tree.refresh(readProcessTable());
      const usage = tree.usage();
      expect(usage.processCount).toBe(2);
      expect(usage.rssBytes).toBeGreaterThan(64 * 1024 * 1024);
      tree.kill();
      await waitUntil(() => !isAlive(leader) && !isAlive(descendants[0]!));
      await waitUntil(() => tree.isGone());
    } finally {
      tree.close();
    }
  });

  it.skipIf(!isAvailable)('SIGTERM reaches a descendant that moved to its own process group (GNU timeout)', async () => {
    const { tree, leader, descendants } = await startLeader('timeout', preference);
    try {
      expect(tree.isGone()).toBe(false);
      tree.signal('SIGTERM');
      await waitUntil(() => !isAlive(leader) && !isAlive(descendants[0]!));
      await waitUntil(() => tree.isGone());
    } finally {
      tree.close();
    }
  });

  it.skipIf(!isAvailable)('finds an orphan that left the session after its parent exited', async () => {
    const { tree, leader, descendants } = await startLeader('orphan', preference);
    try {
      await waitUntil(() => !isAlive(leader));
      expect(isAlive(descendants[0]!)).toBe(true);
      expect(tree.isGone()).toBe(false);
      tree.kill();
      await waitUntil(() => !isAlive(descendants[0]!));
      expect(tree.isGone()).toBe(true);
    } finally {
      tree.close();
    }
  });
});

describe('agent process tree (cgroup)', () => {
  it.skipIf(!canUseCgroups)('creates a cgroup per agent and removes it when closed', async () => {
    const { tree, leader } = await startLeader('timeout', 'auto');
    const path = tree.cgroupPath!;
    expect(existsSync(path)).toBe(true);
    const stat = readProcStat(leader)!;
    expect(isProcessRunning(leader, stat.startTicks)).toBe(true);
    tree.kill();
    await waitUntil(() => tree.isGone());
    tree.close();
    expect(existsSync(path)).toBe(false);
  });
});

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AgentProcessTree } from './agent-process-tree.js';
import { findBreach, toLimitExceededError, watchProcessTree } from './process-limits.js';
import type { LimitBreach } from './process-limits.js';
import { hasProcFileSystem } from './proc-stat.js';

const hasProc = hasProcFileSystem();

/** Spawns `source` as a detached node program (its own session); resolves once it printed something. */
async function startGroup(source: string): Promise<{ pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', source], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
    pid: child.pid!,
    stop: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Gone already.
      }
    },
  };
}

describe('process limits', () => {
  it('finds the first limit crossed, memory before CPU', () => {
    const usage = { rssBytes: 300 * 1024 * 1024, cpuSeconds: 5, processCount: 2 };
    expect(findBreach({ memoryMb: 256, cpuSeconds: 1 }, usage)).toEqual({ limit: 'memory', value: 256, used: 300 });
    expect(findBreach({ memoryMb: 512, cpuSeconds: 1 }, usage)).toEqual({ limit: 'cpu', value: 1, used: 5 });
    expect(findBreach({ memoryMb: 512, cpuSeconds: 10 }, usage)).toBeUndefined();
    expect(findBreach({}, usage)).toBeUndefined();
  });

  it('samples at the shortest period still asked for: a fast watch that ended no longer sets the pace', async () => {
    const sampled = { fast: 0, slow: 0 };
    const fakeTree = (name: keyof typeof sampled) =>
      ({
        tracking: 'proc',
        needsProcessTable: false,
        refresh: () => void sampled[name]++,
        usage: () => ({ rssBytes: 0, cpuSeconds: 0, processCount: 1 }),
      }) as unknown as AgentProcessTree;
    const slow = watchProcessTree({ tree: fakeTree('slow'), memoryMb: 1e6, intervalMs: 250, onExceeded: () => {} });
    const fast = watchProcessTree({ tree: fakeTree('fast'), memoryMb: 1e6, intervalMs: 10, onExceeded: () => {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    fast.stop();
    const before = sampled.slow;
    await new Promise((resolve) => setTimeout(resolve, 600));
    slow.stop();
    expect(sampled.fast).toBeGreaterThan(1);
    // Every 250 ms over 600 ms: 2 or 3 samples, not one every 10 ms.
    expect(sampled.slow - before).toBeLessThanOrEqual(4);
  });

  it('names the limit, the cap and the use in the error', () => {
    const memory = toLimitExceededError('builder', { limit: 'memory', value: 256, used: 301.4 });
    expect(memory.code).toBe('AGENT_LIMIT_EXCEEDED');
    expect(memory.retryable).toBe(false);
    expect(memory.message).toBe('agent "builder" exceeded its memory limit of 256 MB (used 301 MB); its processes were killed');
    expect(memory.details).toEqual({ agentName: 'builder', limit: 'memory', value: 256, used: 301.4, unit: 'MB' });
    expect(toLimitExceededError('builder', { limit: 'cpu', value: 1, used: 1.234 }).message).toContain('CPU time limit of 1 s (used 1.2 s)');
    expect(toLimitExceededError('builder', { limit: 'wallTime', value: 500, used: 502.6 }).message).toContain('wall time limit of 500 ms (used 503 ms)');
    expect(toLimitExceededError('builder', { limit: 'output', value: 10, used: 4096 }).message).toContain('output limit of 10 bytes (used 4096 bytes)');
  });

  it.skipIf(!hasProc)('a watch reports the first breach once, then stops', async () => {
    const group = await startGroup(`process.stdout.write('ready'); const deadline = Date.now() + 20000; while (Date.now() < deadline) {}`);
    const tree = new AgentProcessTree(group.pid, 'ENSEMBLE_PROCESS_TAG=none', 'proc');
    try {
      const breaches: LimitBreach[] = [];
      const watch = watchProcessTree({ tree, cpuSeconds: 0.3, intervalMs: 30, onExceeded: (breach) => breaches.push(breach) });
      for (let waited = 0; breaches.length === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 200));
      watch.stop();
      expect(breaches).toHaveLength(1);
      expect(breaches[0]).toMatchObject({ limit: 'cpu', value: 0.3 });
      expect(breaches[0]!.used).toBeGreaterThan(0.3);
    } finally {
      group.stop();
      tree.close();
    }
  });
});

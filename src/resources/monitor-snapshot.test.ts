import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZERO_USAGE } from '../core/index.js';
import { openRunStore, type RunStore } from '../store/index.js';
import { openTempStore, type TempStore } from '../../test/helpers/temp-folder.js';
import { MONITOR_DEAD_PID as DEAD_PID, MonitorTestProcesses, monitorProcessStarted, seedMonitorRun as seedRun } from '../../test/helpers/monitor-journal.js';
import { readProcessTable } from '../agents/index.js';
import { collectMonitorSnapshot, MonitorCollector } from './monitor-snapshot.js';
import type { HostSampler } from './host-sampler.js';

const hasProc = readProcessTable().length > 0;
const HOST = hostname();

const fixedSampler: HostSampler = {
  sample: () => ({ cpuPercent: 42.5, loadAverage: 1.25, cpuCount: 2, memoryAvailableMb: 3000, memoryTotalMb: 8000 }),
};

const processStarted = (taskId: string, pid: number, startTicks: number) => monitorProcessStarted(taskId, { pid, startTicks });

describe('MonitorCollector over a real journal and real processes', () => {
  let temp: TempStore<RunStore>;
  const processes = new MonitorTestProcesses();
  beforeEach(() => {
    temp = openTempStore('ensemble-monitor-', openRunStore);
  });
  afterEach(() => {
    processes.killAll();
    temp.remove();
  });
  const startProcess = (kind: 'burn' | 'sleep') => processes.start(kind);

  it.skipIf(!hasProc)(
    'lists the agents running on this host across running runs, with pid, CPU, RSS, current tool, tokens and each run\'s limit; drops gone, foreign and finished ones',
    async () => {
      const { store } = temp;
      const now = Date.now();
      const owner = startProcess('sleep');
      const burner = startProcess('burn');

      // A live run here: a busy command agent, an llm agent in a tool call, a finished task and an agent whose process is gone.
      const live = seedRun(store, 'run-live', { owner: { pid: owner.pid, host: HOST, startTicks: owner.startTicks }, taskIds: ['burn', 'think', 'done', 'vanished'], maxParallelAgents: 4, at: now - 60_000 });
      live.append('task:start', { taskId: 'burn', agentName: 'worker', description: '', attempt: 1 }, now - 5_000);
      live.append('agent:process', processStarted('burn', burner.pid, burner.startTicks), now - 5_000);
      live.append('task:start', { taskId: 'think', agentName: 'worker', description: '', attempt: 1 }, now - 9_000);
      live.append('task:retry', { taskId: 'think', agentName: 'worker', attempt: 1, delayMs: 0, error: { code: 'AGENT_FAILED', message: 'no', retryable: true }, usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 }, costUsd: 0 }, now - 8_000);
      live.append('task:start', { taskId: 'think', agentName: 'worker', description: '', attempt: 2 }, now - 7_000);
      live.append('agent:tool', { taskId: 'think', agentName: 'worker', attempt: 2, callId: 'c1', tool: 'Read', state: 'start', input: 'src/a.ts' }, now - 6_000);
      live.append('agent:tool', { taskId: 'think', agentName: 'worker', attempt: 2, callId: 'c1', tool: 'Read', state: 'end', input: 'src/a.ts', ok: true }, now - 5_900);
      live.append('agent:tool', { taskId: 'think', agentName: 'worker', attempt: 2, callId: 'c2', tool: 'Grep', state: 'start', input: 'TODO' }, now - 1_000);
      live.append('task:start', { taskId: 'done', agentName: 'worker', description: '', attempt: 1 }, now - 9_000);
      live.append('task:complete', { taskId: 'done', agentName: 'worker', duration: 5, tokensUsed: 0, usage: ZERO_USAGE, costUsd: 0, attempt: 1, output: 'ok' }, now - 8_000);
      live.append('task:start', { taskId: 'vanished', agentName: 'worker', description: '', attempt: 1 }, now - 9_000);
      live.append('agent:process', processStarted('vanished', DEAD_PID, 1), now - 9_000);
      live.append(
        'resources:pressure',
        { cpuPercent: 97, loadAverage: 3, memoryAvailableMb: 1000, memoryTotalMb: 8000, limit: 2, previousLimit: 4, reason: 'cpu-above-target', running: 2, held: 1 },
        now - 3_000,
      );

      // A run executed on another host: its in-process agents are not here, and it never changed its limit.
      const foreign = seedRun(store, 'run-foreign', { owner: { pid: 1, host: 'another-host.invalid' }, taskIds: ['remote'], maxParallelAgents: 3, at: now - 50_000 });
      foreign.append('task:start', { taskId: 'remote', agentName: 'worker', description: '', attempt: 1 }, now - 4_000);

      // A crashed run here: its orphaned agent still burns CPU; its in-process task does not run anywhere.
      const orphan = startProcess('sleep');
      const crashed = seedRun(store, 'run-crashed', { owner: { pid: DEAD_PID, host: HOST }, taskIds: ['orphan', 'ghost'], maxParallelAgents: 2, at: now - 40_000 });
      crashed.append('task:start', { taskId: 'orphan', agentName: 'worker', description: '', attempt: 1 }, now - 4_000);
      crashed.append('agent:process', processStarted('orphan', orphan.pid, orphan.startTicks), now - 4_000);
      crashed.append('task:start', { taskId: 'ghost', agentName: 'worker', description: '', attempt: 1 }, now - 4_000);

      // A finished run whose journal still names a live process (no exited event): not read at all.
      const finished = seedRun(store, 'run-finished', { owner: { pid: owner.pid, host: HOST, startTicks: owner.startTicks }, taskIds: ['old'], maxParallelAgents: 1, at: now - 30_000 });
      finished.append('task:start', { taskId: 'old', agentName: 'worker', description: '', attempt: 1 });
      finished.append('agent:process', processStarted('old', burner.pid, burner.startTicks));
      store.markRunStatus('run-finished', 'succeeded');

      const snapshot = await collectMonitorSnapshot(store, { hostSampler: fixedSampler, sampleWindowMs: 600 });
      expect(snapshot.host).toEqual({ name: HOST, cpuPercent: 42.5, loadAverage: 1.25, cpuCount: 2, memoryAvailableMb: 3000, memoryTotalMb: 8000 });
      expect(snapshot.agents.map((agent) => `${agent.runId}/${agent.taskId}`).sort()).toEqual(['run-crashed/orphan', 'run-live/burn', 'run-live/think']);

      const burn = snapshot.agents.find((agent) => agent.taskId === 'burn')!;
      expect(burn).toMatchObject({ workflowName: 'workflow of run-live', agentName: 'worker', attempt: 1, pid: burner.pid, processCount: 1, currentTool: null, tokens: ZERO_USAGE });
      expect(burn.cpuPercent).toBeGreaterThan(10);
      expect(burn.cpuSeconds).toBeGreaterThan(0);
      expect(burn.rssBytes).toBeGreaterThan(1024 * 1024);
      expect(burn.startedAt).toBe(now - 5_000);
      expect(burn.elapsedMs).toBeGreaterThanOrEqual(5_000);

      const think = snapshot.agents.find((agent) => agent.taskId === 'think')!;
      expect(think).toMatchObject({
        attempt: 2,
        pid: null,
        processCount: 0,
        cpuPercent: null,
        cpuSeconds: null,
        rssBytes: null,
        startedAt: now - 7_000,
        currentTool: { tool: 'Grep', input: 'TODO', startedAt: now - 1_000 },
        tokens: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
      });
      expect(snapshot.agents.find((agent) => agent.taskId === 'orphan')).toMatchObject({ runId: 'run-crashed', pid: orphan.pid, startedAt: now - 4_000 });

      expect(snapshot.runs.map((run) => run.runId).sort()).toEqual(['run-crashed', 'run-foreign', 'run-live']);
      expect(snapshot.runs.find((run) => run.runId === 'run-live')).toEqual({
        runId: 'run-live',
        workflowName: 'workflow of run-live',
        maxParallelAgents: 4,
        processAgentLimit: 2,
        limitReason: 'cpu-above-target',
        limitChangedAt: now - 3_000,
        ownerHost: HOST,
        ownerAlive: true,
        agentCount: 2,
      });
      expect(snapshot.runs.find((run) => run.runId === 'run-foreign')).toMatchObject({ processAgentLimit: 3, limitReason: null, limitChangedAt: null, ownerAlive: true, agentCount: 0 });
      expect(snapshot.runs.find((run) => run.runId === 'run-crashed')).toMatchObject({ ownerAlive: false, agentCount: 1 });
    },
  );

  it.skipIf(!hasProc)('reads only the events journaled since its previous collect, and forgets a run once it finishes', () => {
    const { store } = temp;
    const now = Date.now();
    const owner = startProcess('sleep');
    const sleeper = startProcess('sleep');
    const run = seedRun(store, 'run-1', { owner: { pid: owner.pid, host: HOST, startTicks: owner.startTicks }, taskIds: ['a'], maxParallelAgents: 2, at: now });
    const reads: { runId: string; afterSeq: number | undefined }[] = [];
    // The real store, with its reads recorded.
    const watched = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'readEvents') {
          return (runId: string, options: { afterSeq?: number; limit?: number } = {}) => {
            reads.push({ runId, afterSeq: options.afterSeq });
            return target.readEvents(runId, options);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const collector = new MonitorCollector(watched, { hostSampler: fixedSampler });
    expect(collector.collect().agents).toEqual([]);
    expect(reads).toEqual([{ runId: 'run-1', afterSeq: 0 }]);

    run.append('task:start', { taskId: 'a', agentName: 'worker', description: '', attempt: 1 }, now + 10);
    run.append('agent:process', processStarted('a', sleeper.pid, sleeper.startTicks), now + 10);
    expect(collector.collect().agents.map((agent) => agent.pid)).toEqual([sleeper.pid]);
    // workflow:start and task:added were seq 1-2.
    expect(reads.slice(1)).toEqual([{ runId: 'run-1', afterSeq: 2 }]);

    // Nothing new: no read at all.
    collector.collect();
    expect(reads).toHaveLength(2);

    store.markRunStatus('run-1', 'succeeded');
    expect(collector.collect()).toMatchObject({ runs: [], agents: [] });
    expect(reads).toHaveLength(2);
  });

  it('catches up on a long journal across collects when its read budget is spent', () => {
    const { store } = temp;
    const now = Date.now();
    const run = seedRun(store, 'run-long', { owner: { pid: 1, host: 'another-host.invalid' }, taskIds: ['a'], maxParallelAgents: 2, at: now });
    for (let index = 0; index < 12_000; index++) run.append('task:output', { taskId: 'a', agentName: 'worker', attempt: 1, delta: `line ${index}\n` });
    run.append('resources:pressure', { cpuPercent: 90, loadAverage: 2, memoryAvailableMb: 100, memoryTotalMb: 200, limit: 1, previousLimit: 2, reason: 'cpu-above-target', running: 1, held: 0 });
    // A spent budget still reads one page per run, so every collect makes progress.
    const collector = new MonitorCollector(store, { hostSampler: fixedSampler, readBudgetMs: 0 });
    expect(collector.collect().runs[0]).toMatchObject({ processAgentLimit: 2, limitReason: null });
    collector.collect();
    expect(collector.collect().runs[0]).toMatchObject({ processAgentLimit: 1, limitReason: 'cpu-above-target' });
  });
});

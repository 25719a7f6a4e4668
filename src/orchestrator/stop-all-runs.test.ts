import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runConfigSchema, taskSpecSchema, type RunEvent } from '../core/index.js';
import { isProcessGroupAlive, readProcessStartTicks } from '../host/index.js';
import { openRunStore, type RunOwner, type RunStore } from '../store/index.js';
import { createTempFolder } from '../../test/helpers/temp-folder.js';
import { stopAllRuns } from './stop-all-runs.js';

let store: RunStore;
const children: ChildProcess[] = [];

beforeEach(() => {
  const temp = createTempFolder('ensemble-stop-all-');
  store = openRunStore(join(temp.folder, 'ensemble.db'));
  return () => {
    store.close();
    temp.remove();
  };
});

afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone (the test killed it).
    }
  }
});

/** A process group that lives for the test (a shell and a sleep), like an agent's. */
async function startSleeper(): Promise<{ pid: number; pgid: number; startTicks?: number }> {
  const child = spawn('sh', ['-c', 'sleep 60 & sleep 60'], { detached: true, stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const startTicks = readProcessStartTicks(child.pid!);
  return { pid: child.pid!, pgid: child.pid!, ...(startTicks === undefined ? {} : { startTicks }) };
}

/** A `running` run owned by `owner`, whose task's agent journaled `group` as started. */
function createRun(runId: string, owner: RunOwner, group: { pid: number; pgid: number; startTicks?: number }): void {
  const spec = { tasks: [taskSpecSchema.parse({ id: 'work', agentName: 'worker' })], config: runConfigSchema.parse({}), parameters: {} };
  const claim = store.createRun({ runId, workflowName: `wf ${runId}`, spec, owner, createdAt: Date.now(), staleAfterMs: 600_000 });
  let seq = 1;
  const envelope = () => ({ runId, seq: seq++, at: Date.now() });
  const events: RunEvent[] = [
    { type: 'workflow:start', ...envelope(), workflowName: 'wf', taskCount: 1, maxParallelAgents: 1, resumed: false, completedTaskCount: 0 },
    { type: 'task:added', ...envelope(), taskId: 'work', agentName: 'worker', description: '', dependencies: [], priority: 5 },
    { type: 'task:start', ...envelope(), taskId: 'work', agentName: 'worker', description: '', attempt: 1 },
    { type: 'agent:process', ...envelope(), taskId: 'work', agentName: 'worker', attempt: 1, state: 'started', host: hostname(), ...group },
  ];
  store.journalFor(runId, claim).append(events);
}

describe.runIf(process.platform === 'linux')('stopAllRuns', () => {
  it('marks a run nobody runs cancelled and kills its orphaned agents; asks a live owner, and kills its agents when it has not stopped in time', async () => {
    const crashedAgent = await startSleeper();
    createRun('run-crashed', { pid: spawnSync('true').pid!, host: hostname() }, crashedAgent);
    // An owner that is alive but never acts on the request (a hung process).
    const hungOwner = await startSleeper();
    const hungAgent = await startSleeper();
    createRun('run-hung', { pid: hungOwner.pid, host: hostname(), ...(hungOwner.startTicks === undefined ? {} : { startTicks: hungOwner.startTicks }) }, hungAgent);

    const report = await stopAllRuns({ store, waitMs: 300, graceMs: 200 });
    expect(report.problems).toEqual([]);
    expect([...report.runs].sort((a, b) => a.runId.localeCompare(b.runId))).toEqual([
      { runId: 'run-crashed', workflowName: 'wf run-crashed', outcome: 'cancelled', status: 'cancelled', stoppedBy: 'journal', owner: { pid: expect.any(Number), host: hostname() } },
      { runId: 'run-hung', workflowName: 'wf run-hung', outcome: 'cancel-requested', status: 'running', stoppedBy: 'owner', owner: { pid: hungOwner.pid, host: hostname() } },
    ]);
    expect([...report.killedGroups].sort((a, b) => a.runId.localeCompare(b.runId))).toEqual([
      { runId: 'run-crashed', taskId: 'work', pid: crashedAgent.pid, pgid: crashedAgent.pgid },
      { runId: 'run-hung', taskId: 'work', pid: hungAgent.pid, pgid: hungAgent.pgid },
    ]);
    expect(isProcessGroupAlive(crashedAgent.pgid)).toBe(false);
    expect(isProcessGroupAlive(hungAgent.pgid)).toBe(false);
    // Journaled as `ensemble cancel` does it: a direct mark for the crashed run, a request its owner polls for the live one.
    expect(store.getRun('run-crashed')?.status).toBe('cancelled');
    expect(store.getRun('run-hung')).toMatchObject({ status: 'running', cancelRequestedAt: expect.any(Number) });
    expect(isProcessGroupAlive(hungOwner.pgid)).toBe(true);

    // The hung owner dies: the next stop-all marks its run cancelled, and nothing else is left to kill.
    process.kill(-hungOwner.pgid, 'SIGKILL');
    const second = await stopAllRuns({ store, waitMs: 300, graceMs: 200 });
    expect(second.runs).toEqual([expect.objectContaining({ runId: 'run-hung', outcome: 'cancelled', stoppedBy: 'journal' })]);
    expect(second.killedGroups).toEqual([]);
    const third = await stopAllRuns({ store, waitMs: 300 });
    expect(third).toMatchObject({ runs: [], killedGroups: [], killedProcesses: [], problems: [] });
    expect(store.maintenance.list({ action: 'stop-all' }).map((action) => action.report['actionId'])).toEqual([third.actionId, second.actionId, report.actionId]);
  }, 60_000);
});

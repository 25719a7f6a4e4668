import { mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../core/index.js';
import { openRunStore } from '../store/index.js';
import { AgentOrchestrator } from './agent-orchestrator.js';
import type { SettingOverride } from './resolve-run-settings.js';

const tempFolder = (): string => realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-resume-')));

/** An in-process agent that fails while `failuresLeft()` is positive, and records how many of its calls overlap. */
function flakyAgent(name: string) {
  const state = { failuresLeft: 0, running: 0, maxRunning: 0 };
  return {
    state,
    agent: {
      name,
      run: async () => {
        state.running++;
        state.maxRunning = Math.max(state.maxRunning, state.running);
        await new Promise((resolve) => setTimeout(resolve, 15));
        state.running--;
        if (state.failuresLeft > 0) {
          state.failuresLeft--;
          throw new Error('not yet');
        }
        return `${name} done`;
      },
    },
  };
}

describe('resume keeps its run (issue 6)', () => {
  it("resumes with the run's own concurrency and retry policy, and keeps counting attempts and duration", async () => {
    const db = join(tempFolder(), 'journal.db');
    const gate = flakyAgent('gate');
    const worker = flakyAgent('worker');
    const tasks = [
      { id: 'gate', agentName: 'gate' },
      ...[1, 2, 3, 4].map((index) => ({ id: `w${index}`, agentName: 'worker', dependencies: ['gate'] })),
    ];
    // retry.max 3: four attempts per execution; concurrency 1.
    const first = new AgentOrchestrator({ store: db, agentDirs: [], maxParallelAgents: 1, retry: { max: 3, backoffMs: 0 } })
      .registerAgent(gate.agent)
      .registerAgent(worker.agent)
      .addTasks(tasks);
    gate.state.failuresLeft = 4;
    const failed = await first.execute();
    expect(failed.status).toBe('failed');
    expect(failed.results.find((result) => result.taskId === 'gate')?.attempts).toBe(4);

    // Three more failures: only the stored retry.max 3 gets past them (the default is no retry).
    gate.state.failuresLeft = 3;
    const second = new AgentOrchestrator({ store: db, agentDirs: [] }).registerAgent(gate.agent).registerAgent(worker.agent);
    const attempts: number[] = [];
    second.on('task:start', (event) => {
      if (event.taskId === 'gate') attempts.push(event.attempt);
    });
    const resumed = await second.resume(failed.runId);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.overrides).toEqual([]);
    // Attempt numbers (and so execution ids, `<runId>:<taskId>:<attempt>`) go on from the first execution.
    expect(attempts).toEqual([5, 6, 7, 8]);
    expect(resumed.results.find((result) => result.taskId === 'gate')?.attempts).toBe(8);
    expect(worker.state.maxRunning).toBe(1);
    expect(resumed.summary.totalDuration).toBeGreaterThanOrEqual(failed.summary.totalDuration);
    const startEvents = openRunStore(db);
    try {
      const starts = startEvents.readEvents(failed.runId).filter((event): event is Extract<RunEvent, { type: 'workflow:start' }> => event.type === 'workflow:start');
      expect(starts.map((event) => event.maxParallelAgents)).toEqual([1, 1]);
    } finally {
      startEvents.close();
    }
  });

  it('lets explicit options override the stored settings field by field, reports them old → new, and keeps them for the next resume', async () => {
    const db = join(tempFolder(), 'journal.db');
    const gate = flakyAgent('gate');
    gate.state.failuresLeft = 1;
    const first = new AgentOrchestrator({ store: db, agentDirs: [], maxParallelAgents: 1, budget: { run: { tokens: 1_000, costUsd: 2 } } })
      .registerAgent(gate.agent)
      .addTasks([{ id: 'gate', agentName: 'gate' }]);
    const failed = await first.execute();

    const reported: SettingOverride[][] = [];
    const second = new AgentOrchestrator({ store: db, agentDirs: [], maxParallelAgents: 50, contextStrategy: 'shared', model: 'opus', budget: { run: { tokens: 5_000 } } }).registerAgent(
      gate.agent,
    );
    const resumed = await second.resume(failed.runId, { onOverrides: (overrides) => reported.push([...overrides]) });
    const expected = [
      { field: 'maxParallelAgents', from: 1, to: 50 },
      { field: 'budget.run.tokens', from: 1_000, to: 5_000 },
      { field: 'model', from: undefined, to: 'opus' },
    ];
    // contextStrategy: 'shared' is what the run had: not an override.
    expect(reported).toEqual([expected]);
    expect(resumed.overrides).toEqual(expected);
    const store = openRunStore(db);
    try {
      const spec = store.getRun(failed.runId)!.spec;
      expect(spec.config).toMatchObject({ maxParallelAgents: 50, budget: { run: { tokens: 5_000, costUsd: 2 } } });
      expect(spec.settings).toMatchObject({ model: 'opus' });
    } finally {
      store.close();
    }
  });

  it("runs the remaining tasks in the run's workspace, with its agent folders and config, not the current directory", async () => {
    const workspace = tempFolder();
    const db = join(tempFolder(), 'journal.db');
    mkdirSync(join(workspace, 'agents'));
    // A project agent of the workspace that prints its working directory once the file `go` exists there.
    const script = "if (!require('fs').existsSync('go')) process.exit(3); process.stdout.write(process.cwd())";
    writeFileSync(join(workspace, 'agents', 'where.md'), `---\nname: where\ndescription: prints its cwd\nruntime: command\ncommand: ${JSON.stringify([process.execPath, '-e', script])}\n---\n`);
    const first = new AgentOrchestrator({ store: db, workspaceDir: workspace }).addTasks([{ id: 'where', agentName: 'where' }]);
    const failed = await first.execute();
    expect(failed.status).toBe('failed');
    expect(process.cwd()).not.toBe(workspace);

    writeFileSync(join(workspace, 'go'), '');
    const resumed = await new AgentOrchestrator({ store: db }).resume(failed.runId);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.results[0]?.output).toBe(workspace);
  });

  it('stores each large output once through a whole run (issue 6: two 50 MB outputs made a 315 MB journal)', async () => {
    const folder = tempFolder();
    const db = join(folder, 'journal.db');
    const megabytes = 3;
    const big = { name: 'big', run: (task: { id: string }) => task.id.repeat(megabytes * 1_048_576 / task.id.length) };
    const outcome = await new AgentOrchestrator({ store: db, agentDirs: [] })
      .registerAgent(big)
      .addTasks([
        { id: 'aa', agentName: 'big' },
        { id: 'bb', agentName: 'big' },
      ])
      .execute();
    expect(outcome.results.map((result) => result.output?.length)).toEqual([megabytes * 1_048_576, megabytes * 1_048_576]);
    const store = openRunStore(db);
    expect(store.readEvents(outcome.runId).filter((event) => event.type === 'task:complete').map((event) => (event.type === 'task:complete' ? event.output.length : 0))).toEqual([
      megabytes * 1_048_576,
      megabytes * 1_048_576,
    ]);
    store.close();
    expect(statSync(db).size).toBeLessThan(2 * megabytes * 1_048_576 * 1.2);
  });
});

describe('one claim, and its heartbeat (issue 6)', () => {
  it('renews the heartbeat while running, and stops when another process takes the run over', async () => {
    const db = join(tempFolder(), 'journal.db');
    const orchestrator = new AgentOrchestrator({ store: db, agentDirs: [], heartbeatIntervalMs: 20, staleAfterMs: 60_000 });
    orchestrator.registerAgent({
      name: 'waiter',
      run: (_task, context) => new Promise<string>((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason))),
    });
    orchestrator.addTasks([{ id: 'wait', agentName: 'waiter' }]);
    const outcome = orchestrator.execute();
    await orchestrator.waitForEvent('task:start');
    const other = openRunStore(db);
    try {
      const firstBeat = other.getRun(orchestrator.runId!)!.heartbeatAt!;
      for (let tries = 0; tries < 100 && other.getRun(orchestrator.runId!)!.heartbeatAt === firstBeat; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(other.getRun(orchestrator.runId!)!.heartbeatAt).toBeGreaterThan(firstBeat);
      // Another process judged this one gone and claimed the run: this one must stop and journal nothing more.
      other.claimRun(orchestrator.runId!, { pid: 1, host: 'elsewhere' }, { isOwnerAlive: () => false });
      await expect(outcome).rejects.toMatchObject({ code: 'JOURNAL_ERROR', message: expect.stringContaining('taken over') });
      expect(other.getRun(orchestrator.runId!)).toMatchObject({ status: 'running', owner: { pid: 1, host: 'elsewhere' } });
    } finally {
      other.close();
    }
  });

  it('refuses to resume a run that this process is running, naming it, before anything runs', async () => {
    const db = join(tempFolder(), 'journal.db');
    const running = new AgentOrchestrator({ store: db, agentDirs: [] });
    let release: () => void = () => {};
    running.registerAgent({ name: 'slow', run: () => new Promise<string>((resolve) => (release = () => resolve('ok'))) }).addTasks([{ id: 's', agentName: 'slow' }]);
    const outcome = running.execute();
    await running.waitForEvent('task:start');
    const intruder = new AgentOrchestrator({ store: db, agentDirs: [] }).registerAgent({ name: 'slow', run: () => 'should not run' });
    await expect(intruder.resume(running.runId!)).rejects.toMatchObject({
      code: 'RUN_NOT_RESUMABLE',
      message: expect.stringContaining(`is running in process ${process.pid} on ${hostname()}`),
    });
    release();
    expect((await outcome).status).toBe('succeeded');
  });
});

describe('leftover process groups of a crashed run (issue 6: no orphan overlap)', () => {
  /** A crashed run: its task's agent journaled a process group that never exited; `host` says where. */
  function crashedRun(db: string, group: { pid: number; pgid: number; host: string; startTicks?: number }): string {
    const store = openRunStore(db);
    const runId = 'run-crashed';
    try {
      const spec = { tasks: [{ id: 'edit', agentName: 'editor', description: '', prompt: '', dependencies: [], priority: 5 }], config: { maxParallelAgents: 1, contextStrategy: 'shared' as const, permissions: 'edit' as const, enableCommunication: true, pruningThreshold: 150_000, retry: { max: 0, backoffMs: 0, maxBackoffMs: 0 }, abortGraceMs: 100 }, parameters: {} };
      const claim = store.createRun({ runId, workflowName: 'crash', spec, owner: { pid: 999_999, host: 'gone' }, createdAt: Date.now() });
      let seq = 1;
      const envelope = () => ({ runId, seq: seq++, at: Date.now() });
      store.journalFor(runId, claim).append([
        { type: 'workflow:start', ...envelope(), workflowName: 'crash', taskCount: 1, maxParallelAgents: 1, resumed: false, completedTaskCount: 0 },
        { type: 'task:added', ...envelope(), taskId: 'edit', agentName: 'editor', description: '', dependencies: [], priority: 5 },
        { type: 'task:start', ...envelope(), taskId: 'edit', agentName: 'editor', description: '', attempt: 1 },
        { type: 'agent:process', ...envelope(), taskId: 'edit', agentName: 'editor', attempt: 1, state: 'started', ...group },
      ]);
      store.markRunStatus(runId, 'interrupted');
    } finally {
      store.close();
    }
    return runId;
  }

  it.runIf(process.platform === 'linux')('kills the group on this host before the task runs again', async () => {
    const { spawn } = await import('node:child_process');
    const { isProcessGroupAlive, readProcessStartTicks } = await import('../host/index.js');
    const db = join(tempFolder(), 'journal.db');
    const orphan = spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true, stdio: 'ignore' });
    orphan.unref();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const pgid = orphan.pid!;
    const startTicks = readProcessStartTicks(pgid);
    const runId = crashedRun(db, { pid: pgid, pgid, host: hostname(), ...(startTicks === undefined ? {} : { startTicks }) });
    let aliveWhenRerun: boolean | undefined;
    const resumed = await new AgentOrchestrator({ store: db, agentDirs: [], orphanGraceMs: 500 })
      .registerAgent({ name: 'editor', run: () => ((aliveWhenRerun = isProcessGroupAlive(pgid)), 'edited') })
      .resume(runId);
    expect(resumed.status).toBe('succeeded');
    expect(aliveWhenRerun).toBe(false);
  });

  it.runIf(process.platform === 'linux')('kills an agent of the run whose group never reached the journal (spawned just before the crash) before the task runs again', async () => {
    const { spawn, spawnSync } = await import('node:child_process');
    const { readProcessStartTicks } = await import('../host/index.js');
    const db = join(tempFolder(), 'journal.db');
    const gone = spawnSync('true').pid!;
    const runId = crashedRun(db, { pid: gone, pgid: gone, host: hostname() });
    // What the crashed execution started last: a process agent of this run that the journal never heard of.
    const unjournaled = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '', ENSEMBLE_RUN_ID: runId } });
    unjournaled.unref();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const pid = unjournaled.pid!;
    const startTicks = readProcessStartTicks(pid);
    // A killed child of this test process stays a zombie until the test's event loop reaps it: that is dead.
    const isZombie = (): boolean => {
      try {
        return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    const isAlive = (): boolean => startTicks !== undefined && readProcessStartTicks(pid) === startTicks && !isZombie();
    expect(isAlive()).toBe(true);
    let aliveWhenRerun: boolean | undefined;
    try {
      const resumed = await new AgentOrchestrator({ store: db, agentDirs: [] })
        .registerAgent({ name: 'editor', run: () => ((aliveWhenRerun = isAlive()), 'edited') })
        .resume(runId);
      expect(resumed.status).toBe('succeeded');
      expect(aliveWhenRerun).toBe(false);
    } finally {
      if (isAlive()) process.kill(pid, 'SIGKILL');
    }
  });

  it.runIf(process.platform === 'linux')('journals the leftover groups on this host as exited once they are gone, so no later resume (on any host) waits for them', async () => {
    const { spawnSync } = await import('node:child_process');
    const { foldRunEvents } = await import('../core/index.js');
    const db = join(tempFolder(), 'journal.db');
    const gone = spawnSync('true').pid!;
    const runId = crashedRun(db, { pid: gone, pgid: gone, host: hostname() });
    const resumed = await new AgentOrchestrator({ store: db, agentDirs: [] }).registerAgent({ name: 'editor', run: () => 'edited' }).resume(runId);
    expect(resumed.status).toBe('succeeded');
    const store = openRunStore(db);
    const state = foldRunEvents(store.readEvents(runId));
    store.close();
    expect(state.tasks.get('edit')?.processes).toEqual([]);
  });

  it('waits for a group on another host, then refuses with a clear error and leaves the run resumable; --ignore-remote-agents goes on', async () => {
    const db = join(tempFolder(), 'journal.db');
    const runId = crashedRun(db, { pid: 4321, pgid: 4321, host: 'other-host' });
    const ran: string[] = [];
    const editor = { name: 'editor', run: () => (ran.push('edit'), 'edited') };
    await expect(new AgentOrchestrator({ store: db, agentDirs: [], orphanWaitMs: 50 }).registerAgent(editor).resume(runId)).rejects.toMatchObject({
      code: 'RUN_NOT_RESUMABLE',
      message: expect.stringContaining('process group 4321 on host other-host'),
    });
    expect(ran).toEqual([]);
    const store = openRunStore(db);
    expect(store.getRun(runId)?.status).toBe('interrupted');
    store.close();
    const resumed = await new AgentOrchestrator({ store: db, agentDirs: [], ignoreRemoteAgents: true }).registerAgent(editor).resume(runId);
    expect(resumed.status).toBe('succeeded');
    expect(ran).toEqual(['edit']);
  });

  it('rejects with RUN_CANCELLED when the signal aborts while waiting for a group on another host, and leaves the run untouched', async () => {
    const db = join(tempFolder(), 'journal.db');
    const runId = crashedRun(db, { pid: 4321, pgid: 4321, host: 'other-host' });
    const ran: string[] = [];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const resuming = new AgentOrchestrator({ store: db, agentDirs: [], orphanWaitMs: 10_000 })
      .registerAgent({ name: 'editor', run: () => (ran.push('edit'), 'edited') })
      .resume(runId, { signal: controller.signal });
    await expect(resuming).rejects.toMatchObject({ code: 'RUN_CANCELLED' });
    expect(ran).toEqual([]);
    const store = openRunStore(db);
    expect(store.getRun(runId)?.status).toBe('interrupted');
    store.close();
  });
});

describe('library: start on a later tick, and abort signals (issue 6)', () => {
  it('lets waitForEvent called right after execute() see the first task start', async () => {
    const orchestrator = new AgentOrchestrator({ store: false, agentDirs: [] }).registerAgent({ name: 'ok', run: () => 'fine' }).addTasks([{ id: 'a', agentName: 'ok' }]);
    const outcome = orchestrator.execute();
    const [started, workflowStart] = await Promise.all([orchestrator.waitForEvent('task:start'), orchestrator.waitForEvent('workflow:start')]);
    expect(started.taskId).toBe('a');
    expect(workflowStart.seq).toBe(1);
    expect((await outcome).status).toBe('succeeded');
  });

  it('cancels the run cleanly when the signal given to execute() aborts, and journals it cancelled', async () => {
    const db = join(tempFolder(), 'journal.db');
    const controller = new AbortController();
    const orchestrator = new AgentOrchestrator({ store: db, agentDirs: [] })
      .registerAgent({ name: 'waiter', run: (_task, context) => new Promise<string>((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason))) })
      .addTasks([{ id: 'wait', agentName: 'waiter' }]);
    orchestrator.on('task:start', () => controller.abort());
    const outcome = await orchestrator.execute({ signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
    const store = openRunStore(db);
    expect(store.getRun(outcome.runId)?.status).toBe('cancelled');
    store.close();
  });

  it('cancels a resume whose signal aborts, and starts nothing with a signal already aborted', async () => {
    const db = join(tempFolder(), 'journal.db');
    const gate = flakyAgent('gate');
    gate.state.failuresLeft = 1;
    const failed = await new AgentOrchestrator({ store: db, agentDirs: [] }).registerAgent(gate.agent).addTasks([{ id: 'gate', agentName: 'gate' }]).execute();

    const aborted = AbortSignal.abort();
    await expect(new AgentOrchestrator({ store: db, agentDirs: [] }).registerAgent(gate.agent).resume(failed.runId, { signal: aborted })).rejects.toMatchObject({ code: 'RUN_CANCELLED' });
    const untouched = openRunStore(db);
    expect(untouched.getRun(failed.runId)?.status).toBe('failed');
    untouched.close();

    const controller = new AbortController();
    const waiter = { name: 'gate', run: (_task: unknown, context: { signal: AbortSignal }) => new Promise<string>((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason))) };
    const resuming = new AgentOrchestrator({ store: db, agentDirs: [] }).registerAgent(waiter);
    resuming.on('task:start', () => controller.abort());
    const resumed = await resuming.resume(failed.runId, { signal: controller.signal });
    expect(resumed.status).toBe('cancelled');
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../core/index.js';
import { openRunStore } from '../store/index.js';
import { AgentOrchestrator } from './agent-orchestrator.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'ensemble-orchestrator-')), 'journal.db');

describe('AgentOrchestrator (library API)', () => {
  it('runs in-process agents with dependency outputs and the AbortSignal in their context', async () => {
    const orchestrator = new AgentOrchestrator({ store: false, maxParallelAgents: 2, agentDirs: [] });
    const seen: string[] = [];
    orchestrator.registerAgent({
      name: 'echo',
      run: async (task, context) => {
        expect(context.signal).toBeInstanceOf(AbortSignal);
        seen.push(`${task.id}<-${context.inputs.map((input) => input.output).join('+')}`);
        return { output: task.prompt.toUpperCase(), usage: { inputTokens: 2, outputTokens: 3, totalTokens: 5 }, costUsd: 0.01 };
      },
    });
    orchestrator.addTasks([
      { id: 'a', agentName: 'echo', prompt: 'alpha' },
      { id: 'b', agentName: 'echo', prompt: 'beta', dependencies: ['a'] },
    ]);
    const events: RunEvent[] = [];
    orchestrator.on('*', (event) => events.push(event));
    const completions: string[] = [];
    orchestrator.on('task:complete', (event) => completions.push(`${event.taskId}:${event.tokensUsed}`));
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(seen).toEqual(['a<-', 'b<-ALPHA']);
    expect(completions).toEqual(['a:5', 'b:5']);
    expect(outcome.summary).toMatchObject({ totalTokens: 10, totalCost: 0.02 });
    expect(events[0]!.type).toBe('workflow:start');
  });

  it('reports a bad task field with its path when tasks are added', () => {
    const orchestrator = new AgentOrchestrator({ store: false });
    expect(() => orchestrator.addTasks([{ id: 'ok', agentName: 'x' }, { id: 'bad id!', agentName: 'x', priority: 0 }])).toThrow(
      /tasks\[1\]\.id: .*\ntasks\[1\]\.priority/,
    );
  });

  it('refuses tasks added to a running run that name an unknown agent or carry a budget of their own, adding nothing', async () => {
    const orchestrator = new AgentOrchestrator({ store: false, agentDirs: [] });
    orchestrator.registerAgent({ name: 'worker', run: () => 'done' });
    orchestrator.addTasks([{ id: 'first', agentName: 'worker' }]);
    const release = orchestrator.keepOpen();
    const errors: unknown[] = [];
    orchestrator.on('task:complete', () => {
      for (const task of [{ id: 'ghost', agentName: 'nobody-by-this-name' }, { id: 'capped', agentName: 'worker', budget: { tokens: 10 } }]) {
        try {
          orchestrator.addTasks([task]);
        } catch (error) {
          errors.push(error);
        }
      }
      release();
    });
    const outcome = await orchestrator.execute();
    expect(outcome.summary.totalTasks).toBe(1);
    expect(errors).toMatchObject([{ code: 'UNKNOWN_AGENT' }, { code: 'INVALID_INPUT', message: expect.stringContaining('capped') }]);
  });

  it('rejects an unknown agent before anything is journaled', async () => {
    const db = tempDb();
    const orchestrator = new AgentOrchestrator({ store: db, agentDirs: [] });
    orchestrator.addTasks([{ id: 'x', agentName: 'nobody-by-this-name' }]);
    await expect(orchestrator.execute()).rejects.toMatchObject({ code: 'UNKNOWN_AGENT' });
    const store = openRunStore(db);
    expect(store.listRuns()).toEqual([]);
    store.close();
  });

  it('journals the run and resumes it: failed tasks run again, finished ones keep their output', async () => {
    const db = tempDb();
    let attempts = 0;
    const agents = {
      steady: { name: 'steady', run: () => 'steady output' },
      fragile: {
        name: 'fragile',
        run: () => {
          attempts++;
          if (attempts === 1) throw new Error('first execution fails');
          return 'fixed';
        },
      },
    };
    const tasks = [
      { id: 'one', agentName: 'steady' },
      { id: 'two', agentName: 'fragile', dependencies: ['one'] },
      { id: 'three', agentName: 'steady', dependencies: ['two'] },
    ];
    const first = new AgentOrchestrator({ store: db, agentDirs: [] }).registerAgent(agents.steady).registerAgent(agents.fragile).addTasks(tasks);
    const failed = await first.execute();
    expect(failed.status).toBe('failed');
    expect(failed.results.map((result) => result.status)).toEqual(['succeeded', 'failed', 'skipped']);

    const second = new AgentOrchestrator({ store: db, agentDirs: [] }).registerAgent(agents.steady).registerAgent(agents.fragile);
    const dispatched: string[] = [];
    second.on('task:start', (event) => dispatched.push(event.taskId));
    const resumed = await second.resume(failed.runId);
    expect(resumed.status).toBe('succeeded');
    expect(dispatched).toEqual(['two', 'three']);
    expect(resumed.results.find((result) => result.taskId === 'one')?.output).toBe('steady output');

    const store = openRunStore(db);
    const run = store.getRun(failed.runId)!;
    expect(run.status).toBe('succeeded');
    const seqs = store.readEvents(failed.runId).map((event) => event.seq);
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
    store.close();
    await expect(new AgentOrchestrator({ store: db, agentDirs: [] }).resume(failed.runId)).rejects.toMatchObject({ code: 'RUN_NOT_RESUMABLE' });
  });

  it('cancels promptly from the API and from a cancel request in the journal', async () => {
    const db = tempDb();
    const blocking = {
      name: 'blocking',
      run: (_task: unknown, context: { signal: AbortSignal }) =>
        new Promise<string>((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason))),
    };
    const direct = new AgentOrchestrator({ store: false, agentDirs: [] }).registerAgent(blocking).addTasks([{ id: 'wait', agentName: 'blocking' }]);
    direct.on('task:start', () => direct.cancel('stop now'));
    const cancelled = await direct.execute();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toMatchObject({ code: 'RUN_CANCELLED', message: 'stop now' });

    const remote = new AgentOrchestrator({ store: db, agentDirs: [], cancelPollMs: 20 }).registerAgent(blocking).addTasks([{ id: 'wait', agentName: 'blocking' }]);
    remote.on('task:start', () => {
      const other = openRunStore(db);
      other.requestCancel(remote.runId!);
      other.close();
    });
    const outcome = await remote.execute();
    expect(outcome.status).toBe('cancelled');
  });

  it('keeps running when a listener throws, and reports it', async () => {
    const errors: unknown[] = [];
    const orchestrator = new AgentOrchestrator({ store: false, agentDirs: [], onListenerError: (error) => errors.push(error) });
    orchestrator.registerAgent({ name: 'ok', run: () => 'fine' }).addTasks([{ id: 'a', agentName: 'ok' }]);
    orchestrator.on('task:start', () => {
      throw new Error('listener bug');
    });
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(errors).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { SerializedError } from './errors.js';
import type { EventPayloads, RunEvent, RunEventType } from './events.js';
import { resumePriorFromEvents } from './resume-prior.js';
import { applyRunEvent, foldRunEvents, runElapsedMs } from './run-state.js';
import type { RunSummary } from './types.js';

/** Builds a run's events with consecutive seqs; `at` defaults to 1000 + seq. */
function eventWriter(firstSeq = 1): <T extends RunEventType>(type: T, payload: EventPayloads[T], at?: number) => RunEvent {
  let seq = firstSeq;
  return (type, payload, at) => {
    const event = { type, runId: 'run-1', seq, at: at ?? 1_000 + seq, ...payload } as unknown as RunEvent;
    seq++;
    return event;
  };
}

const spend = (totalTokens: number, costUsd = totalTokens / 100) => ({
  usage: { inputTokens: totalTokens, outputTokens: 0, totalTokens },
  costUsd,
});
const FAILURE: SerializedError = { code: 'PROVIDER_UNAVAILABLE', message: 'openai: 503', retryable: true };
const ref = (taskId: string) => ({ taskId, agentName: 'worker' });
const SUMMARY: RunSummary = {
  totalTasks: 2,
  successfulTasks: 1,
  failedTasks: 0,
  skippedTasks: 0,
  cancelledTasks: 1,
  totalTokens: 0,
  totalCost: 0,
  totalDuration: 0,
  toolCalls: 0, contextTokens: 0,
};

function firstExecution(): RunEvent[] {
  const event = eventWriter();
  return [
    event('workflow:start', { workflowName: 'demo', taskCount: 2, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }, 1_000),
    event('task:added', { ...ref('a'), description: 'do a', dependencies: [], priority: 5 }),
    event('task:added', { ...ref('b'), description: 'do b', dependencies: ['a'], priority: 7 }),
    event('task:start', { ...ref('a'), description: 'do a', attempt: 1 }, 1_010),
    event('agent:invoke', { ...ref('a'), model: 'simulated:sonnet', runtime: 'simulated', attempt: 1 }),
    event('provider:pause', { ...ref('a'), attempt: 1, provider: 'openai', reason: 'rate-limited', waitMs: 500, error: FAILURE }, 1_020),
    event('provider:circuit', { ...ref('a'), attempt: 1, provider: 'openai', state: 'open', failures: 5 }),
    event('task:retry', { ...ref('a'), attempt: 1, delayMs: 10, error: FAILURE, ...spend(100) }),
    event('task:start', { ...ref('a'), description: 'do a', attempt: 2 }, 1_100),
    event('task:output', { ...ref('a'), attempt: 2, delta: 'first line\nsecond' }),
    event('task:output', { ...ref('a'), attempt: 2, delta: ' half\n\n' }),
    event('agent:process', { ...ref('a'), attempt: 2, state: 'started', pid: 40, pgid: 40, host: 'box', startTicks: 99 }),
    event('agent:process', { ...ref('a'), attempt: 2, state: 'started', pid: 41, pgid: 41, host: 'box' }),
    event('agent:process', { ...ref('a'), attempt: 2, state: 'exited', pid: 40, pgid: 40, host: 'box' }),
    event('task:complete', { ...ref('a'), duration: 90, tokensUsed: 50, attempt: 2, output: 'answer', model: 'sim-2', ...spend(50) }, 1_190),
    event('task:start', { ...ref('b'), description: 'do b', attempt: 1 }, 1_200),
    event('task:cancelled', { ...ref('b'), reason: 'cancelled', attempt: 1, duration: 30, ...spend(7) }, 1_230),
    event('workflow:error', { status: 'cancelled', error: { code: 'RUN_CANCELLED', message: 'stop', retryable: false }, summary: SUMMARY }, 1_240),
  ];
}

describe('applyRunEvent', () => {
  it('derives every task field a view shows: status, attempts, times, spend of all attempts, streamed line, waits, process groups', () => {
    const events = firstExecution();
    const state = foldRunEvents(events.slice(0, 7));
    const waiting = state.tasks.get('a')!;
    expect(waiting).toMatchObject({ status: 'running', attempts: 1, startedAt: 1_010, runtime: 'simulated', model: 'simulated:sonnet' });
    expect(waiting.pause).toEqual({ provider: 'openai', reason: 'rate-limited', waitMs: 500, since: 1_020, until: 1_520, error: FAILURE });
    expect(waiting.circuit).toEqual({ provider: 'openai', state: 'open', failures: 5 });
    expect(state.tasks.get('b')!.dependencies).toEqual(['a']);
    expect(state.tasks.get('a')!.hasDependents).toBe(true);
    expect(state.usesSimulated).toBe(true);

    for (const event of events.slice(7, 14)) applyRunEvent(state, event);
    const streaming = state.tasks.get('a')!;
    expect(streaming).toMatchObject({ status: 'running', attempts: 2, error: FAILURE, usage: { totalTokens: 100 }, lastOutputLine: 'second half' });
    expect(streaming.pause).toBeUndefined();
    expect(streaming.processes).toEqual([{ attempt: 2, pid: 41, pgid: 41, host: 'box', startedAt: 1_013 }]);

    for (const event of events.slice(14)) applyRunEvent(state, event);
    const done = state.tasks.get('a')!;
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, durationMs: 90, finishedAt: 1_190, output: 'answer', model: 'sim-2', costUsd: 1.5 });
    expect(done.usage).toEqual({ inputTokens: 150, outputTokens: 0, totalTokens: 150 });
    expect(done.error).toBeUndefined();
    expect(done.circuit).toBeUndefined();
    expect(state.tasks.get('b')).toMatchObject({ status: 'cancelled', cancelReason: 'cancelled', attempts: 1, durationMs: 30, usage: { totalTokens: 7 } });
    expect(state).toMatchObject({ status: 'cancelled', summary: SUMMARY, error: { code: 'RUN_CANCELLED' }, finishedAt: 1_240, lastSeq: 18 });
    expect(state.counts).toMatchObject({ succeeded: 1, cancelled: 1, pending: 0, running: 0 });
    expect(state.totalTokens).toBe(157);
    expect(runElapsedMs(state)).toBe(240);
  });

  it('replaces each changed task by a new object and leaves the others as they were', () => {
    const events = firstExecution();
    const state = foldRunEvents(events.slice(0, 3));
    const before = state.tasks.get('b');
    const a = state.tasks.get('a');
    applyRunEvent(state, events[3]!);
    expect(state.tasks.get('a')).not.toBe(a);
    expect(state.tasks.get('b')).toBe(before);
  });

  it('is deterministic: the same events give the same state', () => {
    expect(foldRunEvents(firstExecution())).toEqual(foldRunEvents(firstExecution()));
  });

  it('on a resumed execution sets unfinished tasks pending again and adds up the wall time of every execution', () => {
    const event = eventWriter(19);
    const events = [
      ...firstExecution(),
      event('workflow:start', { workflowName: 'demo', taskCount: 2, maxParallelAgents: 2, resumed: true, completedTaskCount: 1 }, 9_000),
    ];
    const state = foldRunEvents(events);
    expect(state).toMatchObject({ status: 'running', executions: 2, isResumed: true, startedAt: 1_000, executionStartedAt: 9_000, priorElapsedMs: 240 });
    expect(state.summary).toBeUndefined();
    expect(state.tasks.get('b')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(state.tasks.get('a')!.status).toBe('succeeded');
    applyRunEvent(state, event('task:start', { ...ref('b'), description: 'do b', attempt: 2 }, 9_100));
    expect(runElapsedMs(state)).toBe(340);
  });

  it('adds a task it first sees in a later event (a journal cut short before its task:added)', () => {
    const event = eventWriter();
    const state = foldRunEvents([event('task:start', { ...ref('late'), description: '', attempt: 3 })]);
    expect(state.tasks.get('late')).toMatchObject({ status: 'running', attempts: 3, ordinal: 0 });
    expect(state.counts.running).toBe(1);
  });
});

describe('applyRunEvent: agent:tool (issue 7)', () => {
  const tool = (callId: string, name: string, state: 'start' | 'end', extra: Partial<EventPayloads['agent:tool']> = {}) =>
    ({ ...ref('a'), attempt: 1, callId, tool: name, state, input: `${name} input`, ...extra }) as EventPayloads['agent:tool'];

  function started(): { state: ReturnType<typeof foldRunEvents>; event: ReturnType<typeof eventWriter> } {
    const event = eventWriter();
    const state = foldRunEvents([
      event('workflow:start', { workflowName: 'demo', taskCount: 1, maxParallelAgents: 1, resumed: false, completedTaskCount: 0 }),
      event('task:added', { ...ref('a'), description: 'do a', dependencies: [], priority: 5 }),
      event('task:start', { ...ref('a'), description: 'do a', attempt: 1 }),
    ]);
    return { state, event };
  }

  it('shows the calls in progress, newest last, and counts each call that ends, per tool, with failures and the files written', () => {
    const { state, event } = started();
    applyRunEvent(state, event('agent:tool', tool('c1', 'Read', 'start', { input: 'src/app.ts' }), 2_000));
    expect(state.tasks.get('a')!.activeToolCalls).toEqual([{ callId: 'c1', tool: 'Read', input: 'src/app.ts', startedAt: 2_000 }]);
    applyRunEvent(state, event('agent:tool', tool('c2', 'Grep', 'start')));
    expect(state.tasks.get('a')!.activeToolCalls.map((call) => call.callId)).toEqual(['c1', 'c2']);
    applyRunEvent(state, event('agent:tool', tool('c1', 'Read', 'end', { ok: true, resultChars: 120, durationMs: 3 })));
    applyRunEvent(state, event('agent:tool', tool('c2', 'Grep', 'end', { ok: true })));
    for (const [callId, ok, files] of [['c3', true, ['src/app.ts']], ['c4', false, []], ['c5', true, ['src/app.ts', 'src/new.ts']]] as const) {
      applyRunEvent(state, event('agent:tool', tool(callId, 'Edit', 'start')));
      applyRunEvent(state, event('agent:tool', tool(callId, 'Edit', 'end', { ok, files, ...(ok ? {} : { error: 'old_string not found' }) })));
    }
    const task = state.tasks.get('a')!;
    expect(task.activeToolCalls).toEqual([]);
    expect(task).toMatchObject({ toolCalls: 5, failedToolCalls: 1, filesWritten: ['src/app.ts', 'src/new.ts'] });
    expect(task.toolUsage).toEqual([
      { tool: 'Read', calls: 1, failedCalls: 0 },
      { tool: 'Grep', calls: 1, failedCalls: 0 },
      { tool: 'Edit', calls: 3, failedCalls: 1 },
    ]);
    expect(state.toolCalls).toBe(5);
  });

  it('clears the call in progress when the attempt ends, and ignores a start from an attempt that is no longer running', () => {
    const { state, event } = started();
    applyRunEvent(state, event('agent:tool', tool('c1', 'Bash', 'start', { input: 'npm test' })));
    applyRunEvent(state, event('task:retry', { ...ref('a'), attempt: 1, delayMs: 10, error: FAILURE, ...spend(1) }));
    expect(state.tasks.get('a')!.activeToolCalls).toEqual([]);
    applyRunEvent(state, event('agent:tool', tool('c2', 'Read', 'start')));
    expect(state.tasks.get('a')!.activeToolCalls).toEqual([]);
    applyRunEvent(state, event('task:start', { ...ref('a'), description: 'do a', attempt: 2 }));
    applyRunEvent(state, event('agent:tool', { ...tool('c3', 'Read', 'start'), attempt: 2 }));
    expect(state.tasks.get('a')!.activeToolCalls.map((call) => call.callId)).toEqual(['c3']);
    applyRunEvent(state, event('task:complete', { ...ref('a'), duration: 5, tokensUsed: 0, attempt: 2, output: 'ok', ...spend(0) }));
    expect(state.tasks.get('a')!.activeToolCalls).toEqual([]);
    // A late end of the first attempt's call still happened: it is counted.
    applyRunEvent(state, event('agent:tool', tool('c1', 'Bash', 'end', { ok: false, error: 'timed out' })));
    expect(state.tasks.get('a')).toMatchObject({ toolCalls: 1, failedToolCalls: 1, status: 'succeeded' });
  });

  it('reads a run journaled before tools existed as having made no tool calls', () => {
    const state = foldRunEvents(firstExecution());
    expect(state.toolCalls).toBe(0);
    expect(state.tasks.get('a')).toMatchObject({ toolCalls: 0, failedToolCalls: 0, toolUsage: [], filesWritten: [], activeToolCalls: [] });
  });
});

describe('resumePriorFromEvents', () => {
  it('hands the scheduler the succeeded tasks, the attempts made, the spend of unfinished tasks, the elapsed time and the next seq', () => {
    const prior = resumePriorFromEvents(firstExecution());
    expect(prior.completed).toEqual(
      new Map([['a', { output: 'answer', usage: { inputTokens: 150, outputTokens: 0, totalTokens: 150 }, costUsd: 1.5, durationMs: 90 }]]),
    );
    expect(prior.attempts).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    expect(prior.spend).toEqual(new Map([['b', spend(7)]]));
    expect(prior).toMatchObject({ nextSeq: 19, elapsedMs: 240 });
  });
});

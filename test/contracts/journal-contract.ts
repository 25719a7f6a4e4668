import { afterEach, describe, expect, it } from 'vitest';
import type { EventPayloads, Journal, RunEvent, RunEventType } from '../../src/core/index.js';
import { createHarness, retryable, task } from '../helpers/scheduler-harness.js';

/** One journal under test, of run `runId`, with a way to read back what it made durable. */
export interface JournalFixture {
  readonly runId: string;
  readonly journal: Journal;
  /** The run's journaled events in seq order, as a reader (a resume, an SSE replay) would get them. */
  read(): readonly RunEvent[];
  close?(): void;
}

/**
 * The contract of the `Journal` port, run against every implementation (memory, SQLite, and later
 * Redis): what is appended is read back whole and in order, seq only increases, a batch is written
 * whole or not at all, and events of another run are refused.
 */
export function describeJournalContract(name: string, createFixture: (runId: string) => JournalFixture): void {
  describe(`Journal contract: ${name}`, () => {
    const opened: JournalFixture[] = [];
    const open = (runId = 'run-contract'): JournalFixture => {
      const fixture = createFixture(runId);
      opened.push(fixture);
      return fixture;
    };
    afterEach(() => {
      for (const fixture of opened.splice(0)) fixture.close?.();
    });

    it('reads back every event of a real run, whole and in order, across the batches it was appended in', async () => {
      const fixture = open();
      const harness = createHarness([task('a'), task('b', ['a'], { retry: { max: 1, backoffMs: 5 } }), task('c', ['a']), task('d', ['b', 'c'])], {
        runId: fixture.runId,
        journal: fixture.journal,
        behaviours: { a: { streams: ['par', 'tial'] }, b: { failures: [retryable('flaky')], reportedTokens: [12] } },
      });
      await harness.run();
      expect(fixture.read()).toEqual(harness.events);
    });

    it('keeps every field of every kind of event, including those added after the first release', () => {
      const fixture = open();
      const events = sampleEvents(fixture.runId);
      fixture.journal.append(events.slice(0, 3));
      fixture.journal.append(events.slice(3));
      expect(fixture.read()).toEqual(events);
    });

    it('treats an empty batch as nothing to do', () => {
      const fixture = open();
      fixture.journal.append([]);
      expect(fixture.read()).toEqual([]);
      const events = sampleEvents(fixture.runId).slice(0, 2);
      fixture.journal.append(events);
      fixture.journal.append([]);
      expect(fixture.read()).toEqual(events);
    });

    it('refuses a batch whose seq does not increase, writes nothing of it, and goes on appending after it', () => {
      const fixture = open();
      const events = sampleEvents(fixture.runId);
      fixture.journal.append(events.slice(0, 3));
      const repeated = { ...events[3]!, seq: 3 } as RunEvent;
      expect(() => fixture.journal.append([repeated])).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR' }));
      const backwards = [events[3]!, { ...events[4]!, seq: 2 } as RunEvent];
      expect(() => fixture.journal.append(backwards)).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR' }));
      expect(fixture.read()).toEqual(events.slice(0, 3));
      // A gap is allowed; a seq below the last is not, even one never used (read order would then differ from append order).
      const afterGap = { ...events[3]!, seq: 6 } as RunEvent;
      fixture.journal.append([afterGap]);
      expect(() => fixture.journal.append([{ ...events[4]!, seq: 5 } as RunEvent])).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR' }));
      expect(fixture.read()).toEqual([...events.slice(0, 3), afterGap]);
    });

    it('refuses an event of another run, writing nothing of its batch', () => {
      const fixture = open();
      const events = sampleEvents(fixture.runId);
      fixture.journal.append(events.slice(0, 2));
      const stranger = { ...events[2]!, runId: `${fixture.runId}-other` } as RunEvent;
      expect(() => fixture.journal.append([events[2]!, stranger])).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR' }));
      expect(fixture.read()).toEqual(events.slice(0, 2));
    });

    it('keeps what was appended even if the caller changes its objects afterwards', () => {
      const fixture = open();
      const events = sampleEvents(fixture.runId).slice(0, 2).map((event) => structuredClone(event));
      fixture.journal.append(events);
      (events[1] as { description?: string }).description = 'changed after append';
      expect(fixture.read()).toEqual(sampleEvents(fixture.runId).slice(0, 2));
    });
  });
}

/** One event of every kind a run journals, with consecutive seqs from 1. */
export function sampleEvents(runId: string): RunEvent[] {
  let seq = 1;
  const event = <T extends RunEventType>(type: T, payload: EventPayloads[T]): RunEvent =>
    ({ type, runId, seq: seq++, at: 1_700_000_000_000 + seq, ...payload }) as unknown as RunEvent;
  const ref = (taskId: string) => ({ taskId, agentName: 'worker' });
  const spend = { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 }, costUsd: 0.0125 };
  const failure = { code: 'PROVIDER_UNAVAILABLE', message: 'openai answered 503', retryable: true, retryAfterMs: 1000, details: { status: 503 } } as const;
  return [
    event('workflow:start', { workflowName: 'contract', workflowId: 'feature', taskCount: 3, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }),
    event('task:added', { ...ref('a'), description: 'first', dependencies: [], priority: 5 }),
    event('task:added', { ...ref('b'), description: 'second', dependencies: ['a'], priority: 9 }),
    event('task:added', { ...ref('c'), description: 'third', dependencies: ['b'], priority: 1 }),
    event('wave:start', { wave: 0, taskCount: 1 }),
    event('task:start', { ...ref('a'), description: 'first', attempt: 1 }),
    event('agent:invoke', { ...ref('a'), model: 'openai:gpt-4o-mini', runtime: 'llm', attempt: 1 }),
    event('provider:pause', { ...ref('a'), attempt: 1, provider: 'openai', reason: 'rate-limited', waitMs: 1000, error: failure }),
    event('provider:circuit', { ...ref('a'), attempt: 1, provider: 'openai', state: 'open', failures: 5 }),
    event('agent:process', { ...ref('a'), attempt: 1, state: 'started', pid: 4242, pgid: 4242, host: 'box', startTicks: 123456, cgroup: '/ensemble/a' }),
    event('task:output', { ...ref('a'), attempt: 1, delta: 'Hello, ' }),
    event('task:output', { ...ref('a'), attempt: 1, delta: 'again', restart: true }),
    event('agent:message', { ...ref('a'), from: 'worker', to: '*', messageType: 'broadcast', content: 'ünïcode ✓ and "quotes"' }),
    event('task:retry', { ...ref('a'), attempt: 1, delayMs: 250, error: failure, ...spend }),
    event('agent:process', { ...ref('a'), attempt: 1, state: 'exited', pid: 4242, pgid: 4242, host: 'box' }),
    event('task:complete', {
      ...ref('a'),
      duration: 812,
      tokensUsed: 7,
      attempt: 2,
      output: 'line one\nline two',
      model: 'gpt-4o-mini-2024-07-18',
      evidence: { exitCode: 0, command: ['npm', 'test'], stderr: '', diff: '--- a\n+++ b', runtime: 'llm', simulated: false },
      ...spend,
    }),
    event('wave:complete', { wave: 0, taskCount: 1 }),
    event('task:error', { ...ref('b'), duration: 90, attempt: 1, error: { code: 'AGENT_EXIT_NONZERO', message: 'exit 2', retryable: false }, ...spend }),
    event('task:skipped', { ...ref('c'), reason: 'dependency-failed', blockedBy: 'b' }),
    event('task:cancelled', { ...ref('c'), reason: 'run-timeout', attempt: 1, duration: 5, ...spend }),
    event('workflow:results', {
      results: [{ taskId: 'a', agentName: 'worker', status: 'succeeded', output: 'line one\nline two', attempts: 2, durationMs: 812, tokensUsed: 14, costUsd: 0.025 }],
    }),
    event('workflow:error', {
      status: 'failed',
      error: { code: 'RUN_TIMEOUT', message: 'run exceeded its global timeout of 5000 ms', retryable: false, details: { timeoutMs: 5000 } },
      summary: {
        totalTasks: 3,
        successfulTasks: 1,
        failedTasks: 1,
        skippedTasks: 0,
        cancelledTasks: 1,
        totalTokens: 21,
        totalCost: 0.0375,
        totalDuration: 5000,
        toolCalls: 3,
        contextTokens: 120,
        budgetStops: [{ taskId: 'b', cap: 'run', name: 'run' }],
      },
    }),
  ];
}

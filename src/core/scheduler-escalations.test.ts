import { describe, expect, it } from 'vitest';
import { createHarness, retryable, task } from '../../test/helpers/scheduler-harness.js';
import { EnsembleError } from './errors.js';
import type { RunEvent, RunEventOf } from './events.js';
import type { AdmissionCheck, TerminalPolicy } from './ports.js';
import { resumePriorFromEvents } from './resume-prior.js';
import { foldRunEvents } from './run-state.js';

const escalated = (reason: string, extra: Record<string, unknown> = {}): EnsembleError =>
  new EnsembleError('AGENT_ESCALATED', `agent escalated: ${reason}`, { details: { reason, triggerType: 'architecture', context: 'tried both', options: ['Postgres', 'SQLite'], ...extra } });
const ofType = <T extends RunEvent['type']>(events: readonly RunEvent[], type: T): RunEventOf<T>[] => events.filter((event) => event.type === type) as unknown as RunEventOf<T>[];

describe('RunScheduler: escalations (the waiting state)', () => {
  it('an escalating task waits without holding a slot, and an answer re-runs it with the guidance in its context', async () => {
    const harness = createHarness([task('design'), task('other'), task('after', ['design'])], {
      config: { maxParallelAgents: 1 },
      behaviours: { design: { failures: [escalated('Which database?')] }, other: { durationsMs: [50] } },
      onEvent: (event, scheduler) => {
        // The person answers once the other task has used the freed slot.
        if (event.type === 'task:complete' && event.taskId === 'other') {
          const [open] = scheduler.waitingEscalations();
          expect(scheduler.taskStatus('design')).toBe('waiting');
          expect(scheduler.answerEscalation(open!, 'Use SQLite', 'ana')).toBe(true);
          expect(scheduler.answerEscalation(open!, 'again')).toBe(false);
        }
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('succeeded');
    expect(harness.dispatched.map((request) => `${request.task.id}#${request.attempt}`)).toEqual(['design#1', 'other#1', 'design#2', 'after#1']);
    const [open] = ofType(harness.events, 'escalation:open');
    expect(open).toMatchObject({ taskId: 'design', attempt: 1, triggerType: 'architecture', reason: 'Which database?', options: ['Postgres', 'SQLite'], priority: 5 });
    expect(open!.escalationId).toMatch(/^E-[0-9a-z]+$/);
    expect(ofType(harness.events, 'escalation:answered')[0]).toMatchObject({ escalationId: open!.escalationId, guidance: 'Use SQLite', answeredBy: 'ana' });
    const guidance = harness.dispatched[2]!.context.filter((entry) => entry.relation === 'guidance');
    expect(guidance).toHaveLength(1);
    expect(guidance[0]!.text).toContain('A person answered: Use SQLite');
    expect(guidance[0]!.text).toContain('(1) Postgres');
    const state = foldRunEvents(harness.events);
    expect(state.tasks.get('design')).toMatchObject({ status: 'succeeded', escalations: 1 });
    expect(state.tasks.get('design')!.escalation).toBeUndefined();
  });

  it('an escalation past its deadline takes the default action as guidance', async () => {
    const harness = createHarness([task('design')], {
      behaviours: { design: { failures: [escalated('Which database?', { deadlineMs: 60_000, defaultAction: 'Postgres' })] } },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('succeeded');
    const [expired] = ofType(harness.events, 'escalation:expired');
    expect(expired).toMatchObject({ action: 'guidance', guidance: 'Postgres' });
    const [open] = ofType(harness.events, 'escalation:open');
    expect(expired!.at - open!.at).toBe(60_000);
    expect(harness.dispatched[1]!.context.find((entry) => entry.relation === 'guidance')!.text).toContain('default action stands: Postgres');
  });

  it('an escalation past its deadline with no default fails the task and skips its dependents', async () => {
    const harness = createHarness([task('design'), task('build', ['design'])], {
      behaviours: { design: { failures: [escalated('Which database?', { deadlineMs: 1_000 })] } },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('failed');
    expect(ofType(harness.events, 'escalation:expired')[0]).toMatchObject({ action: 'fail' });
    expect(ofType(harness.events, 'task:error')[0]!.error.code).toBe('ESCALATION_EXPIRED');
    expect(ofType(harness.events, 'task:skipped').map((event) => event.taskId)).toEqual(['build']);
  });

  it('a cancel ends a waiting task as cancelled, and a resume waits on the same escalation again and delivers a later answer', async () => {
    const first = createHarness([task('design')], {
      behaviours: { design: { failures: [escalated('Which database?')] } },
      onEvent: (event, scheduler) => {
        if (event.type === 'escalation:open') queueMicrotask(() => scheduler.cancel('stop for the night'));
      },
    });
    const stopped = await first.run();
    expect(stopped.status).toBe('cancelled');
    const state = foldRunEvents(first.events);
    expect(state.tasks.get('design')!.escalation).toBeDefined();
    const prior = resumePriorFromEvents(first.events);
    const escalationId = ofType(first.events, 'escalation:open')[0]!.escalationId;
    expect(prior.waiting?.get('design')?.escalationId).toBe(escalationId);

    const second = createHarness([task('design')], {
      prior,
      onEvent: (event, scheduler) => {
        if (event.type === 'workflow:start') {
          expect(scheduler.taskStatus('design')).toBe('waiting');
          queueMicrotask(() => expect(scheduler.answerEscalation(escalationId, 'SQLite it is')).toBe(true));
        }
      },
    });
    const resumed = await second.run();
    expect(resumed.status).toBe('succeeded');
    expect(second.dispatched).toHaveLength(1);
    expect(second.dispatched[0]!.attempt).toBe(2);
    expect(second.dispatched[0]!.context.some((entry) => entry.relation === 'guidance' && entry.text.includes('SQLite it is'))).toBe(true);
    // The reducer over both executions agrees: one escalation, answered.
    const whole = foldRunEvents([...first.events, ...second.events]);
    expect(whole.tasks.get('design')).toMatchObject({ status: 'succeeded', escalations: 1 });
  });

  it('a terminal policy can escalate a task whose retries are spent (agent-failed) instead of failing it', async () => {
    const policy: TerminalPolicy = {
      decide: (failure) =>
        failure.attemptThisExecution < 2
          ? { action: 'retry', delayMs: 100 }
          : { action: 'escalate', escalation: { triggerType: 'agent-failed', reason: `failed ${failure.attempt} times: ${failure.error.message}`, context: '', options: ['retry', 'drop'] }, priority: 9, ticketId: 'T-1', member: 'dev-1' },
    };
    let answered = false;
    const harness = createHarness([task('build')], {
      terminalPolicy: policy,
      behaviours: { build: { failures: [retryable('boom'), retryable('boom again')] } },
      onEvent: (event, scheduler) => {
        if (event.type === 'escalation:open' && !answered) {
          answered = true;
          queueMicrotask(() => scheduler.answerEscalation(event.escalationId, 'retry once more'));
        }
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('succeeded');
    expect(ofType(harness.events, 'task:retry')).toHaveLength(1);
    expect(ofType(harness.events, 'escalation:open')[0]).toMatchObject({ triggerType: 'agent-failed', priority: 9, ticketId: 'T-1', member: 'dev-1', attempt: 2 });
  });
});

describe('RunScheduler: admission check', () => {
  it('a refused task stays ready while others run, and starts once the check admits it', async () => {
    const busy = new Set<string>();
    const admission: AdmissionCheck = {
      admit: ({ task: candidate, record }) => {
        // "a" and "b" touch the same file: never at once.
        if ((candidate.id === 'a' || candidate.id === 'b') && (busy.has('a') || busy.has('b'))) return { admitted: false, reason: 'overlaps work in progress' };
        busy.add(candidate.id);
        record('ticket:assigned', { ticketId: candidate.id, member: 'dev', attempt: 1, reason: 'free' });
        return { admitted: true };
      },
    };
    let maxOverlap = 0;
    const harness = createHarness([task('a', [], { priority: 9 }), task('b', [], { priority: 8 }), task('c', [], { priority: 1 })], {
      config: { maxParallelAgents: 3 },
      admission,
      behaviours: { a: { durationsMs: [100] }, b: { durationsMs: [100] }, c: { durationsMs: [10] } },
      onEvent: (event, scheduler) => {
        if (event.type === 'task:start') maxOverlap = Math.max(maxOverlap, ['a', 'b'].filter((id) => scheduler.taskStatus(id) === 'running').length);
        // The driver frees the file when it sees the task end, then asks the check again.
        if (event.type === 'task:complete' && busy.delete(event.taskId)) scheduler.recheckAdmission();
      },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('succeeded');
    expect(maxOverlap).toBe(1);
    expect(harness.dispatched.map((request) => request.task.id)).toEqual(['a', 'c', 'b']);
    expect(ofType(harness.events, 'ticket:assigned').map((event) => event.taskId)).toEqual(['a', 'c', 'b']);
  });

  it('an admission check that throws fails the task instead of stalling the run', async () => {
    const harness = createHarness([task('a'), task('b', ['a'])], {
      admission: { admit: () => { throw new EnsembleError('LEASE_CONFLICT', 'no leases here'); } },
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('failed');
    expect(ofType(harness.events, 'task:error')[0]!.error.code).toBe('LEASE_CONFLICT');
    expect(ofType(harness.events, 'task:skipped').map((event) => event.taskId)).toEqual(['b']);
  });
});

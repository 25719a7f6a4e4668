import { describe, expect, it } from 'vitest';
import { decideTicketFailure, ticketRunOptionsSchema } from '../../src/codebase/index.js';
import { defaultTerminalPolicy, EnsembleError, ERROR_CODES, retryPolicySchema, taskSpecSchema, type TaskFailure, type TerminalDecision, type TerminalPolicy } from '../../src/core/index.js';

const task = taskSpecSchema.parse({ id: 'T-1', agentName: 'worker', prompt: 'do it' });
const ticketOptions = ticketRunOptionsSchema.parse({ team: [{ member: 'dev-1', agentName: 'worker' }] });
const policies: readonly [string, TerminalPolicy][] = [
  ['default', defaultTerminalPolicy],
  ['tickets (the seed\'s failure table)', { decide: (failure) => decideTicketFailure(failure, { ticketId: 'T-1', member: 'dev-1', priority: 5 }, ticketOptions).decision }],
];

function failureOf(code: (typeof ERROR_CODES)[number], attempt: number, extra: Partial<TaskFailure> = {}): TaskFailure {
  const details = code === 'AGENT_ESCALATED' ? { reason: 'Which way?', options: ['a', 'b'] } : {};
  return { task, error: new EnsembleError(code, `failed with ${code}`, { retryable: attempt % 2 === 0, details }), attempt, attemptThisExecution: attempt, escalations: 0, retry: retryPolicySchema.parse({ max: 2, backoffMs: 10 }), random: 0.5, ...extra };
}

function expectWellFormed(decision: TerminalDecision): void {
  if (decision.action === 'retry') expect(Number.isFinite(decision.delayMs) && decision.delayMs >= 0).toBe(true);
  if (decision.action === 'escalate') {
    expect(decision.escalation.reason.length).toBeGreaterThan(0);
    if (decision.priority !== undefined) expect(decision.priority >= 1 && decision.priority <= 10).toBe(true);
  }
}

// The contract of the `TerminalPolicy` seam, for every policy: a decision for any failure (never a
// throw), well formed; a stopping run's errors never retried; an agent's escalation escalated; and
// retries end (a policy that retried forever would hold a ticket for good).
describe.each(policies)('TerminalPolicy contract: %s', (_name, policy) => {
  it('decides every error code at every attempt, with a well-formed decision', () => {
    for (const code of ERROR_CODES) for (const attempt of [1, 2, 3, 4, 7]) expectWellFormed(policy.decide(failureOf(code, attempt)));
  });

  it('never retries the errors of a stopping run', () => {
    for (const code of ['RUN_CANCELLED', 'RUN_INTERRUPTED', 'RUN_TIMEOUT'] as const) expect(policy.decide(failureOf(code, 1, { error: new EnsembleError(code, 'stop', { retryable: true }) })).action).toBe('fail');
  });

  it('escalates what an agent escalated, with its reason and options', () => {
    const decision = policy.decide(failureOf('AGENT_ESCALATED', 1));
    expect(decision.action).toBe('escalate');
    if (decision.action === 'escalate') expect(decision.escalation).toMatchObject({ reason: 'Which way?', options: ['a', 'b'] });
  });

  it('stops retrying a failure that keeps happening', () => {
    const error = new EnsembleError('AGENT_FAILED', 'boom', { retryable: true });
    const decisions = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((attempt) => policy.decide(failureOf('AGENT_FAILED', attempt, { error })));
    expect(decisions.at(-1)!.action).not.toBe('retry');
  });
});

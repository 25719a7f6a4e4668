import { toEscalationRequest } from './escalation.js';
import type { TaskFailure, TerminalDecision, TerminalPolicy } from './ports.js';
import { decideRetry } from './retry-policy.js';

/**
 * What a run does with a failed attempt unless a workflow sets its own policy: an agent that
 * escalated (`AGENT_ESCALATED`, its request in the details) waits for a person; anything else is
 * retried per the task's retry policy (exponential backoff with jitter, `retry-after` honoured) and
 * fails once the retries are spent.
 */
export const defaultTerminalPolicy: TerminalPolicy = {
  decide(failure: TaskFailure): TerminalDecision {
    if (failure.error.code === 'AGENT_ESCALATED') {
      const escalation = toEscalationRequest(failure.error.details);
      if (escalation !== undefined) return { action: 'escalate', escalation };
    }
    const decision = decideRetry(failure.error, failure.attemptThisExecution, failure.retry, failure.random);
    return decision.retry ? { action: 'retry', delayMs: decision.delayMs } : { action: 'fail' };
  },
};

import { defaultTerminalPolicy, toEscalationRequest, type TaskFailure, type TerminalDecision, type TerminalPolicy } from '../../core/index.js';
import type { TicketRunOptions } from './ticket-run-options.js';

/** What the policy tells the ticket runner besides the scheduler's decision. */
export interface TicketFailureNotes {
  /** Flag the ticket `complex`: it escalated repeatedly. */
  readonly flagComplex?: string;
  /** Pause the member until this epoch ms (a provider's rate limit), so the others go on. */
  readonly pauseMemberMs?: number;
  /** Give the retry to another member (the attempt timed out). */
  readonly reassign?: boolean;
  /** The ticket's status while the decision holds. */
  readonly ticketStatus: 'queued' | 'waiting' | 'agent-failed' | 'failed';
}

/** Identity of the ticket a failure belongs to, for the human queue. */
export interface FailedTicket {
  readonly ticketId: string;
  readonly member?: string;
  readonly priority: number;
}

type PolicyOptions = Pick<TicketRunOptions, 'maxTries' | 'backoffMs' | 'repeatedEscalations' | 'escalationDeadlineMs'>;

/**
 * The seed's failure table for tickets, as a scheduler terminal policy:
 * - time-out → restart at once, reassigned to another member (counts as a try);
 * - invalid output (the ticket's verify command failed) → human review;
 * - rate limit → wait out `retry-after` with that member paused, the others go on (not a try);
 * - an agent that escalates → the human queue; past `repeatedEscalations` the ticket is flagged `complex` and must be answered by a person (no default);
 * - anything else → retried with the backoff (1, 5, 15 min by default) until `maxTries`, then the human queue as `agent-failed`.
 * Cancels and interruptions fail through (the run is stopping).
 */
export function decideTicketFailure(failure: TaskFailure, ticket: FailedTicket, options: PolicyOptions): { readonly decision: TerminalDecision; readonly notes: TicketFailureNotes } {
  const { error } = failure;
  const identity = { ticketId: ticket.ticketId, ...(ticket.member === undefined ? {} : { member: ticket.member }) };
  const deadline = options.escalationDeadlineMs === undefined ? {} : { deadlineMs: options.escalationDeadlineMs };
  if (error.code === 'RUN_CANCELLED' || error.code === 'RUN_INTERRUPTED' || error.code === 'RUN_TIMEOUT') {
    return { decision: { action: 'fail' }, notes: { ticketStatus: 'queued' } };
  }
  if (error.code === 'AGENT_ESCALATED') {
    const request = toEscalationRequest(error.details) ?? { triggerType: 'ambiguity', reason: error.message, context: '', options: [] };
    if (failure.escalations + 1 >= options.repeatedEscalations) {
      const reason = `escalated ${failure.escalations + 1} times; flagged complex: a person must decide`;
      const { deadlineMs: _deadline, defaultAction: _default, ...withoutDefault } = request;
      return {
        decision: { action: 'escalate', escalation: { ...withoutDefault, triggerType: 'repeated-escalations', reason: `${request.reason} (${reason})` }, priority: Math.min(10, ticket.priority + 2), ...identity },
        notes: { ticketStatus: 'waiting', flagComplex: reason },
      };
    }
    return { decision: { action: 'escalate', escalation: request, priority: ticket.priority, ...identity }, notes: { ticketStatus: 'waiting' } };
  }
  if (error.code === 'VERIFICATION_FAILED') {
    return {
      decision: {
        action: 'escalate',
        escalation: { triggerType: 'invalid-output', reason: `the verify command failed: ${error.message}`, context: 'The agent finished, but the ticket\'s verification did not pass.', options: ['retry with guidance', 'fix it by hand and answer "done"'], ...deadline },
        priority: ticket.priority,
        ...identity,
      },
      notes: { ticketStatus: 'waiting' },
    };
  }
  if (error.code === 'PROVIDER_RATE_LIMITED') {
    const delayMs = Math.max(1_000, error.retryAfterMs ?? 60_000);
    return { decision: { action: 'retry', delayMs }, notes: { ticketStatus: 'queued', pauseMemberMs: delayMs } };
  }
  const isTimeout = error.code === 'TASK_TIMEOUT';
  if (failure.attemptThisExecution < options.maxTries && (isTimeout || error.retryable || isAgentFailure(error.code))) {
    const delayMs = isTimeout ? 0 : (options.backoffMs[Math.min(failure.attemptThisExecution - 1, options.backoffMs.length - 1)] ?? 0);
    return { decision: { action: 'retry', delayMs }, notes: { ticketStatus: 'queued', ...(isTimeout ? { reassign: true } : {}) } };
  }
  if (isTimeout || error.retryable || isAgentFailure(error.code)) {
    return {
      decision: {
        action: 'escalate',
        escalation: { triggerType: 'agent-failed', reason: `failed ${failure.attemptThisExecution} tries: ${error.message}`, context: `last error ${error.code}`, options: ['retry with guidance'], ...deadline },
        priority: Math.min(10, ticket.priority + 1),
        ...identity,
      },
      notes: { ticketStatus: 'agent-failed' },
    };
  }
  // Not something a retry or a person's hint fixes here (bad input, a journal error): the default decides.
  const decision = defaultTerminalPolicy.decide(failure);
  return { decision, notes: { ticketStatus: decision.action === 'retry' ? 'queued' : 'failed' } };
}

/** Failures an agent's next try (or a person's hint) may fix. */
function isAgentFailure(code: string): boolean {
  return code === 'AGENT_FAILED' || code === 'AGENT_EXIT_NONZERO' || code === 'AGENT_OUTPUT_LIMIT' || code === 'LEASE_VIOLATION' || code === 'TOOL_FAILED' || code === 'PROVIDER_ERROR' || code === 'PROVIDER_UNAVAILABLE' || code === 'PROVIDER_CIRCUIT_OPEN';
}

/** The policy object the scheduler calls; `lookup` names the ticket of a task and `onNotes` hears what to do besides. */
export function createTicketFailurePolicy(
  options: PolicyOptions,
  lookup: (taskId: string) => FailedTicket | undefined,
  onNotes: (taskId: string, notes: TicketFailureNotes, decision: TerminalDecision) => void,
): TerminalPolicy {
  return {
    decide(failure) {
      const ticket = lookup(failure.task.id);
      if (ticket === undefined) return defaultTerminalPolicy.decide(failure);
      const { decision, notes } = decideTicketFailure(failure, ticket, options);
      onNotes(failure.task.id, notes, decision);
      return decision;
    },
  };
}

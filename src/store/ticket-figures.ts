import { ESCALATION_STATUSES, TICKET_STATUSES, type EscalationStatus, type TicketStatus } from './codebase-schema.js';
import type { RunStore } from './run-store.js';

/** The shared codebase's figures at one moment, as `/metrics` exports them. */
export interface TicketFigures {
  readonly tickets: Readonly<Record<TicketStatus, number>>;
  /** Mean `finishedAt - startedAt` of done tickets, in seconds; 0 when none is done. */
  readonly completionSeconds: number;
  readonly escalations: Readonly<Record<EscalationStatus, number>>;
  /** Started tickets that escalated at least once, over started tickets (0..1); 0 when none started. */
  readonly escalationRate: number;
  /** Reviews with a predicted conflict (any prediction not clean), over reviews (0..1); 0 when there are none. */
  readonly conflictRate: number;
  /**
   * Team members working a ticket now, over the members of the ticket runs that are running (their
   * stored team, else the members seen on their tickets) (0..1); 0 when no ticket run is running. A member works when a ticket of its run
   * assigned to it is `in-progress` (a `waiting` ticket holds no slot).
   */
  readonly agentUtilisation: number;
}

/**
 * Computes {@link TicketFigures} from the codebase tables and the runs' statuses. Pure but for the
 * store reads: tickets, escalations and reviews once each, and each ticket run's status once.
 */
export function computeTicketFigures(store: RunStore): TicketFigures {
  const tickets = store.codebase.listTickets();
  const escalations = store.codebase.listEscalations();
  const reviews = store.codebase.listReviews();

  const ticketCounts = Object.fromEntries(TICKET_STATUSES.map((status) => [status, 0])) as Record<TicketStatus, number>;
  let doneCount = 0;
  let doneSeconds = 0;
  const started = new Set<string>();
  for (const ticket of tickets) {
    ticketCounts[ticket.status]++;
    if (ticket.startedAt !== undefined) started.add(ticket.id);
    if (ticket.status === 'done' && ticket.startedAt !== undefined && ticket.finishedAt !== undefined) {
      doneCount++;
      doneSeconds += Math.max(0, ticket.finishedAt - ticket.startedAt) / 1000;
    }
  }

  const escalationCounts = Object.fromEntries(ESCALATION_STATUSES.map((status) => [status, 0])) as Record<EscalationStatus, number>;
  const escalated = new Set<string>();
  for (const escalation of escalations) {
    escalationCounts[escalation.status]++;
    if (escalation.ticketId !== undefined) escalated.add(escalation.ticketId);
  }
  // A ticket that escalated was started, even if its row lost `startedAt` to a re-queue: the rate stays within 0..1.
  for (const ticketId of escalated) started.add(ticketId);

  const conflicted = reviews.filter((review) => review.conflicts.some((prediction) => !prediction.clean)).length;

  // Team sizes of the ticket runs that are running, from their stored options.
  const teamSizes = new Map<string, number>();
  for (const runId of new Set(tickets.flatMap((ticket) => (ticket.runId === undefined ? [] : [ticket.runId])))) {
    if (store.runStatus(runId) !== 'running') continue;
    const team = (store.getRun(runId)?.spec.parameters['ticketRun'] as { team?: unknown } | undefined)?.team;
    // A run without a stored team (journaled by hand): the members seen on its tickets.
    const seen = new Set(tickets.filter((ticket) => ticket.runId === runId && ticket.assignee !== undefined).map((ticket) => ticket.assignee));
    teamSizes.set(runId, Array.isArray(team) ? team.length : seen.size);
  }
  const working = new Set<string>();
  for (const ticket of tickets) {
    if (ticket.status === 'in-progress' && ticket.assignee !== undefined && ticket.runId !== undefined && teamSizes.has(ticket.runId)) working.add(`${ticket.runId}\u0000${ticket.assignee}`);
  }
  const teamMembers = [...teamSizes.values()].reduce((sum, size) => sum + size, 0);
  return {
    tickets: ticketCounts,
    completionSeconds: doneCount === 0 ? 0 : doneSeconds / doneCount,
    escalations: escalationCounts,
    escalationRate: ratio(escalated.size, started.size),
    conflictRate: ratio(conflicted, reviews.length),
    agentUtilisation: ratio(working.size, teamMembers),
  };
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.min(1, part / whole);
}

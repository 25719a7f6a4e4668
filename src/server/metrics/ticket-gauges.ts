import { Gauge, type Registry } from 'prom-client';
import { ESCALATION_STATUSES, TICKET_STATUSES, type EscalationStatus, type RunStore, type TicketStatus } from '../../store/index.js';

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
   * Team members working a ticket now, over the members seen on tickets of running runs (0..1); 0
   * when no run works tickets. A member is "seen" as the assignee of a ticket whose run is running,
   * and "working" when one of those tickets is `in-progress` (a `waiting` ticket holds no slot).
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

  const runStatuses = new Map<string, string | undefined>();
  const isRunRunning = (runId: string): boolean => {
    if (!runStatuses.has(runId)) runStatuses.set(runId, store.runStatus(runId));
    return runStatuses.get(runId) === 'running';
  };
  const members = new Set<string>();
  const working = new Set<string>();
  for (const ticket of tickets) {
    if (ticket.assignee === undefined || ticket.runId === undefined || !isRunRunning(ticket.runId)) continue;
    members.add(ticket.assignee);
    if (ticket.status === 'in-progress') working.add(ticket.assignee);
  }

  return {
    tickets: ticketCounts,
    completionSeconds: doneCount === 0 ? 0 : doneSeconds / doneCount,
    escalations: escalationCounts,
    escalationRate: ratio(escalated.size, started.size),
    conflictRate: ratio(conflicted, reviews.length),
    agentUtilisation: ratio(working.size, members.size),
  };
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.min(1, part / whole);
}

/** Options of {@link registerTicketGauges}. */
export interface TicketGaugesOptions {
  readonly registry: Registry;
  /** Reads the figures at most once per scrape (undefined when the read failed). */
  readonly readFigures: () => TicketFigures | undefined;
}

/**
 * Registers the shared codebase's gauges, read at scrape time: `ensemble_tickets{status}`,
 * `ensemble_ticket_completion_seconds`, `ensemble_escalations{status}`, `ensemble_escalation_rate`,
 * `ensemble_conflict_rate`, `ensemble_agent_utilisation`. A failed read leaves the labelled gauges
 * without series and the others NaN, as the journal's gauges do.
 */
export function registerTicketGauges(options: TicketGaugesOptions): void {
  const registers = [options.registry];
  new Gauge({
    name: 'ensemble_tickets',
    help: 'Tickets of the repository queue, by status.',
    labelNames: ['status'],
    registers,
    collect() {
      this.reset();
      const figures = options.readFigures();
      if (figures !== undefined) for (const status of TICKET_STATUSES) this.set({ status }, figures.tickets[status]);
    },
  });
  new Gauge({
    name: 'ensemble_escalations',
    help: 'Escalations to a person, by status.',
    labelNames: ['status'],
    registers,
    collect() {
      this.reset();
      const figures = options.readFigures();
      if (figures !== undefined) for (const status of ESCALATION_STATUSES) this.set({ status }, figures.escalations[status]);
    },
  });
  const figureGauge = (name: string, help: string, pick: (figures: TicketFigures) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const figures = options.readFigures();
        this.set(figures === undefined ? Number.NaN : pick(figures));
      },
    });
  };
  figureGauge('ensemble_ticket_completion_seconds', 'Mean time from start to done of done tickets, in seconds (0 when none is done).', (figures) => figures.completionSeconds);
  figureGauge('ensemble_escalation_rate', 'Started tickets that escalated at least once, over started tickets (0-1).', (figures) => figures.escalationRate);
  figureGauge('ensemble_conflict_rate', 'Reviews with a predicted merge conflict, over reviews (0-1).', (figures) => figures.conflictRate);
  figureGauge(
    'ensemble_agent_utilisation',
    'Team members working an in-progress ticket, over members assigned tickets of running runs (0-1).',
    (figures) => figures.agentUtilisation,
  );
}

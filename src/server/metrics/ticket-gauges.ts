import { Gauge, type Registry } from 'prom-client';
import { ESCALATION_STATUSES, TICKET_STATUSES, type TicketFigures } from '../../store/index.js';

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

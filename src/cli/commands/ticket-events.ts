import type { RunEvent } from '../../core/index.js';
import { sanitizeTerminalLine } from '../terminal/index.js';

const TICKET_EVENT_TYPES = [
  'ticket:assigned',
  'ticket:deferred',
  'ticket:committed',
  'ticket:review',
  'ticket:flagged',
  'lease:acquired',
  'lease:released',
  'lease:refused',
  'escalation:open',
  'escalation:answered',
  'escalation:expired',
] as const;

/** The journal's events about a ticket: `ticket:*`, `lease:*` and `escalation:*`. */
export type TicketEvent = Extract<RunEvent, { type: (typeof TICKET_EVENT_TYPES)[number] }>;

function isTicketEvent(event: RunEvent): event is TicketEvent {
  return (TICKET_EVENT_TYPES as readonly string[]).includes(event.type);
}

/**
 * A ticket's events of one run, in journal order. `escalation:answered` and `:expired` carry no
 * ticket id: they belong to it through the escalation it opened.
 */
export function ticketEventsOf(events: readonly RunEvent[], ticketId: string): TicketEvent[] {
  const escalations = new Set<string>();
  const found: TicketEvent[] = [];
  for (const event of events) {
    if (!isTicketEvent(event)) continue;
    if (event.type === 'escalation:answered' || event.type === 'escalation:expired') {
      if (escalations.has(event.escalationId)) found.push(event);
      continue;
    }
    if (event.ticketId !== ticketId) continue;
    if (event.type === 'escalation:open') escalations.add(event.escalationId);
    found.push(event);
  }
  return found;
}

/** One line saying what the event records (agent-written text sanitised). */
export function describeTicketEvent(event: TicketEvent): string {
  const line = (text: string): string => sanitizeTerminalLine(text);
  switch (event.type) {
    case 'ticket:assigned':
      return `${event.member} (${event.agentName}), attempt ${event.attempt}: ${line(event.reason)}`;
    case 'ticket:deferred':
      return line(event.reason);
    case 'ticket:committed':
      return `${event.commit.slice(0, 12)}: ${event.files.join(', ') || 'no files'}`;
    case 'ticket:review':
      return `${event.reviewId} on ${event.branch}: ${describeConflicts(event.conflicts)}`;
    case 'ticket:flagged':
      return `${event.flag}: ${line(event.reason)}`;
    case 'lease:acquired':
      return `${event.owner}: ${event.paths.join(', ')} until ${new Date(event.expiresAt).toISOString().slice(11, 19)}`;
    case 'lease:released':
      return `${event.owner} (${event.reason}): ${event.paths.join(', ')}`;
    case 'lease:refused':
      return `${event.tool} ${line(event.path)}${event.holder === undefined ? '' : ` (held by ${event.holder})`}`;
    case 'escalation:open':
      return `${event.escalationId} [${event.triggerType}] ${line(event.reason)}`;
    case 'escalation:answered':
      return `${event.escalationId}${event.answeredBy === undefined ? '' : ` by ${event.answeredBy}`}: ${line(event.guidance)}`;
    case 'escalation:expired':
      return `${event.escalationId}: ${event.action === 'fail' ? 'nobody answered; the task failed' : `default taken: ${line(event.guidance ?? '')}`}`;
  }
}

/** `clean`, or `conflicts with main: a.ts, b.ts; with ensemble/T-4: c.ts`. */
export function describeConflicts(conflicts: readonly { readonly against: string; readonly clean: boolean; readonly files: readonly string[] }[]): string {
  const conflicting = conflicts.filter((conflict) => !conflict.clean);
  if (conflicting.length === 0) return 'clean';
  return `conflicts ${conflicting.map((conflict) => `with ${conflict.against}: ${conflict.files.join(', ') || '?'}`).join('; ')}`;
}

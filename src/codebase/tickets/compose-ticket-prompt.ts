import type { TicketRecord } from '../../store/index.js';
import type { IsolationMode } from './ticket-run-options.js';

/** What the agent working a ticket is asked: the ticket, the files it is expected to touch, and how to ask for help. */
export function composeTicketPrompt(ticket: TicketRecord, mode: IsolationMode): string {
  const lines = [`Ticket ${ticket.id}: ${ticket.title}`];
  if (ticket.description.trim() !== '') lines.push('', ticket.description.trim());
  if (ticket.files.length > 0) {
    lines.push('', `Files this ticket is expected to change: ${ticket.files.join(', ')}`);
    if (mode === 'locks') {
      lines.push('You hold file leases on exactly these; other agents work on other files at the same time, and a write elsewhere is refused. Ask for more with the RequestLease tool when you must.');
    }
  }
  if (ticket.labels.length > 0) lines.push(`Labels: ${ticket.labels.join(', ')}`);
  // A ticket sent back (rejected in review, a branch that no longer merged) says why, so the redo differs.
  if (ticket.lastError !== undefined && ticket.status === 'queued') lines.push('', `An earlier attempt was sent back: ${ticket.lastError.message}`);
  if (ticket.verify !== undefined) lines.push(`When you finish, \`${ticket.verify.join(' ')}\` must pass.`);
  lines.push(
    '',
    'Make the change in the workspace, then reply with a short summary of what you changed. The orchestrator commits it for you.',
    'If a decision is not yours to take (architecture, security, data, an unclear requirement), do not guess: ask a person with the Escalate tool, or write <ESCALATE reason="…">one option per line</ESCALATE>.',
  );
  return lines.join('\n');
}

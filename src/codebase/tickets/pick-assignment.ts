import { globsOverlap } from '../../core/index.js';
import type { TeamMember } from './ticket-run-options.js';

/** A ticket at work (admitted and not ended), as the assignment sees it. */
export interface TicketInProgress {
  readonly ticketId: string;
  readonly member: string;
  /** Its estimated files (globs). */
  readonly files: readonly string[];
}

/** What the assignment of one ready ticket looks at. */
export interface AssignmentInput {
  readonly ticketId: string;
  readonly priority: number;
  /** The agent definition the ticket's task runs. */
  readonly agentName: string;
  readonly files: readonly string[];
  readonly team: readonly TeamMember[];
  readonly inProgress: readonly TicketInProgress[];
  /** Tickets each member worked in this run so far (its load). */
  readonly loads: ReadonlyMap<string, number>;
  /** Members paused until a provider's rate limit passes. */
  readonly paused: ReadonlySet<string>;
  /** A member not to give it to again if another can take it (the one that timed out on it). */
  readonly avoid?: string;
  /** Largest share of the ticket's files that may overlap work in progress. */
  readonly overlapThreshold: number;
  /** `queue` mode: nothing may run beside it. */
  readonly isExclusive: boolean;
}

export type Assignment = { readonly ok: true; readonly member: string; readonly reason: string } | { readonly ok: false; readonly reason: string };

/**
 * The seed's assignment, for a ticket whose dependencies are done (the scheduler releases it only
 * then) and which is next by priority: skip it while its estimated files overlap work in progress
 * past the threshold; otherwise give it to the least-loaded free member running its agent (ties by
 * team order). The reason names every criterion, for the journal.
 */
export function pickAssignment(input: AssignmentInput): Assignment {
  if (input.isExclusive && input.inProgress.length > 0) {
    // One reason whichever ticket is at work, so a waiting ticket journals its deferral once, not once per ticket before it.
    return { ok: false, reason: 'queue mode: one ticket at a time' };
  }
  const overlap = measureOverlap(input.files, input.inProgress);
  const overlapText = input.files.length === 0 ? 'no estimated files' : `overlap ${overlap.count}/${input.files.length} files`;
  if (overlap.count > 0 && overlap.count / input.files.length > input.overlapThreshold) {
    return { ok: false, reason: `${overlapText} with ${overlap.with.join(', ')} in progress (threshold ${input.overlapThreshold})` };
  }
  const busy = new Set(input.inProgress.map((work) => work.member));
  const capable = input.team.filter((member) => member.agentName === input.agentName);
  const free = capable.filter((member) => !busy.has(member.member) && !input.paused.has(member.member));
  if (free.length === 0) {
    const pausedCount = capable.filter((member) => input.paused.has(member.member)).length;
    return { ok: false, reason: `no free ${input.agentName} (${capable.length - pausedCount} busy${pausedCount > 0 ? `, ${pausedCount} paused by a rate limit` : ''})` };
  }
  const candidates = free.length > 1 && input.avoid !== undefined ? free.filter((member) => member.member !== input.avoid) : free;
  let chosen = candidates[0]!;
  for (const member of candidates) if ((input.loads.get(member.member) ?? 0) < (input.loads.get(chosen.member) ?? 0)) chosen = member;
  const load = input.loads.get(chosen.member) ?? 0;
  const reassigned = input.avoid !== undefined && chosen.member !== input.avoid ? `; reassigned from ${input.avoid}` : '';
  return {
    ok: true,
    member: chosen.member,
    reason: `dependencies done; ${overlapText}${overlap.count > 0 ? ` (threshold ${input.overlapThreshold})` : ''}; priority ${input.priority}; ${chosen.member} least loaded of ${free.length} free ${input.agentName} (${load} ticket${load === 1 ? '' : 's'} so far)${reassigned}`,
  };
}

/** How many of `files` overlap the files of work in progress, and with which tickets. */
export function measureOverlap(files: readonly string[], inProgress: readonly TicketInProgress[]): { readonly count: number; readonly with: readonly string[] } {
  let count = 0;
  const tickets = new Set<string>();
  for (const file of files) {
    let overlaps = false;
    for (const work of inProgress) {
      if (work.files.some((other) => globsOverlap(file, other))) {
        overlaps = true;
        tickets.add(work.ticketId);
      }
    }
    if (overlaps) count++;
  }
  return { count, with: [...tickets] };
}

import { EnsembleError, type AdmissionCandidate, type AdmissionCheck, type AdmissionDecision } from '../../core/index.js';
import type { CodebaseStore } from '../../store/index.js';
import { pickAssignment, type TicketInProgress } from './pick-assignment.js';
import { describeHolder } from './lease-check.js';
import { leaseOwnerOf } from './store-lease-guard.js';
import { overlapThresholdOf, type TicketRunOptions } from './ticket-run-options.js';

/** Options of {@link TicketAdmission}. */
export interface TicketAdmissionOptions {
  readonly store: CodebaseStore;
  readonly options: TicketRunOptions;
  /** The run's id, once it has one (admission only happens after the run started). */
  readonly runId: () => string;
  readonly now: () => number;
}

/** Who works a ticket's current attempt. */
export interface TicketAssignment {
  readonly ticketId: string;
  readonly member: string;
  readonly attempt: number;
  /** The leases granted with it (`locks` mode), journaled as `lease:acquired`. */
  readonly leases: readonly string[];
}

/**
 * The ticket run's admission check: a ready ticket starts only when the assignment finds it a free
 * team member and its files do not overlap work in progress past the threshold (`queue`: nothing
 * else in progress), and, in `locks` mode, when its estimated files can be leased. Each decision is
 * journaled with its reason (`ticket:assigned`, `lease:acquired`, or `ticket:deferred` when the
 * reason changed). A ticket another run claimed is refused for good (the task fails).
 */
export class TicketAdmission implements AdmissionCheck {
  private readonly store: CodebaseStore;
  private readonly settings: TicketRunOptions;
  private readonly runId: () => string;
  private readonly now: () => number;
  private readonly inProgress = new Map<string, TicketInProgress>();
  private readonly assignments = new Map<string, TicketAssignment>();
  private readonly loads = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly avoid = new Map<string, string>();
  private readonly lastDeferral = new Map<string, string>();

  constructor(options: TicketAdmissionOptions) {
    this.store = options.store;
    this.settings = options.options;
    this.runId = options.runId;
    this.now = options.now;
  }

  admit({ task, attempt, record }: AdmissionCandidate): AdmissionDecision {
    const runId = this.runId();
    const ticketId = task.id;
    const ticket = this.store.claimTicket(ticketId, runId, this.now());
    if (ticket === undefined) {
      const holder = this.store.getTicket(ticketId)?.runId ?? 'another run';
      throw new EnsembleError('INVALID_INPUT', `ticket ${ticketId} is being worked by run ${holder}`, { details: { ticketId, runId: holder } });
    }
    const now = this.now();
    const paused = new Set([...this.pausedUntil].filter(([, until]) => until > now).map(([member]) => member));
    const avoid = this.avoid.get(ticketId);
    const choice = pickAssignment({
      ticketId,
      priority: ticket.priority,
      agentName: task.agentName,
      files: ticket.files,
      team: this.settings.team,
      inProgress: [...this.inProgress.values()],
      loads: this.loads,
      paused,
      ...(avoid === undefined ? {} : { avoid }),
      overlapThreshold: overlapThresholdOf(this.settings),
      isExclusive: this.settings.mode === 'queue',
    });
    if (!choice.ok) return this.defer(ticketId, choice.reason, record);
    let leases: readonly string[] = [];
    if (this.settings.mode === 'locks' && ticket.files.length > 0) {
      const owner = leaseOwnerOf(runId, ticketId);
      const granted = this.store.acquireLeases({ owner, runId, taskId: task.id, ticketId, member: choice.member, patterns: [...ticket.files], ttlMs: this.settings.leaseTtlMs }, now);
      if (!granted.ok) {
        const held = granted.conflicts.map((conflict) => `${conflict.pattern} held by ${describeHolder(conflict.holder)}`);
        return this.defer(ticketId, `leases refused: ${held.join('; ')}`, record);
      }
      leases = ticket.files;
      record('ticket:assigned', { ticketId, member: choice.member, attempt, reason: `${choice.reason}; leased ${ticket.files.join(', ')}` });
      record('lease:acquired', { ticketId, owner, paths: ticket.files, expiresAt: granted.expiresAt });
    } else {
      record('ticket:assigned', { ticketId, member: choice.member, attempt, reason: choice.reason });
    }
    this.lastDeferral.delete(ticketId);
    this.avoid.delete(ticketId);
    this.inProgress.set(ticketId, { ticketId, member: choice.member, files: ticket.files });
    this.loads.set(choice.member, (this.loads.get(choice.member) ?? 0) + 1);
    this.assignments.set(ticketId, { ticketId, member: choice.member, attempt, leases });
    this.store.updateTicket(ticketId, { status: 'in-progress', assignee: choice.member, attempts: attempt, lastError: null, ...(ticket.startedAt === undefined ? { startedAt: now } : {}) }, now);
    return { admitted: true };
  }

  /** Who works the ticket's current attempt. */
  assignmentOf(ticketId: string): TicketAssignment | undefined {
    return this.assignments.get(ticketId);
  }

  /** The attempt ended: its member is free and its files no longer count as work in progress. */
  release(ticketId: string): void {
    this.inProgress.delete(ticketId);
  }

  /** Keeps `member` out of assignments until `untilMs` (a provider's rate limit); the others go on. */
  pause(member: string, untilMs: number): void {
    this.pausedUntil.set(member, untilMs);
  }

  /** The ticket's next attempt goes to another member when one is free (its last one timed out). */
  reassign(ticketId: string, fromMember: string): void {
    this.avoid.set(ticketId, fromMember);
  }

  /** Whether some member is paused now (the runner rechecks admission when pauses end). */
  hasPausedMembers(): boolean {
    const now = this.now();
    return [...this.pausedUntil.values()].some((until) => until > now);
  }

  private defer(ticketId: string, reason: string, record: AdmissionCandidate['record']): AdmissionDecision {
    if (this.lastDeferral.get(ticketId) !== reason) {
      this.lastDeferral.set(ticketId, reason);
      record('ticket:deferred', { ticketId, reason });
    }
    return { admitted: false, reason };
  }
}

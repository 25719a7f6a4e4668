import type { RunEventType, RunStatus } from '../core/index.js';
import type { RecordedOwner, RunRecord, TicketStatus } from '../store/index.js';

/**
 * Where a run stands for cleanup: `live` (running under an owner that is alive: nothing of it is
 * touched), `resumable` (its owner is gone and a resume may continue it: interrupted, failed,
 * cancelled, or running under a dead owner), `succeeded`, or `absent` from the journal (removed).
 */
export type RunPresence = 'live' | 'resumable' | 'succeeded' | 'absent';

/** What cleanup does with one thing it found: remove it, keep it and say why, or pass over it in silence (it is in use). */
export type LeftoverVerdict = { readonly action: 'remove' } | { readonly action: 'keep'; readonly reason: string } | { readonly action: 'skip' };

const REMOVE: LeftoverVerdict = { action: 'remove' };
const SKIP: LeftoverVerdict = { action: 'skip' };
const keep = (reason: string): LeftoverVerdict => ({ action: 'keep', reason });

/** The run's recorded owner with its heartbeat, as `isOwnerAlive` judges it. */
export function recordedOwnerOf(run: Pick<RunRecord, 'owner' | 'heartbeatAt' | 'staleAfterMs'>): RecordedOwner {
  return { ...run.owner, ...(run.heartbeatAt === undefined ? {} : { heartbeatAt: run.heartbeatAt }), ...(run.staleAfterMs === undefined ? {} : { staleAfterMs: run.staleAfterMs }) };
}

/** Where `run` stands (see {@link RunPresence}); `isOwnerAlive` judges the owner of a `running` run. */
export function toRunPresence(run: Pick<RunRecord, 'status' | 'owner' | 'heartbeatAt' | 'staleAfterMs'> | undefined, isOwnerAlive: (owner: RecordedOwner) => boolean): RunPresence {
  if (run === undefined) return 'absent';
  if (run.status === 'succeeded') return 'succeeded';
  if (run.status === 'running') return isOwnerAlive(recordedOwnerOf(run)) ? 'live' : 'resumable';
  return 'resumable';
}

// The last event of every run whose owner saw it to the end: its agents were stopped and their exits journaled.
const CLOSING_EVENTS: ReadonlySet<RunEventType> = new Set(['workflow:complete', 'workflow:error']);

/**
 * Whether a run whose owner is gone may have left agents running: interrupted, or running under a
 * dead owner, or ended (cancelled from outside, a failed start) without its owner closing it.
 */
export function mayHaveOrphans(status: RunStatus, lastEventType: RunEventType | undefined): boolean {
  if (status === 'interrupted' || status === 'running') return true;
  return status !== 'succeeded' && (lastEventType === undefined || !CLOSING_EVENTS.has(lastEventType));
}

/** A write lease: only a live run's are its own; any other run's (ended, interrupted, removed) only block other runs. A resume acquires its leases again. */
export function judgeLease(presence: RunPresence): LeftoverVerdict {
  return presence === 'live' ? SKIP : REMOVE;
}

/** What cleanup knows of a workspace copy: who made it, and where its run stands. */
export interface WorkspaceCopyFacts {
  readonly ownerHost: string;
  readonly isOwnerRunning: boolean;
  readonly presence: RunPresence;
  /** This machine's host name. */
  readonly host: string;
}

/**
 * A workspace copy belongs to one attempt of an isolated task: once the process that made it is
 * gone, nothing reads it again (a resume runs the attempt again in a fresh copy; finished attempts
 * left their patch). Copies of live processes and live runs are in use; another host's cannot be judged.
 */
export function judgeWorkspaceCopy(facts: WorkspaceCopyFacts): LeftoverVerdict {
  if (facts.presence === 'live') return SKIP;
  if (facts.ownerHost !== facts.host) return keep(`made by a process on host ${facts.ownerHost}, which cannot be checked from here`);
  return facts.isOwnerRunning ? SKIP : REMOVE;
}

/**
 * A run's patches: those of a removed run are left over; a run that may be resumed needs them (a
 * selector of fix attempts reads its candidates' patches); a succeeded run's are its tasks' full
 * diffs, removed with the run by `runs rm` and `runs prune`.
 */
export function judgePatchFolder(runId: string, presence: RunPresence, status: RunStatus | undefined): LeftoverVerdict {
  if (presence === 'absent') return REMOVE;
  if (presence === 'resumable') return keep(`run ${runId} is ${status ?? 'unfinished'}: a resume reads the patches of its finished attempts`);
  return SKIP;
}

/** A half-written patch (`.partial`) of a process that died while storing it; a live run's may be being written. */
export function judgePartialPatch(presence: RunPresence): LeftoverVerdict {
  return presence === 'live' ? SKIP : REMOVE;
}

// A ticket in these states is worked again (a retry, a resume, a requeue, a review): `createTicketWorktree`
// reuses its worktree as it is, work in progress included, and a new one would reset its branch to the main branch.
const WORKED_TICKET_STATUSES: ReadonlySet<TicketStatus> = new Set(['queued', 'in-progress', 'waiting', 'review', 'failed', 'agent-failed']);

/** What cleanup knows of a ticket's worktree folder. */
export interface TicketWorktreeFacts {
  readonly ticketId: string;
  /** The ticket, when the queue still has it. */
  readonly ticket?: { readonly status: TicketStatus; readonly runId?: string };
  /** Where the ticket's run stands, when it has one. */
  readonly runPresence?: RunPresence;
  /** A review still waiting on this worktree (open or needs-retry). */
  readonly pendingReview?: { readonly reviewId: string; readonly status: string };
  /** Whether the folder is a git worktree of its own. */
  readonly isWorktree: boolean;
  readonly hasUncommittedChanges: boolean;
}

/**
 * A ticket's worktree goes only when nothing will work in it again and it holds no uncommitted
 * work: never while its run is live, a review waits on it, or its ticket may be worked again.
 * Its branch is never deleted.
 */
export function judgeTicketWorktree(facts: TicketWorktreeFacts): LeftoverVerdict {
  const { ticket, runPresence } = facts;
  if (runPresence === 'live') return SKIP;
  if (!facts.isWorktree) return keep('not a git worktree of its own; look at it and remove it by hand');
  if (facts.pendingReview !== undefined) return keep(`review ${facts.pendingReview.reviewId} is ${facts.pendingReview.status} and needs this worktree`);
  if (ticket !== undefined && WORKED_TICKET_STATUSES.has(ticket.status)) {
    const run = ticket.runId === undefined || runPresence === undefined || runPresence === 'absent' ? '' : ` (run ${ticket.runId}, ${runPresence})`;
    return keep(`ticket ${facts.ticketId} is ${ticket.status}${run}: its next attempt or resume continues in this worktree`);
  }
  if (facts.hasUncommittedChanges) return keep('it holds uncommitted changes; commit or discard them, then run cleanup again');
  return REMOVE;
}

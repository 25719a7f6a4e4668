import { relative, resolve, sep } from 'node:path';
import {
  EnsembleError,
  matchesGlob,
  type DispatchContext,
  type EventPayloads,
  type InvocationInfo,
  type TaskDispatcher,
  type TaskEventType,
  type TaskOutcome,
  type TaskRequest,
  type TaskSpec,
} from '../../core/index.js';
import type { CodebaseStore, TicketRecord } from '../../store/index.js';
import { isPassing, runVerifyCommand } from '../fix-selection/index.js';
import { changedPathsSince, commitAll, commitEmpty, commitPaths, createTicketWorktree, restorePaths, snapshotChanges, type ChangeSnapshot } from '../git/index.js';
import type { ReviewQueue } from '../review/index.js';
import { createStoreLeaseGuard, leaseOwnerOf } from './store-lease-guard.js';
import type { TicketAdmission } from './ticket-admission.js';
import type { TicketRunOptions } from './ticket-run-options.js';

/** Options of {@link TicketDispatcher}. */
export interface TicketDispatcherOptions {
  readonly store: CodebaseStore;
  readonly admission: TicketAdmission;
  readonly options: TicketRunOptions;
  /** The repository's main worktree: the shared workspace (`queue`, `locks`) and where branches merge. */
  readonly repo: string;
  /** The branch tickets start from and commit to (`queue`, `locks`). */
  readonly mainBranch: string;
  readonly dataDir: string;
  readonly reviews: ReviewQueue;
  /** The environment of verify commands (the agents' allow-list). */
  readonly verifyEnvironment: Readonly<Record<string, string>>;
  readonly runId: () => string;
  readonly now: () => number;
  /** Journals a ticket or lease event of a task of the run. */
  readonly record: <T extends TaskEventType>(taskId: string, type: T, payload: Omit<EventPayloads[T], 'taskId' | 'agentName'>) => void;
}

/**
 * Runs a ticket's attempt around the agent: in its own worktree (`branches`) or the shared
 * workspace; under its file leases (`locks`: the tools refuse other paths, a lease is renewed while
 * the agent runs, and a change to a file nobody leased is reverted and fails the attempt with
 * LEASE_VIOLATION, which catches process agents that bypass the tools); then the ticket's verify
 * command; then the commit (the leased files only in `locks`; the ticket's branch in `branches`,
 * which enters the review queue); leases are released on commit. A failed attempt's changes to the
 * shared workspace are reverted, so a retry starts clean and nobody commits half a change.
 */
export class TicketDispatcher implements TaskDispatcher {
  private readonly inner: TaskDispatcher;
  private readonly options: TicketDispatcherOptions;
  /** Attempts whose agent is at work, by ticket id (the tmux cadence checks in on them and commits their work). */
  private readonly active = new Map<string, ActiveAttempt>();
  /** Tickets of which a work-in-progress commit was made in their current attempt. */
  private readonly committedInProgress = new Set<string>();

  constructor(inner: TaskDispatcher, options: TicketDispatcherOptions) {
    this.inner = inner;
    this.options = options;
  }

  describe(task: TaskSpec): InvocationInfo {
    return this.inner.describe(task);
  }

  async dispatch(request: TaskRequest, context: DispatchContext): Promise<TaskOutcome> {
    const { store, admission } = this.options;
    const ticketId = request.task.id;
    try {
      const ticket = store.getTicket(ticketId);
      const assignment = admission.assignmentOf(ticketId);
      if (ticket === undefined || assignment === undefined) throw new EnsembleError('INTERNAL', `task "${ticketId}" of a ticket run has no ticket or assignment`);
      return await this.work(request, context, ticket, assignment.member);
    } finally {
      admission.release(ticketId);
    }
  }

  private async work(request: TaskRequest, context: DispatchContext, ticket: TicketRecord, member: string): Promise<TaskOutcome> {
    const { options } = this;
    const { mode } = options.options;
    const { signal } = context;
    const runId = options.runId();
    if (mode === 'branches') {
      const worktree = await createTicketWorktree({ repo: options.repo, dataDir: options.dataDir, ticketId: ticket.id, baseRef: options.mainBranch, signal });
      this.active.set(ticket.id, { ticket, member, workspace: worktree.path, worktree: worktree.path });
      let outcome: TaskOutcome;
      try {
        outcome = await this.inner.dispatch(request, { ...context, workspace: worktree.path, member });
      } finally {
        this.active.delete(ticket.id);
      }
      await this.verify(ticket, worktree.path, signal);
      const commit = await this.finalCommit(ticket, await commitAll({ worktree: worktree.path, message: commitMessage(ticket, member), signal }), worktree.path, member, signal);
      if (commit !== undefined) this.record(ticket, 'ticket:committed', { ticketId: ticket.id, commit, files: [] });
      const review = await options.reviews.enqueue({ ticketId: ticket.id, runId, branch: worktree.branch, worktree: worktree.path, signal });
      this.record(ticket, 'ticket:review', { ticketId: ticket.id, reviewId: review.id, branch: review.branch, conflicts: review.conflicts });
      return outcome;
    }
    const ignore = this.dataDirInside(options.repo);
    const snapshot = await snapshotChanges({ workspace: options.repo, ignore, signal });
    const owner = leaseOwnerOf(runId, ticket.id);
    const guard =
      mode === 'locks'
        ? createStoreLeaseGuard({
            store: options.store,
            owner,
            runId,
            taskId: ticket.id,
            ticketId: ticket.id,
            member,
            ttlMs: options.options.leaseTtlMs,
            now: options.now,
            onAcquired: (paths, expiresAt) => this.record(ticket, 'lease:acquired', { ticketId: ticket.id, owner, paths, expiresAt }),
          })
        : undefined;
    // The agent renews its leases while it runs (a third of the TTL), so only a dead one's expire.
    const renewal = mode === 'locks' ? setInterval(() => options.store.renewLeases(owner, options.options.leaseTtlMs, options.now()), Math.max(1_000, options.options.leaseTtlMs / 3)) : undefined;
    renewal?.unref();
    try {
      this.active.set(ticket.id, { ticket, member, workspace: options.repo, ...(guard === undefined ? {} : { held: () => guard.held() }), snapshot });
      let outcome: TaskOutcome;
      try {
        outcome = await this.inner.dispatch(request, { ...context, workspace: options.repo, member, ...(guard === undefined ? {} : { leases: guard }) });
      } finally {
        this.active.delete(ticket.id);
      }
      const changed = await changedPathsSince(snapshot, signal);
      const files = guard === undefined ? changed : await this.checkLeases(ticket, owner, request.attempt, changed, guard.held(), snapshot, context);
      await this.verify(ticket, options.repo, signal);
      const commit = await this.finalCommit(ticket, await commitPaths({ repo: options.repo, paths: files, message: commitMessage(ticket, member), signal }), options.repo, member, signal);
      if (commit !== undefined) this.record(ticket, 'ticket:committed', { ticketId: ticket.id, commit, files });
      options.store.updateTicket(ticket.id, { status: 'done', finishedAt: options.now() }, options.now());
      this.releaseLeases(ticket, owner, 'commit');
      return outcome;
    } catch (error) {
      await this.revertAttempt(snapshot, guard?.held(), context);
      this.releaseLeases(ticket, owner, (error as { code?: unknown }).code === 'AGENT_ESCALATED' ? 'waiting' : signal.aborted ? 'cancelled' : 'failed');
      throw error;
    } finally {
      if (renewal !== undefined) clearInterval(renewal);
    }
  }

  /** The members at work now, with their tickets. */
  activeMembers(): readonly { readonly ticketId: string; readonly member: string }[] {
    return [...this.active.values()].map(({ ticket, member }) => ({ ticketId: ticket.id, member }));
  }

  /**
   * Commits what the agents at work changed so far (tmux mode's commit cadence): the ticket's
   * branch in `branches`; its leased files in `locks`; its changes in `queue`. A work-in-progress
   * commit; the ticket's own commit follows when it ends.
   */
  async commitWorkInProgress(signal: AbortSignal): Promise<void> {
    for (const attempt of [...this.active.values()]) {
      const message = `${attempt.ticket.id}: work in progress (${attempt.member})\n\nEnsemble-Ticket: ${attempt.ticket.id}`;
      let commit: string | undefined;
      let files: string[] = [];
      if (attempt.worktree !== undefined) {
        commit = await commitAll({ worktree: attempt.worktree, message, signal });
      } else if (attempt.snapshot !== undefined) {
        const changed = await changedPathsSince(attempt.snapshot, signal);
        const held = attempt.held?.();
        files = held === undefined ? changed : changed.filter((path) => held.some((pattern) => matchesGlob(path, pattern)));
        if (files.length > 0) commit = await commitPaths({ repo: this.options.repo, paths: files, message, signal });
      }
      if (commit === undefined) continue;
      this.committedInProgress.add(attempt.ticket.id);
      this.record(attempt.ticket, 'ticket:committed', { ticketId: attempt.ticket.id, commit, files });
    }
  }

  /**
   * The ticket's own commit: the one just made, or, when work-in-progress commits already took the
   * whole change, an empty commit with the ticket's title, so every finished ticket ends with one.
   */
  private async finalCommit(ticket: TicketRecord, commit: string | undefined, repo: string, member: string, signal: AbortSignal): Promise<string | undefined> {
    const hadProgressCommits = this.committedInProgress.delete(ticket.id);
    if (commit !== undefined || !hadProgressCommits) return commit;
    return commitEmpty({ repo, message: commitMessage(ticket, member), signal });
  }

  /**
   * The files the attempt changed that its leases cover (to commit). A change to a file no lease
   * covers is reverted and fails the attempt (LEASE_VIOLATION, each path journaled as refused);
   * files another ticket holds may be that ticket's own work going on beside this one, so they are
   * left alone.
   */
  private async checkLeases(ticket: TicketRecord, owner: string, attempt: number, changed: readonly string[], held: readonly string[], snapshot: ChangeSnapshot, context: DispatchContext): Promise<string[]> {
    const mine = changed.filter((path) => held.some((pattern) => matchesGlob(path, pattern)));
    const others = this.options.store.listLeases(this.options.now()).filter((lease) => lease.owner !== owner);
    // A file another ticket committed meanwhile changed too, but it is clean now (it matches HEAD): only dirty files can be this attempt's.
    const dirtyNow = (await snapshotChanges({ workspace: this.options.repo, ignore: snapshot.ignore, signal: context.signal })).entries;
    const unleased = changed.filter((path) => !mine.includes(path) && dirtyNow.has(path) && !others.some((lease) => matchesGlob(path, lease.pattern)));
    if (unleased.length === 0) return mine;
    const notRestored = await restorePaths(snapshot, unleased, context.signal);
    for (const path of unleased) context.reportEvent('lease:refused', { tool: 'commit', path, ticketId: ticket.id });
    throw new EnsembleError(
      'LEASE_VIOLATION',
      `ticket ${ticket.id} (attempt ${attempt}) changed files it holds no lease on: ${unleased.join(', ')}; ${notRestored.length === 0 ? 'those changes were reverted' : `could not revert ${notRestored.join(', ')}`}`,
      { retryable: true, details: { ticketId: ticket.id, paths: unleased, notRestored } },
    );
  }

  /** Runs the ticket's verify command in the folder the change is in; VERIFICATION_FAILED naming its exit and last lines. */
  private async verify(ticket: TicketRecord, cwd: string, signal: AbortSignal): Promise<void> {
    if (ticket.verify === undefined || ticket.verify.length === 0) return;
    const run = await runVerifyCommand(ticket.verify, { cwd, env: this.options.verifyEnvironment, timeoutMs: this.options.options.verifyTimeoutMs, signal });
    if (isPassing(run)) return;
    const how = run.startError ?? (run.timedOut ? 'timed out' : `exit ${run.exitCode ?? 'none'}`);
    throw new EnsembleError('VERIFICATION_FAILED', `${ticket.verify.join(' ')}: ${how}\n${run.lastLines.join('\n')}`.trimEnd(), {
      details: { ticketId: ticket.id, command: ticket.verify, exitCode: run.exitCode, timedOut: run.timedOut, lastLines: run.lastLines },
    });
  }

  /** Puts back what a failed attempt changed in the shared workspace: its leased files (`locks`), everything (`queue`). */
  private async revertAttempt(snapshot: ChangeSnapshot, held: readonly string[] | undefined, context: DispatchContext): Promise<void> {
    // The run's own signal may be aborted (a cancel): the revert must still happen.
    const signal = AbortSignal.timeout(60_000);
    try {
      const changed = await changedPathsSince(snapshot, signal);
      const ours = held === undefined ? changed : changed.filter((path) => held.some((pattern) => matchesGlob(path, pattern)));
      if (ours.length > 0) await restorePaths(snapshot, ours, signal);
    } catch (error) {
      context.reportWarning('MESSAGE_MALFORMED', `could not revert the failed attempt's changes: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private releaseLeases(ticket: TicketRecord, owner: string, reason: EventPayloads['lease:released']['reason']): void {
    const released = this.options.store.releaseLeases(owner);
    if (released.length > 0) this.record(ticket, 'lease:released', { ticketId: ticket.id, owner, paths: released.map((lease) => lease.pattern), reason });
  }

  private record<T extends TaskEventType>(ticket: TicketRecord, type: T, payload: Omit<EventPayloads[T], 'taskId' | 'agentName'>): void {
    this.options.record(ticket.id, type, payload);
  }

  /** The data folder relative to the repository when it lives inside it (`.ensemble/`): never an agent's change. */
  private dataDirInside(repo: string): string[] {
    const path = relative(resolve(repo), resolve(this.options.dataDir));
    return path === '' || path.startsWith('..') || path.startsWith(sep) ? [] : [path.split(sep).join('/')];
  }
}

/** An attempt at work. */
interface ActiveAttempt {
  readonly ticket: TicketRecord;
  readonly member: string;
  readonly workspace: string;
  /** `branches`: the ticket's worktree. */
  readonly worktree?: string;
  /** `queue`/`locks`: the shared workspace's state when the attempt began. */
  readonly snapshot?: ChangeSnapshot;
  /** `locks`: the ticket's leases. */
  readonly held?: () => readonly string[];
}

/** `T-3: Add the login form (coder-2)`: the ticket's commit message. */
export function commitMessage(ticket: TicketRecord, member: string): string {
  const body = ticket.description.trim() === '' ? '' : `\n\n${ticket.description.trim()}`;
  return `${ticket.id}: ${ticket.title} (${member})${body}\n\nEnsemble-Ticket: ${ticket.id}`;
}

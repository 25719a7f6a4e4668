import { EnsembleError, isEnsembleError, serializeError } from '../../core/index.js';
import type { ConflictPrediction } from '../../core/index.js';
import type { CodebaseStore, ReviewRecord, ReviewStatus, TicketRecord } from '../../store/index.js';
import { ensureBranchWorktree, mergeBranch, predictConflicts, predictMerge, readBranchCommits, rebaseBranch, removeTicketWorktree, resolveMainBranch } from '../git/index.js';
import type { BranchCommits } from '../git/index.js';

/** Options of {@link ReviewQueue}. */
export interface ReviewQueueOptions {
  /** The journal's codebase tables (`RunStore.codebase`). */
  readonly store: CodebaseStore;
  /** The repository's main worktree: the shared workspace whose checked-out branch approved work merges into. */
  readonly repo: string;
  /** Epoch ms now, for the store's timestamps. @default Date.now */
  readonly now?: () => number;
}

/** What {@link ReviewQueue.enqueue} takes: the ticket's committed branch and its worktree. */
export interface EnqueueReviewInput {
  readonly ticketId: string;
  readonly runId: string;
  readonly branch: string;
  readonly worktree: string;
  readonly signal: AbortSignal;
}

/**
 * Tickets' branches waiting for a person (mode `branches`). Each review carries predictions of
 * merging it into the main branch and into every other open review's branch, so conflicts are seen
 * before anyone decides; approving merges it (rebasing first when the main branch moved), and a
 * branch that cannot be rebased cleanly sends its ticket back to the queue to be redone from the
 * main branch. Decisions of one queue run one at a time.
 */
export class ReviewQueue {
  private readonly store: CodebaseStore;
  private readonly repo: string;
  private readonly now: () => number;
  private decisions: Promise<unknown> = Promise.resolve();

  constructor(options: ReviewQueueOptions) {
    this.store = options.store;
    this.repo = options.repo;
    this.now = options.now ?? Date.now;
  }

  /**
   * Queues the ticket's branch for review with fresh predictions, and marks the ticket `review`
   * (with `reviewId` and `branch`). A ticket queued again while its review is open (a resumed run)
   * refreshes that review instead of adding a second one.
   * @throws EnsembleError `NOT_FOUND` for an unknown ticket, `GIT_FAILED` for an unknown branch.
   */
  enqueue(input: EnqueueReviewInput): Promise<ReviewRecord> {
    // One at a time with the decisions: two branches queued at once each predict against the other's review.
    return this.oneAtATime(() => this.enqueueNow(input));
  }

  private async enqueueNow(input: EnqueueReviewInput): Promise<ReviewRecord> {
    const { ticketId, branch, signal } = input;
    this.requireTicket(ticketId);
    const mainBranch = await resolveMainBranch(this.repo, signal);
    const commits = await readBranchCommits({ repo: this.repo, mainBranch, branch, signal });
    const open = this.store.listReviews({ status: 'open' });
    const others = open.filter((review) => review.ticketId !== ticketId).map((review) => review.branch);
    const conflicts = toStoredConflicts(await predictConflicts({ repo: this.repo, mainBranch, branch, others, signal }));
    const existing = open.find((review) => review.ticketId === ticketId);
    const review =
      existing === undefined
        ? this.store.addReview({ ticketId, runId: input.runId, branch, worktree: input.worktree, ...commits, conflicts }, this.now())
        : this.store.updateReview(existing.id, { ...commits, conflicts }, this.now());
    this.store.updateTicket(ticketId, { status: 'review', reviewId: review.id, branch }, this.now());
    return review;
  }

  /**
   * Reviews in the order they were queued (only those in `status` when given). Open reviews get
   * their predictions recomputed and saved first, since the main branch and the other open
   * branches may have moved; one whose branch git no longer knows keeps its last predictions.
   */
  async list(options: { readonly signal: AbortSignal; readonly status?: ReviewStatus }): Promise<ReviewRecord[]> {
    const { signal } = options;
    const reviews = this.store.listReviews(options.status === undefined ? {} : { status: options.status });
    if (!reviews.some((review) => review.status === 'open')) return reviews;
    const mainBranch = await resolveMainBranch(this.repo, signal);
    const openBranches = this.store.listReviews({ status: 'open' }).map((review) => review.branch);
    const refreshed: ReviewRecord[] = [];
    for (const review of reviews) {
      refreshed.push(review.status === 'open' ? await this.refresh(review, mainBranch, openBranches, signal) : review);
    }
    return refreshed;
  }

  /**
   * Approves an open review: merges its branch into the main branch (`git merge --no-ff`), marks it
   * `merged` and its ticket `done`, and removes the worktree and the branch. When the main branch
   * moved so that the merge would conflict, the branch is rebased onto it first; when that conflicts
   * too, the review becomes `needs-retry`, the ticket goes back to `queued` (attempts kept,
   * `lastError` naming the files) to be redone on a fresh worktree, and `MERGE_CONFLICT` is thrown.
   * @throws EnsembleError `NOT_FOUND`, `INVALID_INPUT` (not open; the main worktree has uncommitted
   * changes), `MERGE_CONFLICT`, `GIT_FAILED`.
   */
  approve(id: string, options: { readonly signal: AbortSignal }): Promise<ReviewRecord> {
    return this.oneAtATime(async () => {
      const { signal } = options;
      const review = this.requireOpen(id, 'approved');
      const ticket = this.requireTicket(review.ticketId);
      const mainBranch = await resolveMainBranch(this.repo, signal);
      let headCommit = review.headCommit;
      const prediction = await predictMerge({ repo: this.repo, base: mainBranch, branch: review.branch, signal });
      if (!prediction.clean) {
        await ensureBranchWorktree({ repo: this.repo, path: review.worktree, branch: review.branch, signal });
        const rebased = await rebaseBranch({ worktree: review.worktree, onto: mainBranch, signal });
        if (!rebased.ok) return this.sendBack(review, mainBranch, rebased.files, signal);
        headCommit = rebased.head;
      }
      const mergedCommit = await mergeBranch({ repo: this.repo, branch: review.branch, message: `ensemble: merge ${review.branch} (${ticket.id}: ${ticket.title})`, signal });
      const merged = this.store.updateReview(review.id, { status: 'merged', mergedCommit, headCommit, conflicts: [] }, this.now());
      this.store.updateTicket(ticket.id, { status: 'done', finishedAt: this.now() }, this.now());
      await removeTicketWorktree({ repo: this.repo, path: review.worktree, branch: review.branch, deleteBranch: true, signal });
      return merged;
    });
  }

  /**
   * Rejects an open review with `reason`: the ticket becomes `rejected`, or with `requeue` goes back
   * to `queued` with `lastError` "rejected in review: <reason>" for the next attempt to read. The
   * worktree is removed; the branch is deleted unless the ticket was re-queued.
   * @throws EnsembleError `NOT_FOUND`, `INVALID_INPUT` (not open).
   */
  reject(id: string, options: { readonly reason?: string; readonly requeue?: boolean; readonly signal: AbortSignal }): Promise<ReviewRecord> {
    return this.oneAtATime(async () => {
      const review = this.requireOpen(id, 'rejected');
      const reason = options.reason?.trim() || 'no reason given';
      const requeue = options.requeue ?? false;
      const rejected = this.store.updateReview(review.id, { status: 'rejected', reason }, this.now());
      const message = `rejected in review: ${reason}`;
      this.store.updateTicket(
        review.ticketId,
        requeue
          ? { status: 'queued', lastError: serializeError(new EnsembleError('VERIFICATION_FAILED', message, { details: { reviewId: review.id, reason } })) }
          : { status: 'rejected', finishedAt: this.now() },
        this.now(),
      );
      await removeTicketWorktree({ repo: this.repo, path: review.worktree, branch: review.branch, deleteBranch: !requeue, signal: options.signal });
      return rejected;
    });
  }

  /** Marks the review `needs-retry`, re-queues its ticket with the conflicted files, clears its worktree and branch, and throws `MERGE_CONFLICT`. */
  private async sendBack(review: ReviewRecord, mainBranch: string, files: readonly string[], signal: AbortSignal): Promise<never> {
    const reason = `conflicts with ${mainBranch} in ${files.join(', ')}, also after a rebase`;
    this.store.updateReview(review.id, { status: 'needs-retry', reason, conflicts: [{ against: mainBranch, clean: false, files: [...files] }] }, this.now());
    const error = new EnsembleError(
      'MERGE_CONFLICT',
      `review ${review.id}: ${review.branch} ${reason}; ticket ${review.ticketId} was re-queued to be redone on a fresh worktree from ${mainBranch}`,
      { details: { reviewId: review.id, ticketId: review.ticketId, branch: review.branch, files } },
    );
    this.store.updateTicket(review.ticketId, { status: 'queued', lastError: serializeError(error) }, this.now());
    // The redo must start from the main branch, not reuse this worktree (createTicketWorktree would).
    await removeTicketWorktree({ repo: this.repo, path: review.worktree, branch: review.branch, deleteBranch: true, signal });
    throw error;
  }

  private async refresh(review: ReviewRecord, mainBranch: string, openBranches: readonly string[], signal: AbortSignal): Promise<ReviewRecord> {
    let conflicts: ReturnType<typeof toStoredConflicts>;
    let commits: BranchCommits;
    try {
      const others = openBranches.filter((branch) => branch !== review.branch);
      conflicts = toStoredConflicts(await predictConflicts({ repo: this.repo, mainBranch, branch: review.branch, others, signal }));
      commits = await readBranchCommits({ repo: this.repo, mainBranch, branch: review.branch, signal });
    } catch (error) {
      if (signal.aborted || !isEnsembleError(error) || error.code !== 'GIT_FAILED') throw error;
      return review;
    }
    return this.store.updateReview(review.id, { ...commits, conflicts }, this.now());
  }

  private requireOpen(id: string, decision: string): ReviewRecord {
    const review = this.store.getReview(id);
    if (review === undefined) throw new EnsembleError('NOT_FOUND', `unknown review "${id}"`, { details: { reviewId: id } });
    if (review.status !== 'open') {
      throw new EnsembleError('INVALID_INPUT', `review ${id} is ${review.status}; only an open review can be ${decision}`, { details: { reviewId: id, status: review.status } });
    }
    return review;
  }

  private requireTicket(id: string): TicketRecord {
    const ticket = this.store.getTicket(id);
    if (ticket === undefined) throw new EnsembleError('NOT_FOUND', `unknown ticket "${id}"`, { details: { ticketId: id } });
    return ticket;
  }

  /** Runs `work` after the decisions before it settled: two approvals of one review must not both merge. */
  private oneAtATime<Result>(work: () => Promise<Result>): Promise<Result> {
    const run = this.decisions.then(work, work);
    this.decisions = run.catch(() => undefined);
    return run;
  }
}

/** Predictions as the store takes them (mutable arrays). */
function toStoredConflicts(predictions: readonly ConflictPrediction[]): { against: string; clean: boolean; files: string[] }[] {
  return predictions.map((prediction) => ({ against: prediction.against, clean: prediction.clean, files: [...prediction.files] }));
}

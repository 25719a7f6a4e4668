/** The section's heading: `npm run bench:tickets` replaces the section it starts, nothing else. */
export const TICKETS_HEADING = '## Ticket runs: 8 agents, 40 tickets, 200 files';

/** The command that writes the section. */
export const TICKETS_COMMAND = 'npm run bench:tickets';

export type BenchMode = 'queue' | 'locks' | 'branches';

/** What approving every open review in queue order did (mode `branches`). */
export interface ReviewFigures {
  readonly reviewCount: number;
  /** Reviews with at least one predicted conflict when they were queued (against main or an open branch). */
  readonly conflictingReviewCount: number;
  readonly conflictsAgainstMain: number;
  /** Conflicting (review, other branch) pairs, each counted once: by the review queued later. */
  readonly conflictingBranchPairs: number;
  readonly mergedCount: number;
  readonly needsRetryCount: number;
  /** Any other outcome of an approval (an error that is not MERGE_CONFLICT). */
  readonly failedApprovalCount: number;
  readonly approveAllMs: number;
}

/** The figures of one mode's run. */
export interface ModeFigures {
  readonly mode: BenchMode;
  /** The run's outcome (`succeeded` unless something went wrong). */
  readonly outcome: string;
  /** `start()` to its end, in ms. */
  readonly wallMs: number;
  /** The 1-minute load average when the mode started (other work on the machine slows every figure). */
  readonly loadAverageAtStart: number;
  /** Mean time of one ticket's attempt (task:start → task:complete), in ms: agent time plus its overhead under this load. */
  readonly meanTicketMs: number;
  readonly ticketCount: number;
  /** Tickets whose task completed (committed on main in `queue`/`locks`, queued for review in `branches`). */
  readonly completedCount: number;
  /** Tasks that failed for good. */
  readonly failedCount: number;
  readonly retryCount: number;
  /** Most tickets at work at once (task:start … task:complete/error/retry). */
  readonly maxParallel: number;
  /** Mean and largest of (first ticket:assigned − workflow:start), in ms. */
  readonly meanWaitToAssignMs: number;
  readonly maxWaitToAssignMs: number;
  readonly deferredCount: number;
  /** Deferrals because of files: overlap with work in progress, or leases refused. */
  readonly fileDeferredCount: number;
  /** Tickets deferred at least once because of files, and their summed wait (first such deferral → assignment), in ms. */
  readonly ticketsWaitingForFiles: number;
  readonly fileWaitMs: number;
  readonly leaseRefusedCount: number;
  readonly review?: ReviewFigures;
}

/** The workload, as the section describes it. */
export interface WorkloadFigures {
  readonly seed: number;
  readonly fileCount: number;
  readonly ticketCount: number;
  readonly teamSize: number;
  readonly overlappingTicketCount: number;
  readonly hotFileCount: number;
  readonly dependentTicketCount: number;
  readonly agentTimeMs: number;
  readonly agentJitterMs: number;
  readonly totalAgentTimeMs: number;
  /** Tickets on the heaviest dependency chain and its summed agent time, in ms. */
  readonly chainLength: number;
  readonly chainAgentTimeMs: number;
}

/** Everything the section reports. */
export interface TicketsBenchReport {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  /** CPU, cores, memory, OS, Node, git. */
  readonly machine: string;
  /** The bench's hard deadline, in ms. */
  readonly deadlineMs: number;
  readonly workload: WorkloadFigures;
  readonly modes: readonly ModeFigures[];
}

const seconds = (valueMs: number): string => (Number.isFinite(valueMs) ? (valueMs / 1000).toFixed(2) : '-');

/** Tickets completed per minute of wall time. */
export function throughputPerMinute(figures: Pick<ModeFigures, 'completedCount' | 'wallMs'>): number {
  return figures.wallMs > 0 ? (figures.completedCount / figures.wallMs) * 60_000 : Number.NaN;
}

/** The lower bound of a team of `teamSize` with no overhead: max(heaviest chain, total agent time ÷ team size), in ms. */
export function idealBoundMs(workload: Pick<WorkloadFigures, 'totalAgentTimeMs' | 'chainAgentTimeMs' | 'teamSize'>): number {
  return Math.max(workload.chainAgentTimeMs, workload.totalAgentTimeMs / workload.teamSize);
}

/** The conflicts column: predictions for `branches`, none by construction otherwise. */
function conflictsCell(figures: ModeFigures): string {
  const review = figures.review;
  if (review === undefined) return '0 (by construction)';
  const share = review.reviewCount === 0 ? 0 : review.conflictingReviewCount / review.reviewCount;
  return `${review.conflictingReviewCount} of ${review.reviewCount} reviews (${(share * 100).toFixed(0)}%)`;
}

function approvalCell(figures: ModeFigures): string {
  const review = figures.review;
  if (review === undefined) return '-';
  const failed = review.failedApprovalCount > 0 ? `, ${review.failedApprovalCount} failed` : '';
  return `${review.mergedCount} merged / ${review.needsRetryCount} needs-retry${failed} (${seconds(review.approveAllMs)} s)`;
}

function fileWaitCell(figures: ModeFigures): string {
  if (figures.ticketsWaitingForFiles === 0) return '0';
  return `${figures.ticketsWaitingForFiles} tickets, ${figures.fileDeferredCount} deferrals, ${seconds(figures.fileWaitMs)} s in all`;
}

/** How much longer a ticket took beside others than alone: when near the parallelism, the cores, not the assignment, bound throughput. */
function contentionNote(modes: readonly ModeFigures[]): string[] {
  const alone = modes.find((figures) => figures.mode === 'queue');
  const parallel = modes.filter((figures) => figures.mode !== 'queue' && figures.maxParallel > 1);
  if (alone === undefined || parallel.length === 0 || !(alone.meanTicketMs > 0)) return [];
  const ratios = parallel.map((figures) => `${(figures.meanTicketMs / alone.meanTicketMs).toFixed(1)}× in \`${figures.mode}\` (up to ${figures.maxParallel} at once)`);
  return [
    `A ticket took ${seconds(alone.meanTicketMs)} s alone (\`queue\`) and ${ratios.join(', ')}. A slowdown close to the number at work means the machine's cores, not the assignment, bound the throughput here: each ticket is a Node process plus several git processes, and the load average shows what else ran.`,
    '',
  ];
}

/** The table rows (header, separator, one row per mode), also printed to stdout. */
export function formatTicketsTable(report: TicketsBenchReport): string[] {
  const ideal = idealBoundMs(report.workload);
  return [
    '| mode | load average at start | outcome | wall (s) | mean ticket (s) | tickets completed | throughput (tickets/min) | wall ÷ ideal bound | max parallel | mean / max wait to assignment (s) | ticket:deferred | waits on files | lease:refused | predicted conflicts | approve all in order |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.modes.map(
      (figures) =>
        `| ${figures.mode} | ${figures.loadAverageAtStart.toFixed(2)} | ${figures.outcome}${figures.failedCount > 0 ? ` (${figures.failedCount} failed)` : ''}${figures.retryCount > 0 ? ` (${figures.retryCount} retries)` : ''} | ${seconds(figures.wallMs)} | ${seconds(figures.meanTicketMs)} | ${figures.completedCount} of ${figures.ticketCount} | ` +
        `${throughputPerMinute(figures).toFixed(1)} | ${(figures.wallMs / ideal).toFixed(1)} | ${figures.maxParallel} | ${seconds(figures.meanWaitToAssignMs)} / ${seconds(figures.maxWaitToAssignMs)} | ` +
        `${figures.deferredCount} | ${fileWaitCell(figures)} | ${figures.leaseRefusedCount} | ${conflictsCell(figures)} | ${approvalCell(figures)} |`,
    ),
  ];
}

/** The BENCHMARKS.md section (its first line is {@link TICKETS_HEADING}). */
export function formatTicketsSection(report: TicketsBenchReport): string[] {
  const { workload } = report;
  const ideal = idealBoundMs(workload);
  const branches = report.modes.find((figures) => figures.review !== undefined)?.review;
  return [
    TICKETS_HEADING,
    '',
    `Written by \`${TICKETS_COMMAND}\` on ${report.date}. Machine: ${report.machine}.`,
    '',
    `Workload (seed ${workload.seed}): a git repository of ${workload.fileCount} files (\`src/mod-XX/file-YY.ts\`, 20 folders × 10), whose first line names the file; ${workload.ticketCount} tickets of 1-3 files each, random priorities 1-10. ` +
      `${workload.overlappingTicketCount} tickets (${((workload.overlappingTicketCount / workload.ticketCount) * 100).toFixed(0)}%) share one of ${workload.hotFileCount} hot files with others; every other file is named by one ticket. ` +
      `${workload.dependentTicketCount} tickets depend on an earlier one. The team is ${workload.teamSize} members of one fake coding agent (a \`command\` agent, one Node process per ticket): it sleeps ${workload.agentTimeMs} ms ± ${workload.agentJitterMs} ms (fixed per ticket) to stand for agent time, then rewrites the first line of each file its ticket names, so two edits of one file conflict in git. ` +
      `Each mode runs on a fresh copy of the same repository with a fresh journal, through \`prepareTicketRun\` (default options: overlap threshold 0 in \`queue\`/\`locks\`, 1 in \`branches\`); the bench has a hard ${report.deadlineMs / 1000} s deadline.`,
    '',
    `Bounds for context: total agent time ${seconds(workload.totalAgentTimeMs)} s (one agent at a time: \`queue\` cannot beat it); heaviest dependency chain ${workload.chainLength} tickets, ${seconds(workload.chainAgentTimeMs)} s of agent time (the critical-path bound); ideal ${workload.teamSize}-way bound max(chain, total ÷ ${workload.teamSize}) = ${seconds(ideal)} s. ` +
      'Agent time counts only the sleep: process start-up, the lease and assignment bookkeeping, `git commit` (`queue`/`locks`), the worktree, commit and merge predictions (`branches`) come on top, and this machine runs all of it on its few cores.',
    '',
    ...formatTicketsTable(report),
    '',
    ...contentionNote(report.modes),
    '*Wall*: `start()` to the run\'s end. *Mean ticket*: `task:start` → `task:complete` of a ticket, averaged: its agent time plus process start-up and commit under this load. *Completed*: tasks that succeeded — committed on the main branch in `queue`/`locks`, committed on their own branch and queued for review in `branches`. *Max parallel*: most tickets between `task:start` and their `task:complete`/`task:error`/`task:retry` at once. *Wait to assignment*: a ticket\'s first `ticket:assigned` − `workflow:start`. ' +
      '*Waits on files*: tickets deferred because their files overlapped a ticket at work (or, in `locks`, their leases were refused), how many such deferrals were journaled (one per change of reason), and the time from each one\'s first such deferral to its assignment, summed. ' +
      '*lease:refused*: writes outside a ticket\'s leases the guard refused (the fake agent writes only its files). `queue` and `locks` never let two tickets with a common file run at once, so they cannot conflict; what they pay instead is the waiting above.',
    '',
    branches === undefined
      ? 'No `branches` run to report conflicts for.'
      : `*Predicted conflicts* (\`branches\`): reviews whose predictions, made when the review was queued (\`git merge-tree\` against main and each branch already in review), include an unclean merge — ${branches.conflictsAgainstMain} against main, ${branches.conflictingBranchPairs} (review, branch) pairs. ` +
        `*Approve all in order*: \`ReviewQueue.approve\` on every open review in the order they were queued: a review that no longer merges cleanly is rebased; one whose rebase conflicts becomes \`needs-retry\` and its ticket goes back to the queue (to be redone from main by a later run).`,
    '',
  ];
}

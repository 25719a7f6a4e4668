import { resolve } from 'node:path';
import { ReviewQueue } from '../../codebase/index.js';
import { openRunStore, type RunStore } from '../../store/index.js';
import { isOwnerAlive } from '../../host/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { sanitizeTerminalLine } from '../terminal/index.js';
import { outputColumns, renderFittedTable } from './fit-table.js';
import { describeConflicts } from './ticket-events.js';

interface WorkspaceFlags {
  readonly workspace?: string;
}

interface RejectFlags extends WorkspaceFlags {
  readonly reason?: string;
  readonly requeue?: boolean;
}

const WORKSPACE_FLAG = ['--workspace <dir>', 'the git repository the branches merge into (default: the current folder)'] as const;

/** `review list|approve|reject`: the branches of mode `branches` waiting for a person. */
export function registerReviewCommands(program: Command, action: ActionFactory): void {
  const review = program.command('review').description('review queue (mode branches): list branches with predicted conflicts, approve (merge) or reject them');
  review
    .command('list')
    .description('open reviews with fresh conflict predictions against the main branch and the other open branches')
    .option(...WORKSPACE_FLAG)
    .action(action((context, flags: WorkspaceFlags) => listReviews(context, flags)));
  review
    .command('approve')
    .description('merge a review branch into the main branch (rebased first when the main branch moved); its ticket is done')
    .argument('<id>', 'the review: R-<n>')
    .option(...WORKSPACE_FLAG)
    .action(action((context, id: string, flags: WorkspaceFlags) => approveReview(context, id, flags)));
  review
    .command('reject')
    .description('reject a review branch: its ticket is rejected, or queued again with --requeue')
    .argument('<id>', 'the review: R-<n>')
    .option('--reason <text>', 'why: the next attempt reads it when re-queued')
    .option('--requeue', 'queue the ticket again instead of rejecting it')
    .option(...WORKSPACE_FLAG)
    .action(action((context, id: string, flags: RejectFlags) => rejectReview(context, id, flags)));
}

/** Opens the journal and a review queue on the workspace; closes the journal after `body`. */
async function withReviewQueue<T>(context: CliContext, flags: WorkspaceFlags, body: (queue: ReviewQueue, store: RunStore) => Promise<T>): Promise<T> {
  const store = openRunStore(context.storePath);
  try {
    store.reconcileInterrupted(isOwnerAlive);
    const queue = new ReviewQueue({ store: store.codebase, repo: resolve(context.cwd, flags.workspace ?? '.') });
    return await body(queue, store);
  } finally {
    store.close();
  }
}

async function listReviews(context: CliContext, flags: WorkspaceFlags): Promise<number> {
  const signal = new AbortController().signal;
  const reviews = await withReviewQueue(context, flags, (queue) => queue.list({ status: 'open', signal }));
  if (context.options.json) {
    context.printJson({ reviews });
    return EXIT_OK;
  }
  if (reviews.length === 0) {
    context.print('no reviews waiting');
    return EXIT_OK;
  }
  const { palette } = context;
  const rows = [['REVIEW', 'TICKET', 'BRANCH', 'PREDICTION']];
  for (const review of reviews) {
    const prediction = describeConflicts(review.conflicts);
    rows.push([review.id, review.ticketId, review.branch, prediction === 'clean' ? palette.green(prediction) : palette.yellow(sanitizeTerminalLine(prediction))]);
  }
  context.print(renderFittedTable(rows, palette, outputColumns(context)));
  context.print(palette.dim('approve: ensemble review approve <id> · reject: ensemble review reject <id> --reason "…" [--requeue]'));
  return EXIT_OK;
}

async function approveReview(context: CliContext, id: string, flags: WorkspaceFlags): Promise<number> {
  const signal = new AbortController().signal;
  const review = await withReviewQueue(context, flags, (queue) => queue.approve(id, { signal }));
  if (context.options.json) context.printJson({ review });
  else context.print(`merged ${review.id} (${review.ticketId}, ${review.branch})${review.mergedCommit === undefined ? '' : ` as ${review.mergedCommit.slice(0, 12)}`}; ${review.ticketId} is done`);
  return EXIT_OK;
}

async function rejectReview(context: CliContext, id: string, flags: RejectFlags): Promise<number> {
  const signal = new AbortController().signal;
  const requeue = flags.requeue === true;
  const review = await withReviewQueue(context, flags, (queue) => queue.reject(id, { ...(flags.reason === undefined ? {} : { reason: flags.reason }), requeue, signal }));
  if (context.options.json) context.printJson({ review, requeued: requeue });
  else context.print(`rejected ${review.id}; ${review.ticketId} ${requeue ? 'is queued again' : 'is rejected'}`);
  return EXIT_OK;
}

import { TASK_STATUSES, type RunStatus, type TaskStatus } from '../../core/index.js';
import type { RunStore } from '../../store/index.js';

/** Every run status, in the order the exposition lists them. */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const satisfies readonly RunStatus[];

/** Runs and tasks per status over the whole journal: every run, also those other processes execute. */
export interface JournalStatusCounts {
  readonly runs: Readonly<Record<RunStatus, number>>;
  readonly tasks: Readonly<Record<TaskStatus, number>>;
}

/** Most runs the store lists at once (its `listRuns` limit). */
const MAX_LISTED_RUNS = 100_000;

/**
 * Counts the journal's runs and tasks per status, as the store projects them. Reads every run and
 * every task row (outputs included), which takes about 1.3 s for 100,000 tasks: issue 9 asks the
 * store for `countRunsByStatus`/`countTasksByStatus`, which this becomes once it has them.
 */
export function countJournalStatuses(store: RunStore): JournalStatusCounts {
  const runs = zeroCounts(RUN_STATUSES);
  const tasks = zeroCounts(TASK_STATUSES);
  for (const run of store.listRuns({ limit: MAX_LISTED_RUNS })) {
    runs[run.status]++;
    for (const task of store.listTasks(run.runId)) tasks[task.status]++;
  }
  return { runs, tasks };
}

function zeroCounts<Status extends string>(statuses: readonly Status[]): Record<Status, number> {
  return Object.fromEntries(statuses.map((status) => [status, 0])) as Record<Status, number>;
}

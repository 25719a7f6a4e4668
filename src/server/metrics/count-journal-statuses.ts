import type { RunStatus, TaskStatus } from '../../core/index.js';
import type { RunStore } from '../../store/index.js';

/** Runs and tasks per status over the whole journal: every run, also those other processes execute. */
export interface JournalStatusCounts {
  readonly runs: Readonly<Record<RunStatus, number>>;
  readonly tasks: Readonly<Record<TaskStatus, number>>;
}

/** Counts the journal's runs and tasks per status, as the store projects them (runs from an index; tasks by a scan, ~270 ms per 100,000 tasks). */
export function countJournalStatuses(store: RunStore): JournalStatusCounts {
  return { runs: store.countRunsByStatus(), tasks: store.countTasksByStatus() };
}

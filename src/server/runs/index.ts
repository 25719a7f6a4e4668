/** The runs a server executes, and how the API shows runs of the journal. */
export { ServerRuns, RESUME_ON_START } from './server-runs.js';
export type { ServerRunsOptions, StartedRun } from './server-runs.js';
export { toRunListItem, toRunTaskViews, toRunError } from './run-list-item.js';
export type { RunListItem, RunTaskView } from './run-list-item.js';

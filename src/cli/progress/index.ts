/** Terminal views of a running run, all derived from the core's run state (`applyRunEvent`). */
export { LiveProgressView } from './live-progress-view.js';
export { LineProgressView } from './line-progress-view.js';
export { renderFrame, columnWidths } from './render-frame.js';
export type { FrameSize } from './render-frame.js';
export { renderSummary } from './render-summary.js';
export type { SummaryOptions } from './render-summary.js';
export { renderTaskRow, statusColour } from './render-task-row.js';
export type { RowWidths } from './render-task-row.js';
export { describeProviderWait, describeProviderPause } from './describe-provider-wait.js';
export { SIMULATED_NOTICE } from './simulated-notice.js';
/** The line printed for an `agent:message` (`✉ from → to: first line`) or a `run:warning`, sanitised; undefined for other events. */
export { renderNoticeLine } from './render-notice-line.js';

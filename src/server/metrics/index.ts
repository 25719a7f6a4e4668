/** Prometheus metrics of `ensemble serve` (`GET /metrics`): run events counted as they happen, runs and tasks read from the journal at scrape time. */

/**
 * Creates the metrics of one server in a private registry: `observe` every journaled event of the
 * runs it executes or follows (live events only, not replays), call `sseClientOpened`/`sseClientClosed`
 * around each SSE stream, and answer `GET /metrics` with `render()` and `contentType`.
 */
export { createServerMetrics } from './create-server-metrics.js';
/** Options of `createServerMetrics` (journal, live runs, queue source, logger, process metrics, label limit) and what it returns. */
export type { ServerMetricsOptions, ServerMetrics } from './create-server-metrics.js';
/** What `ensemble_queue_jobs{state}` and `ensemble_workers` are read from at scrape time: the distributed mode's task queue (BullMQ over `--redis`). */
export type { QueueMetricsSource, QueueJobState } from './queue-gauges.js';
/** The job states `ensemble_queue_jobs{state}` exports: waiting, active, delayed, completed, failed. */
export { QUEUE_JOB_STATES } from './queue-gauges.js';

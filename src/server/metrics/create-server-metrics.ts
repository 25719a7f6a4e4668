import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Logger, RunEvent, RunState } from '../../core/index.js';
import { stderrLogger } from '../../host/index.js';
import type { RunStore } from '../../store/index.js';
import { EventMetrics } from './event-metrics.js';
import { LabelValueCap } from './label-value-cap.js';
import { NewEventFilter } from './new-event-filter.js';
import { registerQueueGauges, type QueueMetricsSource } from './queue-gauges.js';
import { registerAgentResourceGauges } from './agent-resource-gauges.js';
import { registerScrapeGauges } from './scrape-gauges.js';

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /** The server's journal: runs and tasks by state, and the shared codebase's tickets, escalations and reviews, are read from it at scrape time (all runs, also those other processes run). */
  readonly store: RunStore;
  /** The runs this server executes now, as the core reducer folds them: for ready-queue depth and running agents. */
  readonly liveRuns: () => Iterable<RunState>;
  /** Where the first failure of each kind (an event that could not be counted, an unreadable journal) is reported. @default `ensemble: …` lines on stderr */
  readonly logger?: Logger;
  /** Export the process metrics of prom-client (CPU, memory, event loop lag, GC) as `ensemble_process_*` and `ensemble_nodejs_*`. @default true */
  readonly processMetrics?: boolean;
  /** Distinct values kept per label (agent, model, provider, tool); later ones are exported as `other`. @default 1000 */
  readonly maxLabelValues?: number;
  /** The distributed task queue (BullMQ over `--redis`), read at scrape time for `ensemble_queue_jobs{state}` and `ensemble_workers`. @default none: `ensemble_workers 0`, no queue series */
  readonly queueSource?: QueueMetricsSource;
  /** How long a scrape waits for each read of `queueSource` before going on without its gauge, in ms. @default 2000 */
  readonly queueReadTimeoutMs?: number;
}

/** The Prometheus metrics of one `ensemble serve`, in a registry of its own. */
export interface ServerMetrics {
  /** Counts one journaled event of a run this server executes or follows; an event seen before (same run, seq not above the last) is ignored. Never throws. */
  observe(event: RunEvent): void;
  /** An SSE client connected. */
  sseClientOpened(): void;
  /** An SSE client went away. */
  sseClientClosed(): void;
  /** The text exposition format (content type in `contentType`). */
  render(): Promise<string>;
  /** The `Content-Type` of {@link ServerMetrics.render}'s text. */
  readonly contentType: string;
}

/** Runs whose last seq is remembered to drop events seen twice. */
const MAX_TRACKED_RUNS = 10_000;
/** Attempts in flight whose model is remembered until their spend arrives. */
const MAX_TRACKED_ATTEMPTS = 100_000;
const DEFAULT_MAX_LABEL_VALUES = 1_000;
/** Well under Prometheus' default scrape_timeout (10 s), so a Redis outage costs a gauge, not the scrape. */
const DEFAULT_QUEUE_READ_TIMEOUT_MS = 2_000;
const PROCESS_METRICS_PREFIX = 'ensemble_';
const MISNAMED_PROCESS_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

/** Where a failure the metrics survive came from. */
type FailureSource = 'observe' | 'journal' | 'live_runs' | 'codebase' | 'queue';

/**
 * Creates the metrics of one server: counters fed by {@link ServerMetrics.observe}, and gauges read
 * at scrape time from the journal (runs and tasks by status), from the live runs (ready tasks,
 * running agents) and from the distributed queue when there is one (jobs by state, workers). Uses a private registry, never prom-client's global one, so two servers in one
 * process (tests, embedding applications) do not mix their figures.
 */
export function createServerMetrics(options: ServerMetricsOptions): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const logger = options.logger ?? stderrLogger;
  const labels = new LabelValueCap(options.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES);
  const eventMetrics = new EventMetrics({ registry, labels, maxAttempts: MAX_TRACKED_ATTEMPTS });
  const newEvents = new NewEventFilter(MAX_TRACKED_RUNS);
  const failures = new Counter({
    name: 'ensemble_metrics_errors_total',
    help: 'Failures the metrics survived, by source (observe: an event not counted; journal, live_runs, codebase, queue: a scrape without those gauges).',
    labelNames: ['source'],
    registers,
  });
  const reported = new Set<FailureSource>();
  const fail = (source: FailureSource, error: unknown): void => {
    failures.inc({ source });
    // The first failure of a kind is logged; the rest only counted, so a bad event stream cannot flood the log.
    if (reported.has(source)) return;
    reported.add(source);
    logger.error(`metrics: ${source} failed (further failures are counted in ensemble_metrics_errors_total)`, error);
  };

  const beginScrape = registerScrapeGauges({ registry, store: options.store, liveRuns: options.liveRuns, fail });
  registerQueueGauges({ registry, source: options.queueSource, timeoutMs: options.queueReadTimeoutMs ?? DEFAULT_QUEUE_READ_TIMEOUT_MS, fail });
  // Issue 13: what agents on this host use (CPU seconds, RSS), the host's CPU and memory, each running run's process-agent limit.
  registerAgentResourceGauges({ registry, store: options.store, maxLabelValues: options.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES, fail });

  let sseClientCount = 0;
  const sseClients = new Gauge({ name: 'ensemble_sse_clients', help: 'Server-Sent Events clients connected now.', registers });
  sseClients.set(0);
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: PROCESS_METRICS_PREFIX });
    // prom-client names these gauges `_total`, a suffix only counters may carry (promtool check metrics
    // rejects it); the per-type gauges without the suffix hold the same figures, summed.
    for (const name of MISNAMED_PROCESS_GAUGES) registry.removeSingleMetric(`${PROCESS_METRICS_PREFIX}${name}`);
  }

  return {
    observe(event) {
      try {
        if (newEvents.isNew(event)) eventMetrics.record(event);
      } catch (error) {
        fail('observe', error);
      }
    },
    sseClientOpened() {
      sseClients.set(++sseClientCount);
    },
    sseClientClosed() {
      // A close without an open (a double close) must not drive the gauge below zero.
      sseClientCount = Math.max(0, sseClientCount - 1);
      sseClients.set(sseClientCount);
    },
    render() {
      beginScrape();
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}

import { Gauge, type Registry } from 'prom-client';
import { EnsembleError } from '../../core/index.js';

/** The job states `ensemble_queue_jobs{state}` exports: BullMQ's names, the ones a dashboard needs. */
export const QUEUE_JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;

/** One of {@link QUEUE_JOB_STATES}. */
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

/** Where the distributed mode's queue figures come from (BullMQ over `--redis`), asked at scrape time. */
export interface QueueMetricsSource {
  /** Jobs of the task queue by state (BullMQ's `getJobCounts`); states other than {@link QUEUE_JOB_STATES} are ignored. */
  queueCounts(): Promise<Readonly<Record<string, number>>>;
  /** Workers connected to the queue now. */
  workers(): Promise<number>;
}

/** Options of {@link registerQueueGauges}. */
export interface QueueGaugesOptions {
  readonly registry: Registry;
  /** Absent in single-process mode: `ensemble_workers` is then 0 and `ensemble_queue_jobs` has no series. */
  readonly source: QueueMetricsSource | undefined;
  /** How long one read may take before the scrape goes on without it, in ms. */
  readonly timeoutMs: number;
  /** Reports a read that failed or timed out; its gauge then has no series in that scrape. */
  readonly fail: (source: 'queue', error: unknown) => void;
}

/**
 * Registers `ensemble_queue_jobs{state}` and `ensemble_workers`, read from the source at each
 * scrape. A read that throws or hangs (Redis down: ioredis queues commands until it reconnects)
 * leaves its gauge without a sample rather than a stale or made-up figure, and never fails the scrape.
 */
export function registerQueueGauges(options: QueueGaugesOptions): void {
  const registers = [options.registry];
  const { source } = options;
  new Gauge({
    name: 'ensemble_queue_jobs',
    help: 'Jobs of the distributed task queue, by state (waiting, active, delayed, completed, failed); no series without --redis.',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      if (source === undefined) return;
      try {
        const counts = await withTimeout(source.queueCounts(), options.timeoutMs, 'queueCounts');
        for (const state of QUEUE_JOB_STATES) {
          const count = counts[state];
          // Third-party figures: a missing or nonsensical count is left out, not exported as 0.
          if (typeof count === 'number' && Number.isFinite(count) && count >= 0) this.set({ state }, count);
        }
      } catch (error) {
        options.fail('queue', error);
      }
    },
  });
  new Gauge({
    name: 'ensemble_workers',
    help: 'Workers connected to the distributed task queue now (0 without --redis).',
    registers,
    async collect() {
      if (source === undefined) {
        this.set(0);
        return;
      }
      try {
        const workers = await withTimeout(source.workers(), options.timeoutMs, 'workers');
        if (!Number.isFinite(workers) || workers < 0) throw new EnsembleError('INTERNAL', `the queue source reported ${workers} workers`, { details: { workers } });
        this.set(workers);
      } catch (error) {
        // prom-client keeps a sample for an unlabelled gauge; removing the empty label set drops it.
        this.remove({});
        options.fail('queue', error);
      }
    },
  });
}

/** `promise`, or a rejection naming `what` once `timeoutMs` passed. */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new EnsembleError('REDIS_UNAVAILABLE', `the queue source's ${what}() took longer than ${timeoutMs} ms`, { retryable: true, details: { timeoutMs } })),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

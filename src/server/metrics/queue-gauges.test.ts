import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../core/index.js';
import { openRunStore, type RunStore } from '../../store/index.js';
import { startTestRedis, type TestRedisServer } from '../../../test/helpers/redis-server.js';
import { createServerMetrics, QUEUE_JOB_STATES, type QueueMetricsSource, type ServerMetrics } from './index.js';
import { waitUntil } from '../../../test/helpers/wait-until.js';

const openStores: RunStore[] = [];
afterEach(() => {
  for (const store of openStores.splice(0)) store.close();
});

/** Metrics over an empty temp journal with `queueSource`; errors go to `logged`. */
function metricsWith(queueSource: QueueMetricsSource | undefined, queueReadTimeoutMs?: number): { metrics: ServerMetrics; logged: string[] } {
  const store = openRunStore(join(mkdtempSync(join(tmpdir(), 'ensemble-queue-metrics-')), 'journal.db'));
  openStores.push(store);
  const logged: string[] = [];
  const logger: Logger = { warn: (message) => logged.push(`warn: ${message}`), error: (message, error) => logged.push(`error: ${message}: ${String(error)}`) };
  const metrics = createServerMetrics({
    store,
    liveRuns: () => [],
    logger,
    processMetrics: false,
    ...(queueSource === undefined ? {} : { queueSource }),
    ...(queueReadTimeoutMs === undefined ? {} : { queueReadTimeoutMs }),
  });
  return { metrics, logged };
}

/** The sample lines of `name` (exactly that name, any labels). */
function samplesOf(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
}

describe('queue gauges: ensemble_queue_jobs{state} and ensemble_workers', () => {
  it('exports ensemble_workers 0 and no queue series without a queue source', async () => {
    const text = await metricsWith(undefined).metrics.render();
    expect(samplesOf(text, 'ensemble_workers')).toEqual(['ensemble_workers 0']);
    expect(text).toContain('# TYPE ensemble_queue_jobs gauge');
    expect(samplesOf(text, 'ensemble_queue_jobs')).toEqual([]);
  });

  it('reads the source at every scrape, exporting the five states and ignoring others and nonsense counts', async () => {
    let counts: Record<string, number> = { waiting: 3, active: 2, delayed: 1, completed: 40, failed: 5, prioritized: 7 };
    let workers = 4;
    const { metrics } = metricsWith({ queueCounts: () => Promise.resolve(counts), workers: () => Promise.resolve(workers) });
    const first = await metrics.render();
    expect(samplesOf(first, 'ensemble_queue_jobs')).toEqual([
      'ensemble_queue_jobs{state="waiting"} 3',
      'ensemble_queue_jobs{state="active"} 2',
      'ensemble_queue_jobs{state="delayed"} 1',
      'ensemble_queue_jobs{state="completed"} 40',
      'ensemble_queue_jobs{state="failed"} 5',
    ]);
    expect(samplesOf(first, 'ensemble_workers')).toEqual(['ensemble_workers 4']);

    counts = { waiting: 0, active: Number.NaN, delayed: -1, completed: 41 };
    workers = 1;
    const second = await metrics.render();
    expect(samplesOf(second, 'ensemble_queue_jobs')).toEqual(['ensemble_queue_jobs{state="waiting"} 0', 'ensemble_queue_jobs{state="completed"} 41']);
    expect(samplesOf(second, 'ensemble_workers')).toEqual(['ensemble_workers 1']);
  });

  it('a source that throws or rejects costs its series, not the scrape, and is logged once', async () => {
    let isBroken = true;
    const source: QueueMetricsSource = {
      queueCounts: () => (isBroken ? Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')) : Promise.resolve({ waiting: 2 })),
      workers: () => {
        if (isBroken) throw new Error('ECONNREFUSED 127.0.0.1:6379');
        return Promise.resolve(3);
      },
    };
    const { metrics, logged } = metricsWith(source);
    for (let scrape = 0; scrape < 3; scrape++) {
      const text = await metrics.render();
      expect(samplesOf(text, 'ensemble_queue_jobs')).toEqual([]);
      expect(samplesOf(text, 'ensemble_workers')).toEqual([]);
      // The rest of the exposition is there.
      expect(text).toContain('ensemble_sse_clients 0');
    }
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^error: metrics: queue failed/);

    isBroken = false;
    const healed = await metrics.render();
    expect(samplesOf(healed, 'ensemble_queue_jobs')).toEqual(['ensemble_queue_jobs{state="waiting"} 2']);
    expect(samplesOf(healed, 'ensemble_workers')).toEqual(['ensemble_workers 3']);
    // Three scrapes, two failed reads each.
    expect(samplesOf(await metrics.render(), 'ensemble_metrics_errors_total')).toEqual(['ensemble_metrics_errors_total{source="queue"} 6']);
  });

  it('a source that never answers is given up after the read timeout', async () => {
    const never = new Promise<never>(() => {});
    const { metrics, logged } = metricsWith({ queueCounts: () => never, workers: () => never }, 50);
    const text = await metrics.render();
    expect(samplesOf(text, 'ensemble_queue_jobs')).toEqual([]);
    expect(samplesOf(text, 'ensemble_workers')).toEqual([]);
    expect(logged.join('\n')).toMatch(/took longer than 50 ms/);
  });
});

describe('queue gauges over a real BullMQ queue in a redis-server of its own', () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await startTestRedis();
  }, 30_000);
  afterAll(async () => {
    await redis?.dispose();
  });

  it('counts the jobs by state and the connected workers as BullMQ reports them', async () => {
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    const prefix = `queue-gauges-${process.pid}`;
    const queue = new Queue('tasks', { connection, prefix });
    const workers: Worker[] = [];
    try {
      const source: QueueMetricsSource = { queueCounts: () => queue.getJobCounts(...QUEUE_JOB_STATES), workers: () => queue.getWorkersCount() };
      const { metrics } = metricsWith(source);
      await queue.add('a', {});
      await queue.add('b', {});
      await queue.add('c', {}, { delay: 60_000 });
      const queued = await metrics.render();
      expect(samplesOf(queued, 'ensemble_queue_jobs')).toEqual([
        'ensemble_queue_jobs{state="waiting"} 2',
        'ensemble_queue_jobs{state="active"} 0',
        'ensemble_queue_jobs{state="delayed"} 1',
        'ensemble_queue_jobs{state="completed"} 0',
        'ensemble_queue_jobs{state="failed"} 0',
      ]);
      expect(samplesOf(queued, 'ensemble_workers')).toEqual(['ensemble_workers 0']);

      for (let index = 0; index < 2; index++) {
        const worker = new Worker('tasks', () => Promise.resolve('done'), { connection, prefix, autorun: false });
        workers.push(worker);
      }
      for (const worker of workers) void worker.run();
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
      await waitUntil(async () => (await queue.getJobCounts('completed')).completed === 2, 'both jobs to complete', { timeoutMs: 10_000, intervalMs: 20 });
      const done = await metrics.render();
      expect(samplesOf(done, 'ensemble_queue_jobs')).toContain('ensemble_queue_jobs{state="completed"} 2');
      expect(samplesOf(done, 'ensemble_queue_jobs')).toContain('ensemble_queue_jobs{state="waiting"} 0');
      expect(samplesOf(done, 'ensemble_workers')).toEqual(['ensemble_workers 2']);
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
      await queue.close();
    }
  }, 30_000);
});

/** Resolves once `isDone` holds, checking every 20 ms; rejects after `timeoutMs`. */

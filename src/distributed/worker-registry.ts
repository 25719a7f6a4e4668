import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { DEFAULT_PREFIX, TASK_QUEUE_NAME, dispatchKeys } from './redis-keys.js';

/** Seconds a worker's heartbeat lives: three missed beats and it is gone from `listWorkers`. */
export const WORKER_HEARTBEAT_TTL_SECONDS = 15;
/** How often a worker renews its heartbeat, in ms. */
export const WORKER_HEARTBEAT_INTERVAL_MS = 5_000;

/** One live worker process, as its heartbeat says. */
export interface WorkerStatus {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** Jobs it runs at once. */
  readonly concurrency: number;
  /** Jobs it was running at its last heartbeat. */
  readonly running: number;
  /** Epoch ms it started. */
  readonly startedAt: number;
}

const workerStatusSchema = z.looseObject({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  concurrency: z.number(),
  running: z.number(),
  startedAt: z.number(),
});

/** Where to find the queue: a connection factory and the key prefix. */
export interface QueueLocation {
  /** Opens a connection; the caller's function closes what it opened. */
  readonly connect: () => Redis;
  /** @default 'ensemble' */
  readonly prefix?: string;
}

/** Writes one worker's heartbeat (`<prefix>:worker:<id>`), which expires after `ttlMs` unless renewed. @default 15 s */
export async function writeWorkerHeartbeat(redis: Redis, prefix: string, status: WorkerStatus, ttlMs: number = WORKER_HEARTBEAT_TTL_SECONDS * 1_000): Promise<void> {
  await redis.set(dispatchKeys(prefix).worker(status.id), JSON.stringify(status), 'PX', ttlMs);
}

/**
 * How often a worker beats and how long a beat lasts: at most every 5 s, and twice per lock period,
 * so a dead worker's agents are found (three missed beats) about as soon as its jobs are recovered.
 */
export function heartbeatTimingOf(lockDurationMs: number): { readonly intervalMs: number; readonly ttlMs: number } {
  const intervalMs = Math.min(WORKER_HEARTBEAT_INTERVAL_MS, Math.max(250, Math.floor(lockDurationMs / 2)));
  return { intervalMs, ttlMs: 3 * intervalMs };
}

/** The workers whose heartbeat is current, by id. */
export async function listWorkers(location: QueueLocation): Promise<WorkerStatus[]> {
  const redis = location.connect();
  try {
    const keys = dispatchKeys(location.prefix ?? DEFAULT_PREFIX);
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', keys.workerPattern, 'COUNT', 500);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    if (found.length === 0) return [];
    const values = await redis.mget(...found);
    const workers: WorkerStatus[] = [];
    for (const value of values) {
      if (value === null) continue;
      try {
        const parsed = workerStatusSchema.safeParse(JSON.parse(value));
        if (parsed.success) workers.push(parsed.data);
      } catch {
        // A half-written or foreign value: not a worker we can report.
      }
    }
    return workers.sort((left, right) => left.id.localeCompare(right.id));
  } finally {
    redis.disconnect();
  }
}

/** Jobs of the task queue by state. */
export interface QueueCounts {
  /** Waiting to be taken (prioritized jobs included). */
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  /** Completed jobs still kept (1 h). */
  readonly completed: number;
  /** Failed jobs still kept (24 h): jobs lost in BullMQ itself (a worker stalled too often), never agent failures. */
  readonly failed: number;
}

/** How many jobs the task queue holds in each state. */
export async function queueCounts(location: QueueLocation): Promise<QueueCounts> {
  const connection = location.connect();
  // BullMQ leaves a connection it was handed open: it is closed here.
  const queue = new Queue(TASK_QUEUE_NAME, { connection, prefix: location.prefix ?? DEFAULT_PREFIX });
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    return {
      waiting: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
      active: counts['active'] ?? 0,
      delayed: counts['delayed'] ?? 0,
      completed: counts['completed'] ?? 0,
      failed: counts['failed'] ?? 0,
    };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

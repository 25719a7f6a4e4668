import { DEFAULT_REDIS_PREFIX } from './redis-connection.js';

/** The key prefix of every Redis key of ensemble's scale-out (also BullMQ's `prefix`). */
export const DEFAULT_PREFIX = DEFAULT_REDIS_PREFIX;

/** The BullMQ queue task attempts go on. */
export const TASK_QUEUE_NAME = 'tasks';

/** The Redis keys and channels of the dispatch protocol, for one prefix. */
export interface DispatchKeys {
  /** Stream of one execution's items (worker to coordinator). */
  stream(executionId: string): string;
  /** Set (EX 3600) when an execution was cancelled: a worker taking its job later fails it at once. */
  cancelled(executionId: string): string;
  /** Hash pgid -> {host, pid, startTicks} of the process groups a running execution started. */
  groups(executionId: string): string;
  /** Pattern matching every execution's process-group hash. */
  readonly groupsPattern: string;
  /** One worker's heartbeat (JSON, expiring after three missed beats). */
  worker(workerId: string): string;
  /** Pattern matching every worker heartbeat key. */
  readonly workerPattern: string;
  /** The pub/sub channel of cancels. */
  readonly cancelChannel: string;
  /** BullMQ's hash of one job. */
  job(jobId: string): string;
}

/** The keys of the dispatch protocol under `prefix`. */
export function dispatchKeys(prefix: string = DEFAULT_PREFIX): DispatchKeys {
  return {
    stream: (executionId) => `${prefix}:exec:${executionId}`,
    cancelled: (executionId) => `${prefix}:cancelled:${executionId}`,
    groups: (executionId) => `${prefix}:groups:${executionId}`,
    groupsPattern: `${prefix}:groups:*`,
    worker: (workerId) => `${prefix}:worker:${workerId}`,
    workerPattern: `${prefix}:worker:*`,
    cancelChannel: `${prefix}:cancel`,
    job: (jobId) => `${prefix}:${TASK_QUEUE_NAME}:${jobId}`,
  };
}

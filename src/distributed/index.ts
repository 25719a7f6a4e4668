/**
 * Scale-out on Redis: the BullMQ task queue between a coordinator (which keeps the graph and the
 * journal) and `ensemble worker` processes, and the run state they share there (budget, leases).
 */
export { DEFAULT_REDIS_PREFIX, parseRedisUrl, withoutCredentials, createRedisConnector, checkRedisReachable } from './redis-connection.js';
export type { RedisConnector } from './redis-connection.js';
/** A run's budget (run, agent and task caps) shared by every worker of a distributed run. */
export { createRedisBudgetLedger, seedRedisBudget } from './redis-budget-ledger.js';
export type { RedisBudgetLedger, RedisBudgetLedgerOptions, SeedRedisBudgetOptions } from './redis-budget-ledger.js';
/** The task queue between a coordinator and `ensemble worker` processes. */
export { QueueDispatcher } from './queue-dispatcher.js';
export type { QueueDispatcherOptions } from './queue-dispatcher.js';
export { startTaskWorker } from './task-worker.js';
export type { TaskWorker, TaskWorkerOptions, TaskJobEvent } from './task-worker.js';
export { taskJobSchema, parseTaskJob, toJobId, TASK_JOB_VERSION } from './task-job.js';
export type { TaskJob, TaskJobRunSettings } from './task-job.js';
/** Live workers (heartbeats) and the queue's jobs by state: `/metrics`, the CLI. */
export { listWorkers, queueCounts } from './worker-registry.js';
export type { WorkerStatus, QueueCounts, QueueLocation } from './worker-registry.js';
/** The file lease table in Redis shared by every process of a distributed run (the SQLite table's rules, async, compare-and-set commits). */
export { createRedisLeaseTable } from './redis-lease-table.js';
export type { RedisLeaseTable, RedisLeaseTableOptions } from './redis-lease-table.js';
/** A task's `LeaseGuard` over the Redis lease table (same answers and messages as the store guard). */
export { createRedisLeaseGuard } from './redis-lease-guard.js';
export type { RedisLeaseGuardOptions } from './redis-lease-guard.js';

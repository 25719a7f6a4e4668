import type { Logger } from '../core/index.js';
import { RedisMessageBus } from '../bus/index.js';
import { DEFAULT_REDIS_PREFIX, checkRedisReachable, createRedisConnector, startTaskWorker, withoutCredentials } from '../distributed/index.js';
import { createWorkerExecutor } from './worker-executor.js';

/** Options of {@link startEnsembleWorker}. */
export interface EnsembleWorkerOptions {
  /** The Redis of the queue. */
  readonly url: string;
  /** @default 'ensemble' */
  readonly prefix?: string;
  /** Tasks run at once. */
  readonly concurrency: number;
  /** The worker's own agent folders (`--agents-dir`), absolute; their definitions win over the ones jobs carry. */
  readonly agentDirs: readonly string[];
  /** Runs every task here instead of the coordinator's workspace path. @default the job's workspace */
  readonly workspaceDir?: string;
  /** How long a job's lock lasts without renewal: a killed worker's tasks go to another worker within about twice this, in ms. @default 10000 */
  readonly lockDurationMs?: number;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** Told when a task starts and ends here (the CLI prints a line each). */
  readonly onJob?: (event: { readonly executionId: string; readonly phase: 'start' | 'end'; readonly status?: 'succeeded' | 'failed' | 'cancelled' }) => void;
}

/** A running `ensemble worker`. */
export interface EnsembleWorker {
  readonly id: string;
  readonly concurrency: number;
  /** The Redis URL without credentials. */
  readonly redis: string;
  /** Stops taking tasks, lets running ones finish (then cancels what is left) and disconnects. */
  close(): Promise<void>;
}

/**
 * Starts a worker of distributed runs in this process: it takes queued attempts from Redis and
 * runs each as the coordinator's local dispatcher would, reporting back through the queue.
 * REDIS_UNAVAILABLE when Redis does not answer.
 */
export async function startEnsembleWorker(options: EnsembleWorkerOptions): Promise<EnsembleWorker> {
  await checkRedisReachable(options.url);
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const connect = createRedisConnector(options.url, { logger: options.logger, name: 'ensemble-worker' });
  const bus = new RedisMessageBus({ connect, prefix, logger: options.logger });
  const execute = createWorkerExecutor({ connect, prefix, agentDirs: options.agentDirs, env: options.env, cwd: options.cwd, bus, logger: options.logger });
  const workspaceDir = options.workspaceDir;
  const worker = await startTaskWorker({
    connect,
    prefix,
    concurrency: options.concurrency,
    execute,
    ...(workspaceDir === undefined ? {} : { workspaceFor: () => workspaceDir }),
    ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
    bus,
    logger: options.logger,
    ...(options.onJob === undefined ? {} : { onJob: options.onJob }),
  });
  return {
    id: worker.id,
    concurrency: options.concurrency,
    redis: withoutCredentials(options.url),
    close: async () => {
      await worker.close();
      await execute.close();
      await bus.close();
    },
  };
}

import { Redis } from 'ioredis';
import { AgentRegistry, LocalDispatcher, type AgentDefinition } from '../../src/agents/index.js';
import type { Logger } from '../../src/core/index.js';
import { QueueDispatcher, type QueueDispatcherOptions } from '../../src/distributed/queue-dispatcher.js';
import { startTaskWorker, type TaskWorker, type TaskWorkerOptions } from '../../src/distributed/task-worker.js';

/** An agent definition for dispatch tests. */
export function distributedAgent(name: string, fields: Partial<AgentDefinition>): AgentDefinition {
  return { name, description: `${name} agent`, category: 'testing', runtime: 'llm', tools: [], prompt: '', source: 'distributed test', extra: {}, ...fields };
}

/** A connection factory to a test Redis (BullMQ's blocking reads need `maxRetriesPerRequest: null`). */
export function distributedConnector(url: string): () => Redis {
  return () => {
    const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(50 * times, 500) });
    client.on('error', () => undefined);
    return client;
  };
}

/** A logger that keeps what it is told, for assertions (and stays quiet). */
export function distributedLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (message) => lines.push(`warn: ${message}`), error: (message, cause) => lines.push(`error: ${message}${cause === undefined ? '' : `: ${String(cause)}`}`) };
}

/** A worker whose `execute` runs a LocalDispatcher over `definitions` (the job's own definition wins). */
export function startDistributedTestWorker(
  url: string,
  prefix: string,
  definitions: readonly AgentDefinition[],
  options: Partial<Omit<TaskWorkerOptions, 'connect' | 'prefix' | 'execute'>> = {},
): Promise<TaskWorker> {
  return startTaskWorker({
    connect: distributedConnector(url),
    prefix,
    concurrency: 4,
    logger: distributedLogger(),
    ...options,
    execute: (job, context) => {
      const registry = new AgentRegistry();
      for (const definition of definitions) registry.register(definition);
      return new LocalDispatcher({ registry, inProcess: new Map(), ...(job.run.simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs: job.run.simulatedLatencyMs }) }).dispatch(job.request, context);
    },
  });
}

/** A coordinator-side QueueDispatcher for tests, describing tasks as a LocalDispatcher over `definitions` would. */
export function createDistributedTestDispatcher(
  url: string,
  prefix: string,
  definitions: readonly AgentDefinition[],
  options: Partial<Omit<QueueDispatcherOptions, 'connect' | 'prefix' | 'describe'>> = {},
): QueueDispatcher {
  const registry = new AgentRegistry();
  for (const definition of definitions) registry.register(definition);
  const local = new LocalDispatcher({ registry, inProcess: new Map() });
  return new QueueDispatcher({
    connect: distributedConnector(url),
    prefix,
    describe: (task) => local.describe(task),
    jobFor: (request, context) => ({ workspace: context.workspace, run: { enableCommunication: true } }),
    logger: distributedLogger(),
    ...options,
  });
}

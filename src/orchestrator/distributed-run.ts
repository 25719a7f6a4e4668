import { foldRunEvents, type BudgetCaps, type BudgetCharge, type Logger, type MessageBus, type SchedulerPrior, type TaskDispatcher, type TaskGraph } from '../core/index.js';
import type { AgentRegistry, InProcessAgent, LocalDispatcher } from '../agents/index.js';
import { RedisMessageBus } from '../bus/index.js';
import {
  DEFAULT_REDIS_PREFIX,
  QueueDispatcher,
  createRedisBudgetLedger,
  createRedisConnector,
  seedRedisBudget,
  type RedisBudgetLedger,
  type RedisConnector,
} from '../distributed/index.js';
import type { RunStore } from '../store/index.js';

/** What a run needs to run its tasks on workers. */
export interface DistributedRunOptions {
  readonly url: string;
  readonly prefix: string | undefined;
  readonly runId: string;
  readonly graph: TaskGraph;
  readonly caps: BudgetCaps;
  /** A resume's prior: its spend seeds the shared budget. */
  readonly prior: SchedulerPrior | undefined;
  /** A resume's journal: attempts in flight when the last coordinator stopped are re-attached to. */
  readonly store: RunStore | undefined;
  readonly isResume: boolean;
  readonly logger: Logger;
}

/** The Redis side of one distributed run: its bus, shared budget, and the dispatcher that queues its tasks. */
export interface DistributedRun {
  readonly connect: RedisConnector;
  readonly prefix: string;
  readonly bus: MessageBus;
  /** The run's budget on Redis (workers hold and spend against it too), when a cap is set. */
  readonly budget: RedisBudgetLedger | undefined;
  /** Wraps the coordinator's local dispatcher: file agents go to the queue, in-process agents stay here. */
  readonly wrapLocal: (local: LocalDispatcher, wiring: QueueJobWiring) => TaskDispatcher;
  close(): Promise<void>;
}

/** What the coordinator tells a worker about the run besides the task. */
export interface QueueJobWiring {
  readonly registry: AgentRegistry;
  readonly inProcess: ReadonlyMap<string, InProcessAgent>;
  readonly provider: string | undefined;
  readonly runModel: string | undefined;
  readonly defaultModel: string | undefined;
  readonly simulatedLatencyMs: number | undefined;
  readonly enableCommunication: boolean;
}

/**
 * Opens a distributed run (its Redis was checked to answer before the run was journaled): seeds
 * the run's shared budget from the journal (the truth after a crash), and finds the attempts a
 * resume re-attaches to instead of queueing them again.
 */
export async function openDistributedRun(options: DistributedRunOptions): Promise<DistributedRun> {
  const connect = createRedisConnector(options.url, { logger: options.logger, name: `ensemble-coordinator-${options.runId}` });
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const bus = new RedisMessageBus({ connect, prefix, logger: options.logger });
  const isCapped = options.caps.run !== undefined || Object.keys(options.caps.agents ?? {}).length > 0 || Object.keys(options.caps.tasks ?? {}).length > 0;
  let budget: RedisBudgetLedger | undefined;
  if (isCapped) {
    await seedRedisBudget({ connect, prefix, runId: options.runId, spent: priorSpend(options.graph, options.prior) });
    budget = createRedisBudgetLedger({ connect, prefix, runId: options.runId, caps: options.caps });
  }
  const reattach = options.isResume && options.store !== undefined ? inFlightExecutions(options.store, options.runId) : new Map<string, string>();
  const dispatchers: QueueDispatcher[] = [];
  return {
    connect,
    prefix,
    bus,
    budget,
    wrapLocal: (local, wiring) => {
      const dispatcher = new QueueDispatcher({
        connect,
        prefix,
        logger: options.logger,
        describe: (task) => local.describe(task),
        // Library agents are code in this process: they cannot cross to a worker.
        local: { dispatcher: local, isLocal: (task) => wiring.inProcess.has(task.agentName) },
        reattach,
        jobFor: (request, context) => {
          const agent = wiring.registry.get(request.task.agentName);
          return {
            workspace: context.workspace,
            ...(agent === undefined ? {} : { agent }),
            run: {
              ...(wiring.provider === undefined ? {} : { provider: wiring.provider }),
              ...(wiring.runModel === undefined ? {} : { model: wiring.runModel }),
              ...(wiring.defaultModel === undefined ? {} : { defaultModel: wiring.defaultModel }),
              ...(wiring.simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs: wiring.simulatedLatencyMs }),
              enableCommunication: wiring.enableCommunication,
              ...(isCapped ? { caps: options.caps } : {}),
            },
            ...(context.member === undefined ? {} : { member: context.member }),
          };
        },
      });
      dispatchers.push(dispatcher);
      return dispatcher;
    },
    close: async () => {
      await Promise.allSettled(dispatchers.map((dispatcher) => dispatcher.close()));
      await budget?.close();
      await bus.close();
    },
  };
}

/** What earlier executions spent, per task: finished tasks and unfinished ones alike. */
function priorSpend(graph: TaskGraph, prior: SchedulerPrior | undefined): BudgetCharge[] {
  const spent: BudgetCharge[] = [];
  for (const task of graph.tasks) {
    const earlier = prior?.completed.get(task.id) ?? prior?.spend?.get(task.id);
    if (earlier !== undefined) spent.push({ taskId: task.id, agentName: task.agentName, tokens: earlier.usage.totalTokens, costUsd: earlier.costUsd });
  }
  return spent;
}

/**
 * Attempts journaled as started and never ended, by task: the coordinator stopped while workers ran
 * them, so a resume follows those jobs (`<run>:<task>:<attempt>`) instead of queueing the task again.
 */
export function inFlightExecutions(store: RunStore, runId: string): Map<string, string> {
  const state = foldRunEvents(store.readEvents(runId));
  const inFlight = new Map<string, string>();
  for (const task of state.tasks.values()) {
    if (task.status === 'running' && task.attempts > 0) inFlight.set(task.taskId, `${runId}:${task.taskId}:${task.attempts}`);
  }
  return inFlight;
}

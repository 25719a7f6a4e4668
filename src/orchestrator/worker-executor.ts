import { resolve, sep } from 'node:path';
import type { DispatchContext, Logger, MessageBus, TaskOutcome } from '../core/index.js';
import { AgentRegistry, LocalDispatcher, buildAgentEnvironment, loadAgentRegistry, simulatedLatencyFromEnv, type AgentDefinition, type LlmRuntime } from '../agents/index.js';
import { createProviderGovernor, createRedisPauseChannel, type ProviderGovernor } from '../providers/index.js';
import { loadEnsembleConfig, resolveProviderPolicy, type EnsembleConfig } from '../config/index.js';
import { createMcpToolSource, loadMcpServers } from '../tools/index.js';
import { createRedisBudgetLedger, type RedisConnector, type TaskJob } from '../distributed/index.js';
import { createRunLlmRuntime } from './create-run-llm-runtime.js';

/** Options of {@link createWorkerExecutor}. */
export interface WorkerExecutorOptions {
  readonly connect: RedisConnector;
  readonly prefix: string;
  /** The worker's own agent folders (`--agents-dir`): their definitions win over the ones jobs carry. */
  readonly agentDirs: readonly string[];
  /** The worker's environment: provider keys and ENSEMBLE_* settings of this machine. */
  readonly env: NodeJS.ProcessEnv;
  /** Where the worker was started (relative agent folders are taken from here). */
  readonly cwd: string;
  /** The bus the worker's running agents hear messages on (the run's Redis bus). */
  readonly bus: MessageBus;
  readonly logger: Logger;
}

/** Runs one queued attempt in this process, as the coordinator's local dispatcher would have. */
export type WorkerExecutor = ((job: TaskJob, context: DispatchContext) => Promise<TaskOutcome>) & { close(): Promise<void> };

/**
 * The worker's side of a distributed run: for each job, the agent definition it carries (or the
 * worker's own, from `--agents-dir`), the provider this machine has keys for (the run's choice
 * when given), the run's model, budget (shared on Redis) and communication setting, and one provider
 * governor per worker whose 429 pauses reach every other worker through Redis.
 */
export function createWorkerExecutor(options: WorkerExecutorOptions): WorkerExecutor {
  const agentDirs = options.agentDirs.map((dir) => resolve(options.cwd, dir));
  const ownAgents = agentDirs.length === 0 ? undefined : loadAgentRegistry({ agentDirs, cwd: options.cwd, onWarning: options.logger.warn.bind(options.logger) });
  const isOwnDefinition = (definition: AgentDefinition): boolean => agentDirs.some((dir) => definition.source.startsWith(dir + sep));
  const configs = new Map<string, EnsembleConfig>();
  const runtimes = new Map<string, LlmRuntime | undefined>();
  const pauses = createRedisPauseChannel({ connect: options.connect, prefix: options.prefix, logger: options.logger });
  let governor: ProviderGovernor | undefined;
  const warn = (message: string): void => options.logger.warn(message);

  const configFor = (workspace: string, provider: string | undefined): EnsembleConfig => {
    const key = `${workspace}\u0000${provider ?? ''}`;
    let config = configs.get(key);
    if (config === undefined) {
      config = loadEnsembleConfig({ cwd: workspace, env: options.env, ...(provider === undefined ? {} : { provider }) });
      configs.set(key, config);
    }
    return config;
  };

  const execute = async (job: TaskJob, context: DispatchContext): Promise<TaskOutcome> => {
    const { request, run } = job;
    const config = configFor(context.workspace, run.provider);
    const policy = resolveProviderPolicy(config.providerPolicy, undefined);
    governor ??= createProviderGovernor({ ...policy, pauseChannel: pauses, logger: options.logger });
    const runtimeKey = `${context.workspace}\u0000${run.provider ?? ''}`;
    if (!runtimes.has(runtimeKey)) runtimes.set(runtimeKey, createRunLlmRuntime({ config, policy, isJournaled: true, onWarning: warn }));
    const llmRuntime = runtimes.get(runtimeKey);
    const registry = new AgentRegistry({ onWarning: warn });
    const own = ownAgents?.get(request.task.agentName);
    const definition = own !== undefined && isOwnDefinition(own) ? own : (job.agent ?? own);
    if (definition !== undefined) registry.register(definition);
    const budget = run.caps === undefined ? undefined : createRedisBudgetLedger({ connect: options.connect, prefix: options.prefix, runId: request.runId, caps: run.caps });
    const servers = await loadMcpServers({ workspaceDir: context.workspace, configServers: config.mcpServers ?? {} });
    const mcp =
      servers.length === 0
        ? undefined
        : createMcpToolSource(servers, {
            clientName: 'ensemble-worker',
            workspaceDir: context.workspace,
            env: buildAgentEnvironment(options.env, undefined, {}),
            logger: { warn, error: warn },
          });
    const simulatedLatencyMs = run.simulatedLatencyMs ?? simulatedLatencyFromEnv(options.env);
    const model = run.model;
    const defaultModel = run.defaultModel ?? config.model;
    const local = new LocalDispatcher({
      registry,
      inProcess: new Map(),
      ...(simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs }),
      ...(model === undefined ? {} : { runModel: model }),
      ...(budget === undefined ? {} : { budget }),
      ...(llmRuntime === undefined ? {} : { llmRuntime }),
      ...(defaultModel === undefined ? {} : { defaultModel }),
      gate: governor,
      ...(mcp === undefined ? {} : { mcp }),
      onWarning: warn,
      enableCommunication: run.enableCommunication,
      bus: options.bus,
    });
    try {
      return await local.dispatch(request, context);
    } finally {
      await mcp?.close();
      await budget?.close();
    }
  };
  return Object.assign(execute, {
    close: async () => {
      await pauses.close();
    },
  });
}

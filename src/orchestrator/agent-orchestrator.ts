import {
  BudgetLedger,
  EnsembleError,
  EventHub,
  RunScheduler,
  assertValidGraph,
  buildTaskGraph,
  runConfigSchema,
  taskSpecSchema,
  toInputIssues,
  validateGraph,
  type AnyRunEventListener,
  type BudgetCap,
  type Clock,
  type PriorTaskResult,
  type RunConfig,
  type RunEventListener,
  type RunEventOf,
  type RunEventType,
  type RunOutcome,
  type TaskInput,
  type TaskGraph,
  type TaskSpec,
} from '../core/index.js';
import {
  LocalDispatcher,
  createLlmRuntime,
  inProcessAgents,
  loadAgentRegistry,
  simulatedLatencyFromEnv,
  type AgentRegistry,
  type InProcessAgent,
  type LlmRuntime,
} from '../agents/index.js';
import { defaultProviderGovernor } from '../providers/index.js';
import { systemClock } from '../host/index.js';
import { loadEnsembleConfig, selectProvider, type EnsembleConfig } from '../config/index.js';
import { defaultStorePath, openRunStore, type RunStore } from '../store/index.js';
import { createRunId } from './run-id.js';
import { currentOwner, isOwnerAlive } from './process-owner.js';
import { orchestratorOptionsSchema, type OrchestratorOptions } from './schema.js';


/** Library configuration: the HTTP body's `config` plus where agents and data live. */
export interface OrchestratorConfig extends OrchestratorOptions {
  /** Path of the SQLite journal, an open store, or `false` for no journal (no resume). @default $ENSEMBLE_HOME/ensemble.db */
  readonly store?: string | false | RunStore;
  /** A preloaded agent registry; by default agents are loaded from `agentDirs`, ./agents, ./.claude/agents, ~/.claude/agents and the catalogue. */
  readonly registry?: AgentRegistry;
  /** Time source, for tests. @default the system clock */
  readonly clock?: Clock;
  /** Called when an event listener throws; the run goes on. @default writes to stderr */
  readonly onListenerError?: (error: unknown, event: RunEventOf<RunEventType>) => void;
  /**
   * Model providers, tiers, prices and budget, already loaded (tests, embedding applications).
   * @default loaded once from `workspaceDir`'s ensemble.config.yaml and process.env
   */
  readonly ensembleConfig?: EnsembleConfig;
  /** Receives configuration warnings (unknown model prices, missing usage figures). @default writes to stderr */
  readonly onWarning?: (message: string) => void;
}

/** The run's spending caps (run, per agent, per task), or undefined when none is set. */
function createBudgetLedger(
  config: RunConfig,
  tasks: readonly TaskSpec[],
  completed: ReadonlyMap<string, PriorTaskResult> | undefined,
): BudgetLedger | undefined {
  const taskCaps = Object.fromEntries(tasks.filter((task) => task.budget !== undefined).map((task) => [task.id, task.budget!]));
  const ledger = new BudgetLedger({
    ...(config.budget?.run === undefined ? {} : { run: config.budget.run }),
    ...(config.budget?.agents === undefined ? {} : { agents: config.budget.agents }),
    tasks: taskCaps,
  });
  if (!ledger.isCapped) return undefined;
  // A resumed run has already spent what its finished tasks used: caps cover the whole run.
  for (const task of tasks) {
    const result = completed?.get(task.id);
    if (result !== undefined) ledger.record({ taskId: task.id, agentName: task.agentName, tokens: result.usage.totalTokens, costUsd: result.costUsd });
  }
  return ledger;
}

/**
 * Runs one workflow of agent tasks: `addTasks`, then `execute()` (or `resume(runId)`), with
 * progress through `on(type, listener)`. One orchestrator runs one run.
 */
export class AgentOrchestrator {
  private readonly config: OrchestratorConfig;
  private readonly options: ReturnType<typeof orchestratorOptionsSchema.parse>;
  private readonly hub: EventHub;
  private readonly tasks: TaskSpec[] = [];
  private readonly localAgents = new Map<string, InProcessAgent>();
  private registry: AgentRegistry | undefined;
  private loadedConfig: EnsembleConfig | undefined;
  private scheduler: RunScheduler | undefined;
  private isStarted = false;
  private cancelReason: string | undefined;
  private currentRunId: string | undefined;

  constructor(config: OrchestratorConfig = {}) {
    const {
      store: _store,
      registry: _registry,
      clock: _clock,
      onListenerError: _onListenerError,
      ensembleConfig: _ensembleConfig,
      onWarning: _onWarning,
      ...serialisable
    } = config;
    const parsed = orchestratorOptionsSchema.safeParse(serialisable);
    if (!parsed.success) {
      const issues = toInputIssues(parsed.error, 'config');
      throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
    }
    this.config = config;
    this.options = parsed.data;
    this.registry = config.registry;
    this.hub = new EventHub(
      config.onListenerError ??
        ((error, event) => {
          process.stderr.write(`ensemble: a listener of ${event.type} threw: ${error instanceof Error ? error.message : String(error)}\n`);
        }),
    );
  }

  /** The id of the run once `execute()` or `resume()` has started it. */
  get runId(): string | undefined {
    return this.currentRunId;
  }

  /** Adds tasks; each is checked now, so a bad field is reported with its path (`tasks[2].priority`). */
  addTasks(tasks: readonly TaskInput[]): this {
    if (this.isStarted) throw new EnsembleError('INVALID_INPUT', 'tasks cannot be added after the run started');
    const offset = this.tasks.length;
    const problems: string[] = [];
    tasks.forEach((input, index) => {
      const parsed = taskSpecSchema.safeParse(input);
      if (parsed.success) this.tasks.push(parsed.data);
      else for (const issue of toInputIssues(parsed.error, `tasks[${offset + index}]`)) problems.push(`${issue.path}: ${issue.message}`);
    });
    if (problems.length > 0) throw new EnsembleError('INVALID_INPUT', problems.join('\n'), { details: { problems } });
    return this;
  }

  /** Registers an agent that runs in this process, for this orchestrator only. */
  registerAgent(agent: InProcessAgent): this {
    this.localAgents.set(agent.name, agent);
    return this;
  }

  on<T extends RunEventType>(type: T, listener: RunEventListener<T>): () => void;
  on(type: '*', listener: AnyRunEventListener): () => void;
  on(type: RunEventType | '*', listener: (event: never) => void): () => void {
    return this.hub.on(type as '*', listener as AnyRunEventListener);
  }

  /** Resolves with the first event of `type` that satisfies `predicate`. */
  waitForEvent<T extends RunEventType>(
    type: T,
    predicate?: (event: RunEventOf<T>) => boolean,
    options?: { readonly signal?: AbortSignal },
  ): Promise<RunEventOf<T>> {
    return this.hub.waitForEvent(type, predicate, options);
  }

  /** Stops the run promptly; `execute()` then resolves with status `cancelled`. */
  cancel(reason?: string): void {
    this.cancelReason = reason ?? 'run cancelled';
    this.scheduler?.cancel(this.cancelReason);
  }

  /** Validates the graph (nothing runs if it is invalid), journals the run and executes it. */
  async execute(): Promise<RunOutcome> {
    this.claimStart();
    const config = this.runConfig();
    const runId = createRunId();
    const tasks = this.tasks;
    // Validate before touching the journal: an invalid graph leaves no trace and runs nothing.
    const prepared = this.prepareTasks(tasks);
    return this.runWithStore(async (store) => {
      store?.createRun({
        runId,
        workflowName: this.options.workflowName ?? 'workflow',
        ...(this.options.workflowId === undefined ? {} : { workflowId: this.options.workflowId }),
        spec: { tasks, config, parameters: this.options.parameters ?? {} },
        owner: currentOwner(),
        createdAt: (this.config.clock ?? systemClock).now(),
      });
      return this.runScheduler(runId, prepared, config, store, undefined);
    });
  }

  /**
   * Continues an unfinished run from its journal: tasks that succeeded keep their outputs and do
   * not run again; everything else (in flight at a crash, failed, skipped, cancelled) runs.
   */
  async resume(runId: string): Promise<RunOutcome> {
    this.claimStart();
    return this.runWithStore(async (store) => {
      if (store === undefined) throw new EnsembleError('RUN_NOT_RESUMABLE', 'resume needs a journal; this orchestrator has store: false');
      const run = store.getRun(runId);
      if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${store.path}`, { details: { runId } });
      if (run.status === 'succeeded') {
        throw new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" already succeeded; there is nothing to resume`, { details: { runId } });
      }
      if (run.status === 'running' && isOwnerAlive(run.owner) && run.owner.pid !== process.pid) {
        throw new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" is still running in process ${run.owner.pid} on ${run.owner.host}`, {
          details: { runId, owner: run.owner },
        });
      }
      this.ensembleConfig();
      const config = runConfigSchema.parse({ ...run.spec.config, ...this.overrides() });
      const prepared = this.prepareTasks(run.spec.tasks);
      const completed = store.completedTasks(runId);
      store.claimRun(runId, currentOwner());
      return this.runScheduler(runId, prepared, config, store, { completed, nextSeq: store.lastSeq(runId) + 1, workflowName: run.workflowName, workflowId: run.workflowId });
    });
  }

  private claimStart(): void {
    if (this.isStarted) throw new EnsembleError('INVALID_INPUT', 'an orchestrator runs one run; create another for the next');
    this.isStarted = true;
  }

  private overrides(): Partial<RunConfig> {
    const { maxParallelAgents, contextStrategy, enableCommunication, globalTimeout, pruningThreshold, retry, abortGraceMs, budget } = this.options;
    const entries = Object.entries({ maxParallelAgents, contextStrategy, enableCommunication, globalTimeout, pruningThreshold, retry, abortGraceMs, budget });
    return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as Partial<RunConfig>;
  }

  /** The run config: explicit settings over the config file's budget, field by field (a run's `tokens` cap keeps the file's `costUsd`). */
  private runConfig(): RunConfig {
    const overrides = this.overrides();
    const fileBudget = this.ensembleConfig().budget;
    if (fileBudget === undefined) return runConfigSchema.parse(overrides);
    const run = { ...fileBudget.run, ...overrides.budget?.run };
    const agents: Record<string, BudgetCap> = { ...fileBudget.agents };
    for (const [name, cap] of Object.entries(overrides.budget?.agents ?? {})) agents[name] = { ...agents[name], ...cap };
    const budget = { ...(Object.keys(run).length === 0 ? {} : { run }), ...(Object.keys(agents).length === 0 ? {} : { agents }) };
    return runConfigSchema.parse({ ...overrides, budget });
  }

  /** Providers, models, prices and budget from ensemble.config.yaml and the environment, loaded once. */
  private ensembleConfig(): EnsembleConfig {
    if (this.loadedConfig === undefined) {
      const given = this.config.ensembleConfig;
      if (given === undefined) {
        this.loadedConfig = loadEnsembleConfig({
          cwd: this.options.workspaceDir ?? process.cwd(),
          env: process.env,
          ...(this.options.provider === undefined ? {} : { provider: this.options.provider }),
        });
      } else if (this.options.provider === undefined) {
        this.loadedConfig = given;
      } else {
        const { provider, providers } = selectProvider({ requested: this.options.provider, providers: given.providers });
        this.loadedConfig = { ...given, providers, ...(provider === undefined ? {} : { provider }) };
      }
    }
    return this.loadedConfig;
  }

  /** The `llm` runtime of the configured provider, or undefined (llm agents then run simulated). */
  private llmRuntime(): LlmRuntime | undefined {
    const config = this.ensembleConfig();
    if (config.provider === undefined) return undefined;
    return createLlmRuntime({
      provider: config.provider,
      providers: config.providers,
      tiers: config.tiers,
      costs: config.costs,
      ...(config.model === undefined ? {} : { model: config.model }),
      onWarning: this.config.onWarning ?? ((message) => process.stderr.write(`ensemble: ${message}\n`)),
    });
  }

  private agentRegistry(): AgentRegistry {
    this.registry ??= loadAgentRegistry({
      ...(this.options.agentDirs === undefined ? {} : { agentDirs: this.options.agentDirs }),
      cwd: this.options.workspaceDir ?? process.cwd(),
      onWarning: (message) => process.stderr.write(`ensemble: ${message}\n`),
    });
    return this.registry;
  }

  private inProcess(): ReadonlyMap<string, InProcessAgent> {
    const global = inProcessAgents();
    if (this.localAgents.size === 0) return global;
    return new Map([...global, ...this.localAgents]);
  }

  /** Rejects invalid graphs before anything is journaled or run, and fills per-agent task defaults. */
  private prepareTasks(tasks: readonly TaskSpec[]): TaskGraph {
    const registry = this.agentRegistry();
    const inProcess = this.inProcess();
    const graph = assertValidGraph(validateGraph(tasks, { isKnownAgent: (name) => inProcess.has(name) || registry.has(name) }));
    let changed = false;
    const withDefaults = graph.tasks.map((task) => {
      if (task.timeoutMs !== undefined || inProcess.has(task.agentName)) return task;
      const agentTimeoutMs = registry.get(task.agentName)?.timeoutMs;
      if (agentTimeoutMs === undefined) return task;
      changed = true;
      return { ...task, timeoutMs: agentTimeoutMs };
    });
    return changed ? buildTaskGraph(withDefaults, graph.indexById) : graph;
  }

  private async runWithStore(body: (store: RunStore | undefined) => Promise<RunOutcome>): Promise<RunOutcome> {
    const setting = this.config.store;
    const store = setting === false ? undefined : typeof setting === 'object' ? setting : openRunStore(setting ?? defaultStorePath());
    try {
      return await body(store);
    } finally {
      if (store !== undefined && typeof setting !== 'object') store.close();
    }
  }

  private async runScheduler(
    runId: string,
    graph: TaskGraph,
    config: RunConfig,
    store: RunStore | undefined,
    prior: { completed: ReadonlyMap<string, PriorTaskResult>; nextSeq: number; workflowName: string; workflowId: string | undefined } | undefined,
  ): Promise<RunOutcome> {
    this.currentRunId = runId;
    const registry = this.agentRegistry();
    const simulatedLatencyMs = this.options.simulatedLatencyMs ?? simulatedLatencyFromEnv(process.env);
    const budget = createBudgetLedger(config, graph.tasks, prior?.completed);
    const llmRuntime = this.llmRuntime();
    const defaultModel = this.ensembleConfig().model;
    const dispatcher = new LocalDispatcher({
      registry,
      inProcess: this.inProcess(),
      ...(simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs }),
      ...(this.options.model === undefined ? {} : { runModel: this.options.model }),
      ...(budget === undefined ? {} : { budget }),
      ...(llmRuntime === undefined ? {} : { llmRuntime }),
      ...(defaultModel === undefined ? {} : { defaultModel }),
      gate: defaultProviderGovernor(),
    });
    const workflowName = prior?.workflowName ?? this.options.workflowName ?? 'workflow';
    const workflowId = prior?.workflowId ?? this.options.workflowId;
    const scheduler = new RunScheduler({
      runId,
      workflowName,
      ...(workflowId === undefined ? {} : { workflowId }),
      graph,
      config,
      dispatcher,
      workspace: this.options.workspaceDir ?? process.cwd(),
      clock: this.config.clock ?? systemClock,
      emit: (event) => this.hub.emit(event),
      ...(store === undefined ? {} : { journal: store.journalFor(runId), agentMedianMs: store.agentMedianDurations([...new Set(graph.tasks.map((task) => task.agentName))]) }),
      ...(prior === undefined ? {} : { prior: { completed: prior.completed, nextSeq: prior.nextSeq } }),
    });
    this.scheduler = scheduler;
    // Another process (`ensemble cancel`, the HTTP API of another server) asks through the journal.
    const cancelPoll =
      store === undefined
        ? undefined
        : setInterval(() => {
            if (store.isCancelRequested(runId)) scheduler.cancel('cancelled by request');
          }, this.options.cancelPollMs);
    cancelPoll?.unref();
    try {
      const outcome = scheduler.start();
      if (this.cancelReason !== undefined) scheduler.cancel(this.cancelReason);
      return await outcome;
    } finally {
      if (cancelPoll !== undefined) clearInterval(cancelPoll);
    }
  }
}

import { dirname, join } from 'node:path';
import {
  EnsembleError,
  EventHub,
  RunScheduler,
  assertValidGraph,
  budgetCapsOf,
  buildTaskGraph,
  createRunBudget,
  foldRunEvents,
  runConfigSchema,
  toResumePrior,
  taskSpecSchema,
  toInputIssues,
  validateGraph,
  type AnyRunEventListener,
  type BudgetCap,
  type Clock,
  type Logger,
  type RunConfig,
  type RunEventListener,
  type RunEventOf,
  type RunEventType,
  type RunOutcome,
  type SchedulerPrior,
  type TaskInput,
  type TaskGraph,
  type TaskSpec,
} from '../core/index.js';
import {
  LocalDispatcher,
  createLlmRuntime,
  inProcessAgents,
  loadAgentRegistry,
  modelReferenceFor,
  prepareLlmRun,
  simulatedLatencyFromEnv,
  type AgentRegistry,
  type InProcessAgent,
  type LlmRuntime,
} from '../agents/index.js';
import { createNoticeMemory, defaultProviderGovernor, NOTICE_FILE_NAME, openNoticeMemory, type ProviderGovernor } from '../providers/index.js';
import { currentOwner, holdClaim, isOwnerAlive, releaseHeldClaim, stderrLogger, systemClock } from '../host/index.js';
import {
  loadEnsembleConfig,
  providerPolicyInputSchema,
  resolveProviderPolicy,
  selectProvider,
  type EnsembleConfig,
  type ProviderPolicy,
  type ProviderPolicyInput,
} from '../config/index.js';
import { defaultStorePath, openRunStore, type RecordedOwner, type RunClaim, type RunStore } from '../store/index.js';
import { suggestName } from '../workflows/index.js';
import { createRunId } from './run-id.js';
import { findOrphanGroups, killLocalOrphans, waitForRemoteOrphans } from './reap-orphan-groups.js';
import { resolveNewRunSettings, resolveResumeSettings, type ExplicitSettings, type ResolvedRunSettings, type SettingOverride } from './resolve-run-settings.js';
import { watchClaim } from './watch-claim.js';
import { orchestratorOptionsSchema, type OrchestratorOptions } from './schema.js';


/** Library configuration: the HTTP body's `config` plus where agents and data live. */
export interface OrchestratorConfig extends OrchestratorOptions {
  /** Path of the SQLite journal, an open store, or `false` for no journal (no resume). @default $ENSEMBLE_HOME/ensemble.db */
  readonly store?: string | false | RunStore;
  /** A preloaded agent registry; by default agents are loaded from `agentDirs`, ./agents, ./.claude/agents, ~/.claude/agents and the catalogue. */
  readonly registry?: AgentRegistry;
  /** Time source, for tests. @default the system clock */
  readonly clock?: Clock;
  /** Where warnings and listener failures go. @default `ensemble: …` lines on stderr */
  readonly logger?: Logger;
  /** Called when an event listener throws; the run goes on. @default `logger.error` */
  readonly onListenerError?: (error: unknown, event: RunEventOf<RunEventType>) => void;
  /**
   * Model providers, tiers, prices and budget, already loaded (tests, embedding applications).
   * @default loaded once from `workspaceDir`'s ensemble.config.yaml and process.env
   */
  readonly ensembleConfig?: EnsembleConfig;
  /** Receives warnings (unknown model prices, missing usage figures, overridden agent files); a shortcut for `logger.warn`. @default `logger.warn` */
  readonly onWarning?: (message: string) => void;
  /** The edge every model call passes through (rate limits, circuit breaker, concurrency). @default the process-wide one for the provider policy */
  readonly governor?: ProviderGovernor;
  /**
   * How model calls are governed (circuit wait, stream idle timeout, llm task timeout and retry, …),
   * over the config file's `providerPolicy` field by field. @default ensemble.config.yaml's, else the built-in defaults
   */
  readonly providerPolicy?: ProviderPolicyInput;
}

/** Options of `execute()`. */
export interface RunOptions {
  /** Aborting it cancels the run cleanly (status `cancelled`); already aborted, nothing starts and the call rejects with `RUN_CANCELLED`. */
  readonly signal?: AbortSignal;
}

/** Options of `resume()`. */
export interface ResumeOptions extends RunOptions {
  /**
   * Told, before anything runs, which of the run's stored settings this orchestrator's explicit
   * options replace (old → new). @default each is reported as a warning
   */
  readonly onOverrides?: (overrides: readonly SettingOverride[]) => void;
}

/** What `resume()` resolves with: the outcome, and which stored settings the resume overrode. */
export interface ResumeOutcome extends RunOutcome {
  readonly overrides: readonly SettingOverride[];
}

/**
 * Runs one workflow of agent tasks: `addTasks`, then `execute()` (or `resume(runId)`), with
 * progress through `on(type, listener)`. One orchestrator runs one run.
 */
export class AgentOrchestrator {
  private readonly config: OrchestratorConfig;
  private readonly options: ReturnType<typeof orchestratorOptionsSchema.parse>;
  private readonly hub: EventHub;
  private readonly warn: (message: string) => void;
  private readonly tasks: TaskSpec[] = [];
  private readonly localAgents = new Map<string, InProcessAgent>();
  private registry: AgentRegistry | undefined;
  private loadedConfig: EnsembleConfig | undefined;
  private scheduler: RunScheduler | undefined;
  private isStarted = false;
  private cancelReason: string | undefined;
  private currentRunId: string | undefined;
  /** Where the run works and with which provider and model: from the options, or from the run for a resume. */
  private resolvedSettings: ResolvedRunSettings | undefined;
  /** The library's `providerPolicy`, validated. */
  private readonly policyOption: ProviderPolicyInput | undefined;
  /** The `llm` runtime once made (undefined inside: no provider configured). */
  private llm: { readonly runtime: LlmRuntime | undefined } | undefined;

  constructor(config: OrchestratorConfig = {}) {
    const {
      store: _store,
      registry: _registry,
      clock: _clock,
      onListenerError: _onListenerError,
      logger: _logger,
      ensembleConfig: _ensembleConfig,
      onWarning: _onWarning,
      governor: _governor,
      providerPolicy,
      ...serialisable
    } = config;
    const policy = providerPolicyInputSchema.safeParse(providerPolicy ?? {});
    if (!policy.success) {
      const issues = toInputIssues(policy.error, 'config.providerPolicy');
      throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
    }
    this.policyOption = providerPolicy === undefined ? undefined : policy.data;
    const parsed = orchestratorOptionsSchema.safeParse(serialisable);
    if (!parsed.success) {
      const issues = toInputIssues(parsed.error, 'config');
      throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
    }
    this.config = config;
    this.options = parsed.data;
    this.registry = config.registry;
    const logger = config.logger ?? stderrLogger;
    this.warn = config.onWarning ?? ((message) => logger.warn(message));
    this.hub = new EventHub(config.onListenerError ?? ((error, event) => logger.error(`a listener of ${event.type} threw`, error)));
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

  /**
   * Validates the graph (nothing runs if it is invalid), journals the run and executes it. The run
   * starts on a later tick, so listeners added right after this call (`waitForEvent`) see its first
   * event. Aborting `options.signal` cancels the run cleanly (status `cancelled`).
   */
  async execute(options: RunOptions = {}): Promise<RunOutcome> {
    this.claimStart();
    await laterTick();
    throwIfAborted(options.signal);
    const config = this.runConfig();
    const runId = createRunId();
    const tasks = this.tasks;
    const settings = this.settings();
    // Validate before touching the journal: an invalid graph, a missing model or an unpriced model under a dollar cap leaves no trace and runs nothing.
    const prepared = await this.prepareLlm(this.prepareTasks(tasks), config, options.signal);
    return this.runWithStore(async (store) => {
      const claim = store?.createRun({
        runId,
        workflowName: this.options.workflowName ?? 'workflow',
        ...(this.options.workflowId === undefined ? {} : { workflowId: this.options.workflowId }),
        spec: { tasks, config, parameters: this.options.parameters ?? {}, settings },
        owner: currentOwner(),
        createdAt: (this.config.clock ?? systemClock).now(),
        staleAfterMs: this.options.staleAfterMs,
      });
      if (claim !== undefined) holdClaim(claim.token);
      return this.runScheduler({ runId, graph: prepared, config, store, claim, releaseAs: 'failed', signal: options.signal });
    });
  }

  /**
   * Continues an unfinished run from its journal: tasks that succeeded keep their outputs and do
   * not run again; everything else (in flight at a crash, failed, skipped, cancelled) runs. The run
   * keeps its stored config, provider, model, workspace and agent folders; options set explicitly on
   * this orchestrator override them field by field (reported through `onOverrides`, and kept for
   * the next resume). Taking the run over is one compare-and-set: a run that another live process
   * runs is refused with `RUN_NOT_RESUMABLE` naming it, before anything runs. Process groups of
   * the crashed execution still alive on this host are killed first.
   */
  async resume(runId: string, options: ResumeOptions = {}): Promise<ResumeOutcome> {
    this.claimStart();
    await laterTick();
    throwIfAborted(options.signal);
    return this.runWithStore(async (store) => {
      if (store === undefined) throw new EnsembleError('RUN_NOT_RESUMABLE', 'resume needs a journal; this orchestrator has store: false');
      const run = store.getRun(runId);
      if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${store.path}`, { details: { runId } });
      if (run.status === 'succeeded') {
        throw new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" already succeeded; there is nothing to resume`, { details: { runId } });
      }
      const resolved = resolveResumeSettings(run.spec, this.explicitSettings(), process.cwd());
      this.resolvedSettings = resolved.settings;
      this.ensembleConfig();
      const prepared = await this.prepareLlm(this.prepareTasks(run.spec.tasks), resolved.config, options.signal);
      const recorded: RecordedOwner = { ...run.owner, ...(run.heartbeatAt === undefined ? {} : { heartbeatAt: run.heartbeatAt }), ...(run.staleAfterMs === undefined ? {} : { staleAfterMs: run.staleAfterMs }) };
      // Checked again, atomically, by the claim below; this only spares a wait for a run that is plainly taken.
      if (run.status === 'running' && isOwnerAlive(recorded)) throw runningElsewhere(runId, recorded);
      if (!this.options.ignoreRemoteAgents) {
        // Before the claim: once it is taken, the earlier owner can journal nothing more (not even its agents' exit).
        await waitForRemoteOrphans(() => findOrphanGroups(foldRunEvents(store.readEvents(runId))), {
          host: currentOwner().host,
          waitMs: this.options.orphanWaitMs,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
      }
      const claim = store.claimRun(runId, currentOwner(), { isOwnerAlive: (owner) => isOwnerAlive(owner), staleAfterMs: this.options.staleAfterMs });
      holdClaim(claim.token);
      let prior: SchedulerPrior;
      try {
        if (resolved.overrides.length > 0) {
          store.updateSpec(runId, { ...run.spec, config: resolved.config, settings: resolved.settings });
          if (options.onOverrides === undefined) this.warn(describeOverrides(runId, resolved.overrides));
          else options.onOverrides(resolved.overrides);
        }
        const state = foldRunEvents(store.readEvents(runId));
        const host = currentOwner().host;
        await killLocalOrphans(findOrphanGroups(state).filter((group) => group.host === host), { graceMs: this.options.orphanGraceMs });
        prior = toResumePrior(state);
      } catch (error) {
        store.releaseClaim(claim, 'interrupted');
        releaseHeldClaim(claim.token);
        throw error;
      }
      const outcome = await this.runScheduler({
        runId,
        graph: prepared,
        config: resolved.config,
        store,
        claim,
        releaseAs: 'interrupted',
        signal: options.signal,
        prior,
        workflowName: run.workflowName,
        workflowId: run.workflowId,
      });
      return { ...outcome, overrides: resolved.overrides };
    });
  }

  /** Where the run works and with which provider and model: a resume's are set from the run; a new run's come from the options. */
  private settings(): ResolvedRunSettings {
    this.resolvedSettings ??= resolveNewRunSettings(this.explicitSettings(), process.cwd());
    return this.resolvedSettings;
  }

  /** What this orchestrator's options set explicitly (nothing defaulted): a resume's overrides. */
  private explicitSettings(): ExplicitSettings {
    const { workspaceDir, agentDirs, provider, model } = this.options;
    return {
      config: this.overrides(),
      ...(workspaceDir === undefined ? {} : { workspaceDir }),
      ...(agentDirs === undefined ? {} : { agentDirs }),
      ...(provider === undefined ? {} : { provider }),
      ...(model === undefined ? {} : { model }),
    };
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
      const settings = this.settings();
      if (given === undefined) {
        this.loadedConfig = loadEnsembleConfig({
          cwd: settings.workspaceDir,
          env: process.env,
          ...(settings.provider === undefined ? {} : { provider: settings.provider }),
        });
      } else if (settings.provider === undefined) {
        this.loadedConfig = given;
      } else {
        const { provider, providers } = selectProvider({ requested: settings.provider, providers: given.providers });
        this.loadedConfig = { ...given, providers, ...(provider === undefined ? {} : { provider }) };
      }
    }
    return this.loadedConfig;
  }

  /** The `llm` runtime of the configured provider, made once, or undefined (llm agents then run simulated). */
  private llmRuntime(): LlmRuntime | undefined {
    if (this.llm === undefined) {
      const config = this.ensembleConfig();
      const policy = this.providerPolicy();
      // "No price is known" is said once per model and machine: remembered next to the journal ($ENSEMBLE_HOME).
      const notices = this.config.store === false ? createNoticeMemory() : openNoticeMemory(join(dirname(defaultStorePath()), NOTICE_FILE_NAME));
      const runtime =
        config.provider === undefined
          ? undefined
          : createLlmRuntime({
              provider: config.provider,
              providers: config.providers,
              tiers: config.tiers,
              costs: config.costs,
              ...(config.model === undefined ? {} : { model: config.model }),
              onWarning: this.warn,
              notices,
              streamIdleTimeoutMs: policy.streamIdleTimeoutMs,
              modelCheckTimeoutMs: policy.modelCheckTimeoutMs,
            });
      this.llm = { runtime };
    }
    return this.llm.runtime;
  }

  /** The provider policy: the library's option over the config file's, then the defaults. */
  private providerPolicy(): ProviderPolicy {
    return resolveProviderPolicy(this.ensembleConfig().providerPolicy, this.policyOption);
  }

  /**
   * Checks the models and prices of the run's `llm` tasks before anything is journaled, and gives
   * those tasks the policy's attempt timeout and retry when they set none (the retry only when the
   * run sets no retry policy of its own; a stored run's `retry.max: 0` reads as none).
   */
  private prepareLlm(graph: TaskGraph, config: RunConfig, signal: AbortSignal | undefined): Promise<TaskGraph> {
    const registry = this.agentRegistry();
    const inProcess = this.inProcess();
    const policy = this.providerPolicy();
    const runModel = this.settings().model;
    const defaultModel = this.ensembleConfig().model;
    const hasRunRetry = this.options.retry !== undefined || config.retry.max > 0;
    return prepareLlmRun(graph, {
      runtime: this.llmRuntime(),
      agentOf: (task) => (inProcess.has(task.agentName) ? undefined : registry.get(task.agentName)),
      modelOf: (task, agent) => modelReferenceFor(task, agent, { runModel, defaultModel }),
      caps: budgetCapsOf(config, graph.tasks),
      taskTimeoutMs: policy.taskTimeoutMs,
      taskRetry: hasRunRetry ? undefined : policy.taskRetry,
      ...(signal === undefined ? {} : { signal }),
    });
  }

  private agentRegistry(): AgentRegistry {
    this.registry ??= loadAgentRegistry({
      agentDirs: this.settings().agentDirs,
      cwd: this.settings().workspaceDir,
      onWarning: this.warn,
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
    const graph = assertValidGraph(
      validateGraph(tasks, {
        isKnownAgent: (name) => inProcess.has(name) || registry.has(name),
        suggestAgent: (name) => suggestName(name, [...inProcess.keys(), ...registry.list().map((agent) => agent.name)]),
      }),
    );
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

  private async runWithStore<T>(body: (store: RunStore | undefined) => Promise<T>): Promise<T> {
    const setting = this.config.store;
    const store = setting === false ? undefined : typeof setting === 'object' ? setting : openRunStore(setting ?? defaultStorePath());
    try {
      return await body(store);
    } finally {
      if (store !== undefined && typeof setting !== 'object') store.close();
    }
  }

  private async runScheduler(run: {
    readonly runId: string;
    readonly graph: TaskGraph;
    readonly config: RunConfig;
    readonly store: RunStore | undefined;
    readonly claim: RunClaim | undefined;
    /** The run's status if it cannot start (a provider that is not configured): a new run failed, a resume stays resumable. */
    readonly releaseAs: 'failed' | 'interrupted';
    readonly signal: AbortSignal | undefined;
    readonly prior?: SchedulerPrior;
    readonly workflowName?: string;
    readonly workflowId?: string | undefined;
  }): Promise<RunOutcome> {
    const { runId, store, claim } = run;
    this.currentRunId = runId;
    let scheduler: RunScheduler;
    try {
      scheduler = this.createScheduler(run);
    } catch (error) {
      if (claim !== undefined) {
        store?.releaseClaim(claim, run.releaseAs);
        releaseHeldClaim(claim.token);
      }
      throw error;
    }
    this.scheduler = scheduler;
    // Another process asks to cancel through the journal (`ensemble cancel`, the HTTP API of another server);
    // the heartbeat tells every host that this process still runs the run.
    const stopWatching =
      store === undefined || claim === undefined
        ? undefined
        : watchClaim({
            store,
            claim,
            heartbeatIntervalMs: this.options.heartbeatIntervalMs,
            cancelPollMs: this.options.cancelPollMs,
            onCancel: (reason) => scheduler.cancel(reason),
            // Its journal now refuses this process's events: cancelling stops the agents, and the run ends with JOURNAL_ERROR.
            onClaimLost: () => scheduler.cancel(`run "${runId}" was taken over by another process`),
            onRenewalError: (error) => this.warn(`could not renew the heartbeat of run "${runId}": ${error instanceof Error ? error.message : String(error)}`),
          });
    const signal = run.signal;
    const onAbort = (): void => this.cancel(abortReason(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = scheduler.start();
      if (signal?.aborted === true) onAbort();
      if (this.cancelReason !== undefined) scheduler.cancel(this.cancelReason);
      return await outcome;
    } finally {
      stopWatching?.();
      signal?.removeEventListener('abort', onAbort);
      if (claim !== undefined) releaseHeldClaim(claim.token);
    }
  }

  private createScheduler(run: {
    readonly runId: string;
    readonly graph: TaskGraph;
    readonly config: RunConfig;
    readonly store: RunStore | undefined;
    readonly claim: RunClaim | undefined;
    readonly prior?: SchedulerPrior;
    readonly workflowName?: string;
    readonly workflowId?: string | undefined;
  }): RunScheduler {
    const { runId, graph, config, store, claim, prior } = run;
    const registry = this.agentRegistry();
    const simulatedLatencyMs = this.options.simulatedLatencyMs ?? simulatedLatencyFromEnv(process.env);
    const budget = createRunBudget(config, graph.tasks, prior);
    const llmRuntime = this.llmRuntime();
    const defaultModel = this.ensembleConfig().model;
    const runModel = this.settings().model;
    const dispatcher = new LocalDispatcher({
      registry,
      inProcess: this.inProcess(),
      ...(simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs }),
      ...(runModel === undefined ? {} : { runModel }),
      ...(budget === undefined ? {} : { budget }),
      ...(llmRuntime === undefined ? {} : { llmRuntime }),
      ...(defaultModel === undefined ? {} : { defaultModel }),
      gate: this.config.governor ?? defaultProviderGovernor(this.providerPolicy()),
    });
    const workflowName = run.workflowName ?? this.options.workflowName ?? 'workflow';
    const workflowId = run.workflowId ?? this.options.workflowId;
    return new RunScheduler({
      runId,
      workflowName,
      ...(workflowId === undefined ? {} : { workflowId }),
      graph,
      config,
      dispatcher,
      workspace: this.settings().workspaceDir,
      clock: this.config.clock ?? systemClock,
      emit: (event) => this.hub.emit(event),
      ...(store === undefined
        ? {}
        : { journal: store.journalFor(runId, claim), agentMedianMs: store.agentMedianDurations([...new Set(graph.tasks.map((task) => task.agentName))]) }),
      ...(prior === undefined ? {} : { prior }),
    });
  }
}

/** Resolves on a later turn of the event loop: callers subscribe (`on`, `waitForEvent`) right after `execute()` returns, before the first event. */
function laterTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new EnsembleError('RUN_CANCELLED', `the run was cancelled before it started: ${abortReason(signal)}`, { cause: signal.reason });
}

function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return typeof reason === 'string' ? reason : 'cancelled by its abort signal';
}

function runningElsewhere(runId: string, owner: RecordedOwner): EnsembleError {
  return new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" is running in process ${owner.pid} on ${owner.host}; cancel it first or wait for it to end`, {
    details: { runId, owner: { pid: owner.pid, host: owner.host } },
  });
}

/** `resume of run-x: maxParallelAgents 1 → 50, model (none) → opus`. */
function describeOverrides(runId: string, overrides: readonly SettingOverride[]): string {
  const show = (value: unknown): string => (value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value));
  return `resume of ${runId}: ${overrides.map((override) => `${override.field} ${show(override.from)} → ${show(override.to)}`).join(', ')}`;
}

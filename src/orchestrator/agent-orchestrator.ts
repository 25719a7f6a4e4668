import {
  EnsembleError,
  EventHub,
  budgetCapsOf,
  createRunBudget,
  taskSpecSchema,
  toInputIssues,
  type AnyRunEventListener,
  type RunConfig,
  type RunEventListener,
  type RunEventOf,
  type RunEventType,
  type RunOutcome,
  type RunScheduler,
  type TaskInput,
  type TaskGraph,
  type TaskSpec,
  type MessageBus,
  type EventPayloads,
  type TaskEventType,
  type TaskStatus,
  type Logger,
} from '../core/index.js';
import {
  buildAgentEnvironment,
  inProcessAgents,
  loadAgentRegistry,
  modelReferenceFor,
  prepareLlmRun,
  withLlmTaskDefaults,
  simulatedLatencyFromEnv,
  type AgentRegistry,
  type InProcessAgent,
  type LlmRuntime,
  type LocalDispatcher,
} from '../agents/index.js';
import { dirname } from 'node:path';
import { defaultProviderGovernor } from '../providers/index.js';
import { MemoryMessageBus } from '../bus/index.js';
import { createMcpToolSource, loadMcpServers, type McpToolSource } from '../tools/index.js';
import { currentOwner, holdClaim, releaseHeldClaim, stderrLogger, systemClock } from '../host/index.js';
import { resolveProviderPolicy, type EnsembleConfig, type ProviderPolicy, type ProviderPolicyInput } from '../config/index.js';
import { defaultStorePath, openRunStore, type RunStore } from '../store/index.js';
import type { PressureMonitor, ResolvedPressureSettings } from '../resources/index.js';
import { createRunId } from './run-id.js';
import { openDistributedRun, type DistributedRun } from './distributed-run.js';
import { checkRedisReachable } from '../distributed/index.js';
import { createRunLlmRuntime } from './create-run-llm-runtime.js';
import { createRunScheduler, runsAsHostProcess, type ScheduledRun } from './create-run-scheduler.js';
import { resolveRunPressure, runMemoryWarning, runPressureMonitor } from './run-pressure.js';
import { describeOverrides } from './describe-overrides.js';
import { parseOrchestratorConfig, type OrchestratorConfig } from './orchestrator-config.js';
import { prepareTaskGraph, withAgentDefaults } from './prepare-task-graph.js';
import { resolveEnsembleConfig } from './resolve-ensemble-config.js';
import { resolveNewRunConfig, resolveNewRunSettings, resolveResumeSettings, toExplicitRunConfig, toExplicitSettings, toStoredSettings, type ResolvedRunSettings } from './resolve-run-settings.js';
import type { ResumeOptions, ResumeOutcome, RunOptions } from './run-options.js';
import type { ParsedOrchestratorOptions } from './schema.js';
import { findResumableRun, takeOverRun } from './take-over-run.js';
import { abortReason, throwIfAborted } from './throw-if-aborted.js';
import { watchClaim } from './watch-claim.js';

/**
 * Runs one workflow of agent tasks: `addTasks`, then `execute()` (or `resume(runId)`), with
 * progress through `on(type, listener)`. One orchestrator runs one run.
 */
export class AgentOrchestrator {
  private readonly config: OrchestratorConfig;
  private readonly options: ParsedOrchestratorOptions;
  private readonly hub: EventHub;
  private readonly bus: MessageBus;
  /** The run's Redis side while a distributed run (`redis`) executes: its bus replaces {@link bus}. */
  private distributed: DistributedRun | undefined;
  private readonly warn: (message: string) => void;
  private readonly logger: Logger;
  private readonly tasks: TaskSpec[] = [];
  private readonly localAgents = new Map<string, InProcessAgent>();
  private registry: AgentRegistry | undefined;
  private loadedConfig: EnsembleConfig | undefined;
  private scheduler: RunScheduler | undefined;
  private isStarted = false;
  /** Tasks added to the running graph so far (for error paths like `tasks[3]`). */
  private addedCount = 0;
  /** The config of the run being executed (tasks added while it runs get its llm defaults). */
  private runConfig: RunConfig | undefined;
  /** Holds taken with {@link keepOpen} before the scheduler existed. */
  private readonly pendingHolds: { isReleased: boolean; release?: () => void }[] = [];
  private cancelReason: string | undefined;
  /** Set by {@link interrupt}, for a scheduler made after the call. */
  private interruption: { readonly reason: string; readonly details?: Readonly<Record<string, unknown>> } | undefined;
  private currentRunId: string | undefined;
  /** Where the run works and with which provider and model: from the options, or from the run for a resume. */
  private resolvedSettings: ResolvedRunSettings | undefined;
  /** The library's `providerPolicy`, validated. */
  private readonly policyOption: ProviderPolicyInput | undefined;
  /** The `llm` runtime once made (undefined inside: no provider configured). */
  private llm: { readonly runtime: LlmRuntime | undefined } | undefined;
  /** How host pressure limits the run's process agents, resolved before the run is journaled (a bad variable runs nothing). */
  private pressure: ResolvedPressureSettings | undefined;
  /** Whether the run has process agents (`cli`, `command`): only such a run journals the host's pressure decisions. */
  private hasProcessTasks = false;

  constructor(config: OrchestratorConfig = {}) {
    const { options, policyOption } = parseOrchestratorConfig(config);
    this.policyOption = policyOption;
    this.config = config;
    this.options = options;
    this.registry = config.registry;
    const logger = config.logger ?? stderrLogger;
    this.logger = logger;
    this.warn = config.onWarning ?? ((message) => logger.warn(message));
    this.hub = new EventHub(config.onListenerError ?? ((error, event) => logger.error(`a listener of ${event.type} threw`, error)));
    this.bus = config.bus ?? new MemoryMessageBus({ logger });
    // The journal is the record; the bus carries each journaled message to whoever listens while the run goes on.
    this.hub.on('agent:message', (event) => {
      if (event.messageId === undefined) return;
      const { messageId, runId, taskId, from, to, messageType, content, inReplyTo, at } = event;
      (this.distributed?.bus ?? this.bus).publish({ messageId, runId, taskId, from, to, messageType, content, ...(inReplyTo === undefined ? {} : { inReplyTo }), at }).catch((error: unknown) => {
        logger.error(`could not publish message ${messageId} on the run's bus`, error);
      });
    });
  }

  /** The id of the run once `execute()` or `resume()` has started it. */
  get runId(): string | undefined {
    return this.currentRunId;
  }

  /**
   * Adds tasks; each is checked now, so a bad field is reported with its path (`tasks[2].priority`).
   * Once the run has started, the tasks join the running graph (a meeting's next round): they may
   * depend on any task of the run, are journaled whole (a resume rebuilds them), and start as soon
   * as their dependencies are done. Unknown agents, duplicate ids, unknown dependencies and cycles
   * are refused with INVALID_INPUT naming them, adding nothing; so is adding after the run ended.
   */
  addTasks(tasks: readonly TaskInput[]): this {
    const offset = this.isStarted ? this.addedCount : this.tasks.length;
    const parsedTasks: TaskSpec[] = [];
    const problems: string[] = [];
    tasks.forEach((input, index) => {
      const parsed = taskSpecSchema.safeParse(input);
      if (parsed.success) parsedTasks.push(parsed.data);
      else for (const issue of toInputIssues(parsed.error, `tasks[${offset + index}]`)) problems.push(`${issue.path}: ${issue.message}`);
    });
    if (problems.length > 0) throw new EnsembleError('INVALID_INPUT', problems.join('\n'), { details: { problems } });
    if (!this.isStarted) {
      this.tasks.push(...parsedTasks);
      return this;
    }
    const scheduler = this.scheduler;
    if (scheduler === undefined) throw new EnsembleError('INVALID_INPUT', 'tasks can be added to a started run only once its first event was announced');
    // The run's budget ledger was made with its caps at the start: a cap of its own would not be enforced, so it is refused.
    const capped = parsedTasks.filter((task) => task.budget !== undefined).map((task) => task.id);
    if (capped.length > 0) {
      throw new EnsembleError('INVALID_INPUT', `tasks added to a running run cannot carry a budget of their own (${capped.join(', ')}); the run's and the agents' caps apply to them`, {
        details: { taskIds: capped },
      });
    }
    scheduler.addTasks(this.withLlmDefaults(withAgentDefaults(parsedTasks, this.agentRegistry(), this.inProcess())));
    this.hasProcessTasks ||= parsedTasks.some((task) => runsAsHostProcess(task, this.agentRegistry(), this.inProcess()));
    this.addedCount += parsedTasks.length;
    return this;
  }

  /**
   * Keeps the run from ending when every task has ended, until the returned function is called: a
   * driver that adds tasks round by round (meetings) holds the run between rounds. May be taken
   * before `execute()`/`resume()`. A cancel or the global timeout ends the run regardless.
   */
  keepOpen(): () => void {
    const hold: { isReleased: boolean; release?: () => void } = { isReleased: false };
    if (this.scheduler === undefined) this.pendingHolds.push(hold);
    else hold.release = this.scheduler.holdOpen();
    return () => {
      if (hold.isReleased) return;
      hold.isReleased = true;
      hold.release?.();
    };
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

  /**
   * Delivers a person's answer to an escalation a task of the running run waits on: journaled, then
   * the task runs again with the guidance. False when no task of the run waits on it. (Answers given
   * through the store, from another process, are picked up by the run itself.)
   */
  answerEscalation(escalationId: string, guidance: string, answeredBy?: string): boolean {
    return this.scheduler?.answerEscalation(escalationId, guidance, answeredBy) ?? false;
  }

  /** Asks the run's admission check again for the tasks it refused (a lease freed elsewhere). */
  recheckAdmission(): void {
    this.scheduler?.recheckAdmission();
  }

  /** Journals a ticket or lease event of a task of the running run (a codebase driver's commit or review). */
  recordTaskEvent<T extends TaskEventType>(taskId: string, type: T, payload: Omit<EventPayloads[T], 'taskId' | 'agentName'>): void {
    if (this.scheduler === undefined) throw new EnsembleError('INVALID_INPUT', 'the run has not started');
    this.scheduler.recordTaskEvent(taskId, type, payload);
  }

  /** The task's current status in the running run. */
  taskStatus(taskId: string): TaskStatus | undefined {
    return this.scheduler?.taskStatus(taskId);
  }

  /** Stops the run promptly; `execute()` then resolves with status `cancelled`. */
  cancel(reason?: string): void {
    this.cancelReason = reason ?? 'run cancelled';
    this.scheduler?.cancel(this.cancelReason);
  }

  /**
   * Stops the run promptly and leaves it `interrupted`, resumable with `resume(runId)`: for a process
   * that shuts down with runs in flight (`ensemble serve` on SIGTERM). `execute()` then resolves with
   * status `interrupted`; the run's `workflow:error` carries RUN_INTERRUPTED with `details`.
   */
  interrupt(reason: string, details?: Readonly<Record<string, unknown>>): void {
    this.interruption = { reason, ...(details === undefined ? {} : { details }) };
    this.scheduler?.interrupt(reason, details);
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
    const config = resolveNewRunConfig(toExplicitRunConfig(this.options), this.ensembleConfig());
    this.pressure = resolveRunPressure(config, this.ensembleConfig(), process.env);
    const runId = this.config.runId ?? createRunId();
    const tasks = this.tasks;
    const settings = this.settings();
    // Validate before touching the journal: an invalid graph, a missing model or an unpriced model under a dollar cap leaves no trace and runs nothing.
    const prepared = await this.prepareLlm(this.prepareTasks(tasks), config, options.signal);
    // A distributed run whose Redis does not answer fails here, before it is journaled.
    if (settings.redis !== undefined) await checkRedisReachable(settings.redis);
    return this.runWithStore(async (store) => {
      const claim = store?.createRun({
        runId,
        workflowName: this.options.workflowName ?? 'workflow',
        ...(this.options.workflowId === undefined ? {} : { workflowId: this.options.workflowId }),
        spec: { tasks, config, parameters: this.options.parameters ?? {}, settings: toStoredSettings(settings) },
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
    return this.runWithStore(async (given) => {
      const { store, run } = findResumableRun(given, runId);
      const resolved = resolveResumeSettings(run.spec, toExplicitSettings(this.options), process.cwd());
      this.resolvedSettings = resolved.settings;
      this.ensembleConfig();
      this.pressure = resolveRunPressure(resolved.config, this.ensembleConfig(), process.env);
      // Tasks added while it ran (a meeting's rounds) are part of its graph again.
      const prepared = await this.prepareLlm(this.prepareTasks([...run.spec.tasks, ...store.addedTasks(runId)]), resolved.config, options.signal);
      // Before the run is taken over: a resume that cannot reach the run's queue leaves it as it was.
      if (resolved.settings.redis !== undefined) await checkRedisReachable(resolved.settings.redis);
      const { claim, prior } = await takeOverRun({
        store,
        run,
        resolved,
        staleAfterMs: this.options.staleAfterMs,
        ignoreRemoteAgents: this.options.ignoreRemoteAgents,
        orphanWaitMs: this.options.orphanWaitMs,
        orphanGraceMs: this.options.orphanGraceMs,
        onOverrides: options.onOverrides ?? ((overrides) => this.warn(describeOverrides(runId, overrides))),
        signal: options.signal,
        isDistributed: resolved.settings.redis !== undefined,
      });
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

  /**
   * Tasks added to the running graph get what {@link prepareLlm} gives the run's first tasks: an
   * `llm` task's default attempt timeout and retry (its model is checked when it runs).
   */
  private withLlmDefaults(tasks: readonly TaskSpec[]): TaskSpec[] {
    const config = this.runConfig;
    if (this.llmRuntime() === undefined || config === undefined) return [...tasks];
    const policy = this.providerPolicy();
    const hasRunRetry = this.options.retry !== undefined || config.retry.max > 0;
    const registry = this.agentRegistry();
    const inProcess = this.inProcess();
    return tasks.map((task) => {
      const agent = inProcess.has(task.agentName) ? undefined : registry.get(task.agentName);
      if (agent?.runtime !== 'llm') return task;
      return withLlmTaskDefaults(task, agent, { taskTimeoutMs: policy.taskTimeoutMs, taskRetry: hasRunRetry ? undefined : policy.taskRetry });
    });
  }

  /** Where the run works and with which provider and model: a resume's are set from the run; a new run's come from the options. */
  private settings(): ResolvedRunSettings {
    this.resolvedSettings ??= resolveNewRunSettings(toExplicitSettings(this.options), process.cwd());
    return this.resolvedSettings;
  }

  private claimStart(): void {
    if (this.isStarted) throw new EnsembleError('INVALID_INPUT', 'an orchestrator runs one run; create another for the next');
    this.isStarted = true;
  }

  /** Providers, models, prices and budget from ensemble.config.yaml and the environment, loaded once. */
  private ensembleConfig(): EnsembleConfig {
    this.loadedConfig ??= resolveEnsembleConfig(this.settings(), this.config.ensembleConfig, process.env);
    return this.loadedConfig;
  }

  /** The `llm` runtime of the configured provider, made once, or undefined (llm agents then run simulated). */
  private llmRuntime(): LlmRuntime | undefined {
    this.llm ??= {
      runtime: createRunLlmRuntime({ config: this.ensembleConfig(), policy: this.providerPolicy(), isJournaled: this.config.store !== false, onWarning: this.warn }),
    };
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
    // A run held open from the start (a ticket run that follows the queue) may begin with no task: they come later.
    const isHeldOpen = this.pendingHolds.some((hold) => !hold.isReleased);
    return prepareTaskGraph(tasks, this.agentRegistry(), this.inProcess(), { allowEmpty: isHeldOpen });
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

  private async runScheduler(
    run: ScheduledRun & {
      /** The run's status if it cannot start (a provider that is not configured): a new run failed, a resume stays resumable. */
      readonly releaseAs: 'failed' | 'interrupted';
      readonly signal: AbortSignal | undefined;
    },
  ): Promise<RunOutcome> {
    const { runId, store, claim } = run;
    this.currentRunId = runId;
    this.runConfig = run.config;
    let scheduler: RunScheduler;
    let mcp: McpToolSource | undefined;
    try {
      // A bad .mcp.json fails the run here, before any task starts; servers start when a task first needs one.
      mcp = await this.openMcpServers();
      // `redis`: tasks go to `ensemble worker` processes; Redis must answer before anything is queued.
      const redis = this.settings().redis;
      if (redis !== undefined) {
        this.distributed = await openDistributedRun({
          url: redis,
          prefix: this.options.redisPrefix,
          runId,
          graph: run.graph,
          caps: budgetCapsOf(run.config, run.graph.tasks),
          prior: run.prior,
          store,
          isResume: run.releaseAs === 'interrupted',
          logger: this.logger,
        });
      }
      scheduler = this.createScheduler(run, mcp, this.pressureMonitor(run.config));
    } catch (error) {
      await this.closeDistributed();
      await mcp?.close();
      if (claim !== undefined) {
        store?.releaseClaim(claim, run.releaseAs);
        releaseHeldClaim(claim.token);
      }
      throw error;
    }
    this.scheduler = scheduler;
    for (const hold of this.pendingHolds.splice(0)) if (!hold.isReleased) hold.release = scheduler.holdOpen();
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
            // A person answers in another process (`ensemble escalations answer`, the HTTP API): the store holds the answer until this run journals it.
            onPoll: () => {
              if (scheduler.waitingEscalations().length === 0) return;
              for (const answer of store.codebase.undeliveredAnswers(runId)) {
                if (answer.answer !== undefined) scheduler.answerEscalation(answer.id, answer.answer, answer.answeredBy);
              }
            },
          });
    const signal = run.signal;
    // The run keeps its process alive until it ends, also while every task waits for a person or a
    // held-open run waits for tasks (nothing else of it may be pending then).
    const keepAlive = setInterval(() => {}, 2 ** 30);
    const onAbort = (): void => this.cancel(abortReason(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    let stopPressure: (() => void) | undefined;
    try {
      // Subscribed before the first start, so the run's first process agents already start under the host's limit.
      const monitor = this.pressureMonitor(run.config);
      this.hasProcessTasks = run.graph.tasks.some((task) => runsAsHostProcess(task, this.agentRegistry(), this.inProcess()));
      stopPressure = monitor?.subscribe({
        maxParallelAgents: run.config.maxParallelAgents,
        onChange: (change) => {
          if (this.hasProcessTasks) scheduler.recordPressure(change);
        },
      });
      const outcome = scheduler.start();
      const memoryWarning = monitor === undefined ? undefined : runMemoryWarning(monitor, run, { registry: this.agentRegistry(), inProcess: this.inProcess() });
      if (memoryWarning !== undefined) scheduler.recordWarning('RESOURCES_LIMITED', memoryWarning);
      if (signal?.aborted === true) onAbort();
      if (this.cancelReason !== undefined) scheduler.cancel(this.cancelReason);
      if (this.interruption !== undefined) scheduler.interrupt(this.interruption.reason, this.interruption.details);
      return await outcome;
    } finally {
      stopPressure?.();
      clearInterval(keepAlive);
      stopWatching?.();
      signal?.removeEventListener('abort', onAbort);
      if (claim !== undefined) releaseHeldClaim(claim.token);
      // The run's MCP servers stop with it (each started at most once, when a task first needed it).
      await mcp?.close();
      await this.closeDistributed();
    }
  }

  private async closeDistributed(): Promise<void> {
    const distributed = this.distributed;
    this.distributed = undefined;
    await distributed?.close();
  }

  /** The run's MCP servers (the workspace's `.mcp.json`, the config file's `mcpServers`), or undefined when there are none. */
  private async openMcpServers(): Promise<McpToolSource | undefined> {
    const workspaceDir = this.settings().workspaceDir;
    const servers = await loadMcpServers({ workspaceDir, configServers: this.ensembleConfig().mcpServers ?? {} });
    if (servers.length === 0) return undefined;
    return createMcpToolSource(servers, {
      clientName: 'ensemble',
      workspaceDir,
      // The agents' allow-list: no key reaches a server that did not ask for it in its own `env`.
      env: buildAgentEnvironment(process.env, undefined, {}),
      logger: { warn: this.warn, error: (message) => this.warn(message) },
    });
  }

  /** The monitor whose slots the run's process agents start in; none when pressure control is off or the run is distributed. */
  private pressureMonitor(config: RunConfig): PressureMonitor | undefined {
    this.pressure ??= resolveRunPressure(config, this.ensembleConfig(), process.env);
    return runPressureMonitor(this.pressure, { isDistributed: this.settings().redis !== undefined, sampleIntervalMs: this.options.pressureSampleIntervalMs });
  }

  private createScheduler(run: ScheduledRun, mcp: McpToolSource | undefined, monitor: PressureMonitor | undefined): RunScheduler {
    const distributed = this.distributed;
    const simulatedLatencyMs = this.options.simulatedLatencyMs ?? simulatedLatencyFromEnv(process.env);
    return createRunScheduler(run, {
      registry: this.agentRegistry(),
      simulatedLatencyMs,
      // A distributed run's caps hold across its workers: the budget lives in Redis.
      budget: distributed === undefined ? createRunBudget(run.config, run.graph.tasks, run.prior) : distributed.budget,
      llmRuntime: this.llmRuntime(),
      defaultModel: this.ensembleConfig().model,
      runModel: this.settings().model,
      inProcess: this.inProcess(),
      gate: this.config.governor ?? defaultProviderGovernor(this.providerPolicy()),
      mcp,
      onWarning: this.warn,
      workflowName: this.options.workflowName,
      workflowId: this.options.workflowId,
      workspaceDir: this.settings().workspaceDir,
      clock: this.config.clock ?? systemClock,
      emit: (event) => this.hub.emit(event),
      bus: distributed?.bus ?? this.bus,
      ...(distributed === undefined
        ? {}
        : {
            wrapLocal: (local: LocalDispatcher) =>
              distributed.wrapLocal(local, {
                registry: this.agentRegistry(),
                inProcess: this.inProcess(),
                provider: this.ensembleConfig().provider,
                runModel: this.settings().model,
                defaultModel: this.ensembleConfig().model,
                simulatedLatencyMs,
                enableCommunication: run.config.enableCommunication,
              }),
          }),
      dataDir: run.store !== undefined && run.store.path !== ':memory:' ? dirname(run.store.path) : dirname(defaultStorePath()),
      ...(this.config.admission === undefined ? {} : { admission: this.config.admission }),
      ...(this.config.terminalPolicy === undefined ? {} : { terminalPolicy: this.config.terminalPolicy }),
      ...(this.config.wrapDispatcher === undefined ? {} : { wrapDispatcher: this.config.wrapDispatcher }),
      ...(this.config.processWindows === undefined ? {} : { processWindows: this.config.processWindows }),
      ...(monitor === undefined ? {} : { processSlots: monitor.slots }),
      agentMemoryMb: (this.pressure ?? resolveRunPressure(run.config, this.ensembleConfig(), process.env)).agentMemoryMb,
    });
  }
}

/** Resolves on a later turn of the event loop: callers subscribe (`on`, `waitForEvent`) right after `execute()` returns, before the first event. */
function laterTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

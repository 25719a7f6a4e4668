import { RunScheduler, type AdmissionCheck, type ProcessSlotGate, type ProcessSlots, type TaskDispatcher, type TerminalPolicy, type BudgetPort, type Clock, type MessageBus, type RunConfig, type RunEvent, type SchedulerPrior, type TaskGraph, type TaskSpec } from '../core/index.js';
import { createContextStrategy } from '../context/index.js';
import { IsolatingDispatcher } from '../codebase/index.js';
import { wrapWithResultCache } from '../cache/index.js';
import { buildAgentEnvironment, LocalDispatcher, type AgentRegistry, type AgentWindowLauncher, type InProcessAgent, type LlmRuntime } from '../agents/index.js';
import type { ProviderGate } from '../providers/index.js';
import type { McpToolSource } from '../tools/index.js';
import type { RunClaim, RunStore } from '../store/index.js';

/** A run about to be handed to the scheduler. */
export interface ScheduledRun {
  readonly runId: string;
  readonly graph: TaskGraph;
  readonly config: RunConfig;
  readonly store: RunStore | undefined;
  readonly claim: RunClaim | undefined;
  readonly prior?: SchedulerPrior;
  readonly workflowName?: string;
  readonly workflowId?: string | undefined;
}

/** What the scheduler of a run is wired to: its agents, model edge and budget, where it works, its clock and event sink. */
export interface RunSchedulerWiring {
  readonly registry: AgentRegistry;
  readonly simulatedLatencyMs: number | undefined;
  readonly budget: BudgetPort | undefined;
  readonly llmRuntime: LlmRuntime | undefined;
  readonly defaultModel: string | undefined;
  readonly runModel: string | undefined;
  readonly inProcess: ReadonlyMap<string, InProcessAgent>;
  readonly gate: ProviderGate;
  /** The run's MCP servers (started when a task first needs one), when any are configured. */
  readonly mcp: McpToolSource | undefined;
  readonly onWarning: (message: string) => void;
  /** Name and id of a run that has none of its own (a new run). */
  readonly workflowName: string | undefined;
  readonly workflowId: string | undefined;
  readonly workspaceDir: string;
  /** The data folder ($ENSEMBLE_HOME or the journal's folder): worktrees of isolated tasks and their patches. */
  readonly dataDir: string;
  readonly clock: Clock;
  readonly emit: (event: RunEvent) => void;
  /** The run's message bus (running agents hear messages through it). */
  readonly bus: MessageBus;
  readonly admission?: AdmissionCheck;
  readonly terminalPolicy?: TerminalPolicy;
  /** Wraps the dispatcher (a ticket run's workspaces, leases and commits). */
  readonly wrapDispatcher?: (dispatcher: TaskDispatcher) => TaskDispatcher;
  readonly processWindows?: AgentWindowLauncher;
  /** A distributed run: wraps the local dispatcher so file agents' tasks go to the workers' queue. */
  readonly wrapLocal?: (local: LocalDispatcher) => TaskDispatcher;
  /**
   * The slots of the host's pressure monitor, when pressure control is on: the run's process agents
   * (`cli`, `command`) start only with one. Ignored for a distributed run, whose file agents run on
   * the workers. @default no limit but `maxParallelAgents`
   */
  readonly processSlots?: ProcessSlots;
  /** Memory limit, in MB, of process agents whose file sets none (the run's resolved `resources.agentMemoryMb`). */
  readonly agentMemoryMb: number;
}

/**
 * Whether a task runs as a process on this host: its agent is a file agent with runtime `cli` or
 * `command` (an in-process agent of the same name wins, as in the dispatcher).
 */
export function runsAsHostProcess(task: TaskSpec, registry: AgentRegistry, inProcess: ReadonlyMap<string, InProcessAgent>): boolean {
  if (inProcess.has(task.agentName)) return false;
  const runtime = registry.get(task.agentName)?.runtime;
  return runtime === 'cli' || runtime === 'command';
}

/** The gate a run's scheduler asks for a process slot: only tasks that run as a process here need one. */
function processSlotGate(slots: ProcessSlots, wiring: RunSchedulerWiring): ProcessSlotGate {
  return {
    needsSlot: (task) => runsAsHostProcess(task, wiring.registry, wiring.inProcess),
    tryAcquire: () => slots.tryAcquire(),
    release: () => slots.release(),
    onAvailable: (listener) => slots.onAvailable(listener),
  };
}

/** The scheduler of `run`, dispatching in this process and journaling into the run's store under its claim (when it has one). */
export function createRunScheduler(run: ScheduledRun, wiring: RunSchedulerWiring): RunScheduler {
  const { runId, graph, config, store, claim, prior } = run;
  const { simulatedLatencyMs, runModel, budget, llmRuntime, defaultModel } = wiring;
  const local = new LocalDispatcher({
    registry: wiring.registry,
    ...(wiring.processWindows === undefined ? {} : { windows: wiring.processWindows }),
    inProcess: wiring.inProcess,
    ...(simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs }),
    ...(runModel === undefined ? {} : { runModel }),
    ...(budget === undefined ? {} : { budget }),
    ...(llmRuntime === undefined ? {} : { llmRuntime }),
    ...(defaultModel === undefined ? {} : { defaultModel }),
    gate: wiring.gate,
    ...(wiring.mcp === undefined ? {} : { mcp: wiring.mcp }),
    onWarning: wiring.onWarning,
    enableCommunication: config.enableCommunication,
    bus: wiring.bus,
    agentMemoryMb: wiring.agentMemoryMb,
  });
  // Tasks with `isolation: 'worktree'` (bugfix attempts) work in private copies; the fix selector applies one.
  const executing = wiring.wrapLocal === undefined ? local : wiring.wrapLocal(local);
  // The result cache sits in this process (the coordinator of a distributed run), inside the isolation of worktree tasks, which it never caches.
  const cached =
    store === undefined
      ? executing
      : wrapWithResultCache(executing, {
          store: store.resultCache,
          registry: wiring.registry,
          settings: config.cache,
          enableCommunication: config.enableCommunication,
          dataDir: wiring.dataDir,
          clock: wiring.clock,
          onWarning: wiring.onWarning,
        });
  const isolating = new IsolatingDispatcher(cached, { dataDir: wiring.dataDir, verifyEnvironment: buildAgentEnvironment(process.env, undefined, {}) });
  const dispatcher = wiring.wrapDispatcher === undefined ? isolating : wiring.wrapDispatcher(isolating);
  const workflowName = run.workflowName ?? wiring.workflowName ?? 'workflow';
  const workflowId = run.workflowId ?? wiring.workflowId;
  // A distributed run's file agents run on the workers (each bounded by its own `--concurrency`): none of its tasks is a process here.
  const processSlots = wiring.processSlots === undefined || wiring.wrapLocal !== undefined ? undefined : processSlotGate(wiring.processSlots, wiring);
  return new RunScheduler({
    runId,
    workflowName,
    ...(workflowId === undefined ? {} : { workflowId }),
    graph,
    config,
    dispatcher,
    workspace: wiring.workspaceDir,
    clock: wiring.clock,
    emit: wiring.emit,
    context: createContextStrategy(config.contextStrategy),
    ...(store === undefined
      ? {}
      : { journal: store.journalFor(runId, claim), agentMedianMs: store.agentMedianDurations([...new Set(graph.tasks.map((task) => task.agentName))]) }),
    ...(prior === undefined ? {} : { prior }),
    ...(wiring.admission === undefined ? {} : { admission: wiring.admission }),
    ...(wiring.terminalPolicy === undefined ? {} : { terminalPolicy: wiring.terminalPolicy }),
    ...(processSlots === undefined ? {} : { processSlots }),
  });
}

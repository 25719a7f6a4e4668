import { RunScheduler, type AdmissionCheck, type TaskDispatcher, type TerminalPolicy, type BudgetPort, type Clock, type MessageBus, type RunConfig, type RunEvent, type SchedulerPrior, type TaskGraph } from '../core/index.js';
import { createContextStrategy } from '../context/index.js';
import { IsolatingDispatcher } from '../codebase/index.js';
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
  });
  // Tasks with `isolation: 'worktree'` (bugfix attempts) work in private copies; the fix selector applies one.
  const isolating = new IsolatingDispatcher(wiring.wrapLocal === undefined ? local : wiring.wrapLocal(local), { dataDir: wiring.dataDir, verifyEnvironment: buildAgentEnvironment(process.env, undefined, {}) });
  const dispatcher = wiring.wrapDispatcher === undefined ? isolating : wiring.wrapDispatcher(isolating);
  const workflowName = run.workflowName ?? wiring.workflowName ?? 'workflow';
  const workflowId = run.workflowId ?? wiring.workflowId;
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
  });
}

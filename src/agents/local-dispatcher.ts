import { DEFAULT_AGENT_MEMORY_MB, EnsembleError } from '../core/index.js';
import type { BudgetPort, DispatchContext, InvocationInfo, MessageBus, TaskDispatcher, TaskOutcome, TaskRequest, TaskSpec } from '../core/index.js';
import type { ProviderGate } from '../providers/index.js';
import type { McpToolSource } from '../tools/index.js';
import type { AgentRegistry } from './registry/index.js';
import type { AgentRuntime } from './agent-runtime.js';
import { createCommandRuntime, type AgentWindowLauncher } from './process/index.js';
import type { LlmRuntime } from './llm/index.js';
import { inProcessAgents, runInProcessAgent } from './in-process-agents.js';
import type { InProcessAgent } from './in-process-agents.js';
import type { AgentDefinition } from './registry/index.js';
import { createSimulatedRuntime } from './simulated/index.js';
import type { AttemptMessaging, LeasedInvocation } from './attempt-messaging.js';
import { parseEscalation, toEscalatedError } from './parse-escalation.js';
import { sendOutputMessages } from './send-output-messages.js';

/** Model tier used when neither the task, the run, the agent nor the configuration names one. */
const DEFAULT_MODEL_TIER = 'sonnet';

const IN_PROCESS_INVOCATION: InvocationInfo = Object.freeze({ runtime: 'in-process', model: 'in-process' });
const COMMAND_INVOCATION: InvocationInfo = Object.freeze({ runtime: 'command', model: 'n/a' });
const CLI_INVOCATION: InvocationInfo = Object.freeze({ runtime: 'cli', model: 'n/a' });

/** Options of {@link LocalDispatcher}. */
export interface LocalDispatcherOptions {
  /** File-defined agents. */
  readonly registry: AgentRegistry;
  /** Runs `cli` agents in windows a person can watch (a ticket run's tmux team). @default hidden child processes */
  readonly windows?: AgentWindowLauncher;
  /** In-process agents; they win over a file agent of the same name. @default inProcessAgents() (live) */
  readonly inProcess?: ReadonlyMap<string, InProcessAgent>;
  /** Latency of simulated answers, in ms. @default a deterministic 300-1200 ms per task */
  readonly simulatedLatencyMs?: number;
  /** The run's model (`--model`), used when a task names none. */
  readonly runModel?: string;
  /** The run's spending caps, handed to model runtimes. */
  readonly budget?: BudgetPort;
  /** The process-wide provider edge, handed to model runtimes. */
  readonly gate?: ProviderGate;
  /** Runtime of `llm` agents when a model provider is configured; without it they run simulated. */
  readonly llmRuntime?: LlmRuntime;
  /** Model of tasks, runs and agents that name none (ENSEMBLE_MODEL, the config's `model`). @default 'sonnet' */
  readonly defaultModel?: string;
  /** The run's MCP servers, handed to tool-using agents. */
  readonly mcp?: McpToolSource;
  /** Where warnings about the run go (an agent file naming a tool ensemble does not implement, a malformed `<AGENT_MESSAGE>`), each distinct one once. */
  readonly onWarning?: (message: string) => void;
  /**
   * Whether agents of the run talk to each other (the run's `enableCommunication`): `<AGENT_MESSAGE>`
   * tags in outputs are sent, tool-using `llm` agents get `SendMessage`, in-process agents `ctx.bus`
   * and `ctx.shared`. Off: outputs are left as they are and sends are refused. @default true
   */
  readonly enableCommunication?: boolean;
  /**
   * The run's message bus, on which the orchestrator publishes every journaled `agent:message`:
   * running process agents hear messages through it (their `ENSEMBLE_MESSAGES` file), in-process
   * agents wait on it for responses. @default none: agents see only what was journaled when they ask
   */
  readonly bus?: MessageBus;
  /**
   * Memory limit, in MB, of every `cli`/`command` agent whose file sets no `limits.memoryMb` (the
   * run's `resources.agentMemoryMb`). @default 768 (DEFAULT_AGENT_MEMORY_MB)
   */
  readonly agentMemoryMb?: number;
}

/**
 * Executes tasks in this process: in-process agents directly, `command`/`cli` agents as child
 * processes, `llm` agents on the `llm` runtime when a provider is configured (else simulated, and
 * they say so), `simulated` agents on the simulated runtime.
 */
export class LocalDispatcher implements TaskDispatcher {
  private readonly registry: AgentRegistry;
  private readonly inProcess: ReadonlyMap<string, InProcessAgent>;
  private readonly runModel: string | undefined;
  private readonly commandRuntime: AgentRuntime;
  private readonly simulatedRuntime: AgentRuntime;
  private readonly budget: BudgetPort | undefined;
  private readonly gate: ProviderGate | undefined;
  private readonly llmRuntime: LlmRuntime | undefined;
  private readonly defaultModel: string;
  private readonly mcp: McpToolSource | undefined;
  private readonly warn: ((message: string) => void) | undefined;
  private readonly isCommunicationOn: boolean;
  private readonly bus: MessageBus | undefined;

  constructor(options: LocalDispatcherOptions) {
    this.registry = options.registry;
    this.inProcess = options.inProcess ?? inProcessAgents();
    this.runModel = options.runModel;
    this.budget = options.budget;
    this.gate = options.gate;
    this.llmRuntime = options.llmRuntime;
    this.defaultModel = options.defaultModel ?? DEFAULT_MODEL_TIER;
    this.mcp = options.mcp;
    this.warn = options.onWarning === undefined ? undefined : warnOnceEach(options.onWarning);
    this.isCommunicationOn = options.enableCommunication ?? true;
    this.bus = options.bus;
    this.commandRuntime = createCommandRuntime({
      ...(options.windows === undefined ? {} : { windows: options.windows }),
      defaultMemoryMb: options.agentMemoryMb ?? DEFAULT_AGENT_MEMORY_MB,
    });
    this.simulatedRuntime = createSimulatedRuntime(
      options.simulatedLatencyMs === undefined ? {} : { latencyMs: options.simulatedLatencyMs },
    );
  }

  describe(task: TaskSpec): InvocationInfo {
    // A task naming a model keeps it, so its context is counted with that model's tokenizer.
    if (this.inProcess.has(task.agentName)) return task.model === undefined ? IN_PROCESS_INVOCATION : { runtime: 'in-process', model: task.model };
    const agent = this.definitionOf(task.agentName);
    if (agent.runtime === 'command') return COMMAND_INVOCATION;
    if (agent.runtime === 'cli') return CLI_INVOCATION;
    if (agent.runtime === 'llm' && this.llmRuntime !== undefined) {
      return { runtime: 'llm', model: this.llmRuntime.describeModel(this.modelFor(task, agent)) };
    }
    return { runtime: 'simulated', model: `simulated:${this.modelFor(task, agent)}` };
  }

  dispatch(request: TaskRequest, context: DispatchContext): Promise<TaskOutcome> {
    const messaging = this.isCommunicationOn ? this.messagingOf(request, context) : undefined;
    const warn = (message: string): void => context.reportWarning('MESSAGE_MALFORMED', message);
    return this.runAttempt(request, context, messaging).then((outcome) => {
      // An `<ESCALATE>` block, from any runtime, turns the attempt into a question for a person.
      rejectEscalated(outcome, request, context, warn);
      if (messaging === undefined) return outcome;
      // Only a successful attempt's messages go out: a failed one's would be sent again by its retry.
      // A malformed tag is journaled (`run:warning` MESSAGE_MALFORMED), so the run's views show it.
      return sendOutputMessages(outcome, messaging.send, { taskId: request.task.id, warn });
    });
  }

  private runAttempt(request: TaskRequest, context: DispatchContext, messaging: AttemptMessaging | undefined): Promise<TaskOutcome> {
    const { signal } = context;
    const inProcessAgent = this.inProcess.get(request.task.agentName);
    if (inProcessAgent !== undefined) {
      return runInProcessAgent(inProcessAgent, request, { signal, reportOutput: context.reportOutput, reportUsage: context.reportUsage, messaging });
    }
    let agent: AgentDefinition;
    try {
      agent = this.definitionOf(request.task.agentName);
    } catch (error) {
      return Promise.reject(error);
    }
    const isProcess = agent.runtime === 'command' || agent.runtime === 'cli';
    const runtime = isProcess
      ? this.commandRuntime
      : agent.runtime === 'llm' && this.llmRuntime !== undefined
        ? this.llmRuntime
        : this.simulatedRuntime;
    const invocation: LeasedInvocation = {
      request,
      agent,
      workspaceDir: context.workspace,
      model: isProcess ? 'n/a' : this.modelFor(request.task, agent),
      reportOutput: context.reportOutput,
      reportUsage: context.reportUsage,
      reportEvent: context.reportEvent,
      suspendTimeout: context.suspendTimeout,
      ...(this.budget === undefined ? {} : { budget: this.budget }),
      ...(this.gate === undefined ? {} : { gate: this.gate }),
      ...(this.mcp === undefined ? {} : { mcp: this.mcp }),
      ...(this.warn === undefined ? {} : { warn: this.warn }),
      ...(messaging === undefined ? {} : { messaging }),
      ...(context.leases === undefined ? {} : { leases: context.leases }),
      ...(context.member === undefined ? {} : { member: context.member }),
    };
    return runtime.run(invocation, signal);
  }

  /** The attempt's messaging, from the scheduler's side of the dispatch context and the run's bus. */
  private messagingOf(request: TaskRequest, context: DispatchContext): AttemptMessaging {
    return {
      recipient: { taskId: request.task.id, agentName: request.task.agentName },
      send: context.sendMessage,
      received: context.receivedMessages,
      readShared: context.readShared,
      updateShared: context.updateShared,
      ...(this.bus === undefined ? {} : { bus: this.bus }),
    };
  }

  private definitionOf(agentName: string): AgentDefinition {
    const agent = this.registry.get(agentName);
    if (agent === undefined) {
      throw new EnsembleError('UNKNOWN_AGENT', `unknown agent "${agentName}"`, { details: { agentName } });
    }
    return agent;
  }

  private modelFor(task: TaskSpec, agent: AgentDefinition): string {
    return modelReferenceFor(task, agent, { runModel: this.runModel, defaultModel: this.defaultModel });
  }
}

/** The model reference of a task: its own, else the run's (`--model`), else its agent's, else the default (`sonnet` when none is configured). */
export function modelReferenceFor(task: TaskSpec, agent: AgentDefinition, options: { readonly runModel?: string | undefined; readonly defaultModel?: string | undefined }): string {
  return task.model ?? options.runModel ?? agent.model ?? options.defaultModel ?? DEFAULT_MODEL_TIER;
}

/**
 * Throws `AGENT_ESCALATED` when the attempt's output holds a well-formed `<ESCALATE>` block (its
 * messages are then not sent: the attempt did not finish, and its next one runs after the answer).
 * Spend the outcome carries is reported first, so the escalated attempt's cost still counts. A
 * malformed block is a `run:warning` and the attempt succeeds as written.
 */
function rejectEscalated(outcome: TaskOutcome, request: TaskRequest, context: DispatchContext, warn: (message: string) => void): void {
  const parsed = parseEscalation(outcome.output);
  for (const problem of parsed.problems) warn(`task ${request.task.id}: ${problem}`);
  if (parsed.escalation === undefined) return;
  if (outcome.usage !== undefined) context.reportUsage(outcome.usage, outcome.costUsd ?? 0);
  throw toEscalatedError(request.task.agentName, parsed.escalation);
}

/** `onWarning`, called once per distinct message. */
function warnOnceEach(onWarning: (message: string) => void): (message: string) => void {
  const seen = new Set<string>();
  return (message) => {
    if (seen.has(message)) return;
    seen.add(message);
    onWarning(message);
  };
}

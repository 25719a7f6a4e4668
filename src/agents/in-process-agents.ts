import { AGENT_NAME_PATTERN, EnsembleError } from '../core/index.js';
import type { ContextEntry, DependencyOutput, DispatchContext, OutputReporter, TaskOutcome, TaskRequest, TaskSpec, TokenUsage } from '../core/index.js';
import { findingsConsolidator } from '../workflows/index.js';
import type { AgentRuntime } from './agent-runtime.js';
import { messagingOf } from './attempt-messaging.js';
import type { AttemptMessaging } from './attempt-messaging.js';
import { AttemptBus, AttemptSharedContext } from './in-process-bus.js';
import type { InProcessBus, InProcessSharedContext } from './in-process-bus.js';

/** What an in-process agent's `run` receives besides the task. */
export interface InProcessAgentContext {
  /** Aborts when the task times out or the run is cancelled; the agent should stop promptly. */
  readonly signal: AbortSignal;
  /** Outputs of the task's direct dependencies, in declaration order. */
  readonly inputs: readonly DependencyOutput[];
  /**
   * The rest of what the run's context strategy handed the task: other tasks' outputs, messages sent
   * to it before it started (relation `message`), shared context entries.
   */
  readonly context: readonly ContextEntry[];
  /** The run's agent messages: `send`, `reply`, `messages()`, `request(…)` (waits for the response), `waitForMessage(…)`. */
  readonly bus: InProcessBus;
  /** The run's shared context store: `get(key)`, `entry(key)`, `update(key, value)` (each write journaled with who made it). */
  readonly shared: InProcessSharedContext;
  /** The run this task belongs to. */
  readonly runId: string;
  /** 1 for the first attempt; keeps counting across resumes. */
  readonly attempt: number;
  /** Streams partial output into `task:output` events (call it sparingly, e.g. every 250 ms: each is journaled). */
  readonly reportOutput: OutputReporter;
  /** Reports what a model call of this attempt spent, as it settles (also when it failed); then leave it out of the returned `usage`. */
  readonly reportUsage: (usage: TokenUsage, costUsd: number) => void;
}

/** An agent implemented as a function in this process (library users). */
export interface InProcessAgent {
  /** Name tasks use in `agentName`; letters, digits, `-` and `_`. Shadows a file agent of the same name. */
  readonly name: string;
  /** One line shown in listings. */
  readonly description?: string;
  /** Group such as `development` or `testing`. */
  readonly category?: string;
  /** Does the task; a string result is the output. */
  run(task: TaskSpec, context: InProcessAgentContext): Promise<string | TaskOutcome> | string | TaskOutcome;
}

// Built in: the code-review-swarm's deterministic consolidation step; a registration of the same name replaces it.
const agents = new Map<string, InProcessAgent>([[findingsConsolidator.name, findingsConsolidator]]);

/** Registers an in-process agent for every orchestrator of this process; the same name replaces. */
export function registerAgent(agent: InProcessAgent): void {
  if (typeof agent !== 'object' || agent === null || typeof agent.run !== 'function') {
    throw new EnsembleError('INVALID_INPUT', 'registerAgent: expected {name, run(task, context)}');
  }
  if (typeof agent.name !== 'string' || !AGENT_NAME_PATTERN.test(agent.name)) {
    throw new EnsembleError('INVALID_INPUT', `registerAgent: name ${JSON.stringify(agent.name)} must be 1-128 letters, digits, "-" or "_"`, {
      details: { name: agent.name },
    });
  }
  agents.set(agent.name, agent);
}

/** Removes an in-process agent; returns whether one was registered under that name. */
export function unregisterAgent(name: string): boolean {
  return agents.delete(name);
}

/** The process-wide in-process agents (a live view: later registrations appear in it). */
export function inProcessAgents(): ReadonlyMap<string, InProcessAgent> {
  return agents;
}

/** What {@link runInProcessAgent} hands on from the dispatch context, and the attempt's messaging (absent when the run's communication is off). */
export type InProcessDispatchContext = Pick<DispatchContext, 'signal' | 'reportOutput' | 'reportUsage'> & { readonly messaging?: AttemptMessaging | undefined };

/**
 * The context of one attempt. A class, so `bus` and `shared` are made only when an agent uses them
 * (getters on the prototype): the no-op agents of a large run pay for one object.
 */
class AttemptContext implements InProcessAgentContext {
  readonly signal: AbortSignal;
  readonly inputs: readonly DependencyOutput[];
  readonly context: readonly ContextEntry[];
  readonly runId: string;
  readonly attempt: number;
  readonly reportOutput: OutputReporter;
  readonly reportUsage: (usage: TokenUsage, costUsd: number) => void;
  private readonly messaging: AttemptMessaging | undefined;
  private attemptBus: AttemptBus | undefined;
  private attemptShared: AttemptSharedContext | undefined;

  constructor(request: TaskRequest, dispatch: InProcessDispatchContext) {
    this.signal = dispatch.signal;
    this.inputs = request.inputs;
    this.context = request.context;
    this.runId = request.runId;
    this.attempt = request.attempt;
    this.reportOutput = dispatch.reportOutput;
    this.reportUsage = dispatch.reportUsage;
    this.messaging = dispatch.messaging;
  }

  get bus(): InProcessBus {
    this.attemptBus ??= new AttemptBus(this.messaging, this.runId, this.signal);
    return this.attemptBus;
  }

  get shared(): InProcessSharedContext {
    this.attemptShared ??= new AttemptSharedContext(this.messaging);
    return this.attemptShared;
  }
}

/**
 * Runs one attempt of an in-process agent. Rejects with the abort reason as soon as the signal
 * aborts, even if the agent's own promise ignores it (that promise is then left to settle unheard).
 * A hot path (tens of thousands of no-op tasks per run): one context object and one outcome, and no
 * closures for agents that answer synchronously.
 */
export function runInProcessAgent(agent: InProcessAgent, request: TaskRequest, dispatch: InProcessDispatchContext): Promise<TaskOutcome> {
  const { signal } = dispatch;
  if (signal.aborted) return Promise.reject(signal.reason);
  const context: InProcessAgentContext = new AttemptContext(request, dispatch);
  let result: Promise<string | TaskOutcome> | string | TaskOutcome;
  try {
    result = agent.run(request.task, context);
  } catch (error) {
    return Promise.reject(error);
  }
  if (typeof result === 'string') return Promise.resolve({ output: result });
  if (isThenable(result)) return settleUnlessAborted(agent, result, signal);
  try {
    return Promise.resolve(toOutcome(agent, result));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The in-process agents as an {@link AgentRuntime} (kind `in-process`): the agent is the one named by
 * the invocation's definition. @default agents inProcessAgents() (live)
 */
export function createInProcessRuntime(agentsByName: ReadonlyMap<string, InProcessAgent> = agents): AgentRuntime {
  return {
    kind: 'in-process',
    run(invocation, signal) {
      const agent = agentsByName.get(invocation.agent.name);
      if (agent === undefined) {
        return Promise.reject(new EnsembleError('UNKNOWN_AGENT', `no in-process agent "${invocation.agent.name}" is registered`, { details: { agentName: invocation.agent.name } }));
      }
      return runInProcessAgent(agent, invocation.request, {
        signal,
        reportOutput: invocation.reportOutput ?? ignoreOutput,
        reportUsage: invocation.reportUsage ?? ignoreUsage,
        messaging: messagingOf(invocation),
      });
    },
  };
}

function settleUnlessAborted(agent: InProcessAgent, result: PromiseLike<string | TaskOutcome>, signal: AbortSignal): Promise<TaskOutcome> {
  return new Promise<TaskOutcome>((resolve, reject) => {
    // Aborted during the agent's synchronous part: the listener below would never fire.
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    result.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        try {
          resolve(toOutcome(agent, value));
        } catch (error) {
          reject(error);
        }
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function toOutcome(agent: InProcessAgent, value: string | TaskOutcome): TaskOutcome {
  if (typeof value === 'string') return { output: value };
  if (typeof value === 'object' && value !== null && typeof (value as { output?: unknown }).output === 'string') return value;
  throw new EnsembleError('AGENT_FAILED', `in-process agent "${agent.name}" returned ${describeValue(value)}; expected a string or {output: string}`, {
    details: { agentName: agent.name },
  });
}

function isThenable(value: unknown): value is PromiseLike<string | TaskOutcome> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object without a string "output"';
  return typeof value;
}

function ignoreOutput(): void {}
function ignoreUsage(): void {}

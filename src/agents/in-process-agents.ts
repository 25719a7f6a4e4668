import { AGENT_NAME_PATTERN, EnsembleError } from '../core/index.js';
import type { DependencyOutput, TaskOutcome, TaskSpec } from '../core/index.js';

/** What an in-process agent's `run` receives besides the task. */
export interface InProcessAgentContext {
  /** Aborts when the task times out or the run is cancelled; the agent should stop promptly. */
  readonly signal: AbortSignal;
  /** Outputs of the task's direct dependencies, in declaration order. */
  readonly inputs: readonly DependencyOutput[];
  /** The run this task belongs to. */
  readonly runId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
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

const agents = new Map<string, InProcessAgent>();

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

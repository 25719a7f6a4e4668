import type { TaskOutcome, TaskRequest } from '../core/index.js';
import type { AgentDefinition } from './parse-agent-definition.js';

/** One attempt of a task by a file-defined agent, with everything a runtime needs. */
export interface AgentInvocation {
  readonly request: TaskRequest;
  readonly agent: AgentDefinition;
  /** Working directory of process agents (the task's workspace). */
  readonly workspaceDir: string;
  /** The resolved model (tier alias or provider:model); `n/a` for process agents. */
  readonly model: string;
}

/** Executes invocations of one kind of agent (`command`, `simulated`, …). */
export interface AgentRuntime {
  readonly kind: string;
  /** Resolves with the outcome; when `signal` aborts, stops the work and rejects with `signal.reason`. */
  run(invocation: AgentInvocation, signal: AbortSignal): Promise<TaskOutcome>;
}

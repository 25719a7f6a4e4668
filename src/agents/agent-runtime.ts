import type { AttemptMessaging } from './attempt-messaging.js';
import type { ActivityReporter, BudgetPort, DispatchContext, LeaseGuard, OutputReporter, TaskOutcome, TaskRequest } from '../core/index.js';
import type { ProviderGate } from '../providers/index.js';
import type { McpToolSource } from '../tools/index.js';
import type { AgentDefinition } from './registry/index.js';

/** One attempt of a task by a file-defined agent, with everything a runtime needs. */
export interface AgentInvocation {
  readonly request: TaskRequest;
  readonly agent: AgentDefinition;
  /** Working directory of process agents (the task's workspace). */
  readonly workspaceDir: string;
  /** The resolved model (tier alias or provider:model); `n/a` for process agents. */
  readonly model: string;
  /** Streams partial output into `task:output` events; runtimes coalesce (at most every ~250 ms). */
  readonly reportOutput?: OutputReporter;
  /** Spend of each model call as it settles (success, failure or abort); see `DispatchContext.reportUsage`. */
  readonly reportUsage?: DispatchContext['reportUsage'];
  /** Provider waits, breaker changes and process groups of this attempt. */
  readonly reportEvent?: ActivityReporter;
  /** The run's spending caps; model runtimes hold budget before each call and commit what it spent. */
  readonly budget?: BudgetPort;
  /** Stops the task's timeout while the attempt waits on others (a provider's queue, budget holds); see `DispatchContext.suspendTimeout`. */
  readonly suspendTimeout?: DispatchContext['suspendTimeout'];
  /** The shared provider edge (rate limits, circuit breaker, adaptive concurrency). */
  readonly gate?: ProviderGate;
  /** The run's MCP servers, started when a task first needs one; absent when none are configured. */
  readonly mcp?: McpToolSource;
  /** Reports a warning about the run once per distinct message (an unknown tool name in an agent file). */
  readonly warn?: (message: string) => void;
  /** The attempt's agent messages and shared context store; absent when the run's communication is off. */
  readonly messaging?: AttemptMessaging;
  /** The task's file leases (`DispatchContext.leases`, `locks` mode): tools check writes against them. Absent: no leases apply. */
  readonly leases?: LeaseGuard;
  /** The team member working the attempt (a ticket run); names its tmux window. @default the agent's name */
  readonly member?: string;
}

/** Executes invocations of one kind of agent (`command`, `simulated`, …). */
export interface AgentRuntime {
  readonly kind: string;
  /** Resolves with the outcome; when `signal` aborts, stops the work and rejects with `signal.reason`. */
  run(invocation: AgentInvocation, signal: AbortSignal): Promise<TaskOutcome>;
}

import type { SerializedError } from './errors.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export type TaskStatus = 'pending' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped';

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/** What proves a task was done: process exit code, error stream, the diff it left. */
export interface TaskEvidence {
  readonly exitCode?: number;
  readonly command?: readonly string[];
  readonly stderr?: string;
  readonly diff?: string;
  readonly runtime?: string;
  readonly simulated?: boolean;
  /** `cli` agents: how stdout was read (`text`, `claude-json`, `gemini-json`, `codex-jsonl`). */
  readonly outputFormat?: string;
  /** `cli` agents: why the structured output could not be read and the raw text was used instead. */
  readonly outputNote?: string;
}

/** What an agent returns for one attempt of a task. */
export interface TaskOutcome {
  readonly output: string;
  readonly usage?: TokenUsage;
  /** Dollars spent on this attempt. */
  readonly costUsd?: number;
  readonly model?: string;
  readonly evidence?: TaskEvidence;
}

/** The output of a finished dependency, as handed to the task that needs it. */
export interface DependencyOutput {
  readonly taskId: string;
  readonly agentName: string;
  readonly output: string;
}

/** A task that finished in an earlier execution of the same run (resume). */
export interface PriorTaskResult {
  readonly output: string;
  readonly usage: TokenUsage;
  readonly costUsd: number;
  readonly durationMs: number;
}

export interface RunSummary {
  readonly totalTasks: number;
  readonly successfulTasks: number;
  readonly failedTasks: number;
  readonly skippedTasks: number;
  readonly totalTokens: number;
  /** Dollars. */
  readonly totalCost: number;
  /** Wall time of this execution of the run, in ms. */
  readonly totalDuration: number;
  /** Tasks a spending cap stopped, and which cap (present only when one did). */
  readonly budgetStops?: readonly BudgetStop[];
}

export interface BudgetStop {
  readonly taskId: string;
  /** `run`, `agent` or `task`. */
  readonly cap: string;
  /** The agent name for an agent cap, the task id for a task cap, `run` for the run. */
  readonly name: string;
}

export interface TaskResult {
  readonly taskId: string;
  readonly agentName: string;
  readonly status: TaskStatus;
  readonly output?: string;
  readonly error?: SerializedError;
  readonly attempts: number;
  readonly durationMs: number;
  readonly tokensUsed: number;
  readonly costUsd: number;
}

export interface RunOutcome {
  readonly runId: string;
  readonly status: RunStatus;
  readonly summary: RunSummary;
  readonly results: readonly TaskResult[];
  readonly error?: SerializedError;
}

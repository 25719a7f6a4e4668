import type { SerializedError } from './errors.js';
import type { PermissionCeiling } from './schema.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
/** Every run status, in a stable order (for counts, listings and `--status` checks). */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const satisfies readonly RunStatus[];
export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * `skipped`: a dependency failed, so the task could not run. `cancelled`: the run was cancelled or
 * hit its global timeout before the task finished (it was aborted, or never launched). `waiting`:
 * the task escalated to a person and waits for the answer, holding no slot.
 */
export type TaskStatus = 'pending' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'waiting';

/** Every task status, in a stable order (for counts and listings). */
export const TASK_STATUSES = ['pending', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'cancelled', 'waiting'] as const satisfies readonly TaskStatus[];

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
  /** What changed in the git work tree between the attempt's start and end (untracked files included, earlier edits not). */
  readonly diff?: string;
  /** True when other process tasks worked in the same work tree meanwhile: the diff may hold their changes too. */
  readonly diffShared?: boolean;
  readonly runtime?: string;
  readonly simulated?: boolean;
  /** `cli` agents: how stdout was read (`text`, `claude-json`, `gemini-json`, `codex-jsonl`). */
  readonly outputFormat?: string;
  /** `cli` agents: why the structured output could not be read and the raw text was used instead. */
  readonly outputNote?: string;
  /** The run's permission ceiling the agent worked under. */
  readonly permissions?: PermissionCeiling;
  /** Actions the agent was refused on permission grounds (a CLI's denied tool calls). */
  readonly refusals?: readonly ToolRefusal[];
  /** Files the agent reported changing (besides what `diff` shows). */
  readonly reportedChanges?: readonly ReportedFileChange[];
  /** Commands the agent reported running. */
  readonly commands?: readonly ReportedCommand[];
  /** Lines added and removed over the attempt, as the agent reported them. */
  readonly linesAdded?: number;
  readonly linesRemoved?: number;
  /** Tool calls that failed for any reason, as the agent reported them. */
  readonly failedToolCalls?: number;
  /** Tool calls a tool-using agent made (failed ones included). */
  readonly toolCalls?: number;
}

/** A tool call refused on permission grounds. */
export interface ToolRefusal {
  /** The agent's own tool name (`Write`, `write_file`, `apply_patch`, …). */
  readonly tool: string;
  /** What it was refused for (a path, a command), shortened; absent when the agent said nothing. */
  readonly detail?: string;
}

/** A file an agent reported changing. */
export interface ReportedFileChange {
  readonly path: string;
  /** `add`, `update`, `delete`, or the agent's own word. */
  readonly kind: string;
}

/** A command an agent reported running. */
export interface ReportedCommand {
  readonly command: string;
  /** null when none was reported (still running when the agent stopped, or declined). */
  readonly exitCode: number | null;
}

/** What an agent returns for one attempt of a task. */
/** The finished task a cached output was taken from. */
export interface CachedResultSource {
  readonly runId: string;
  readonly taskId: string;
  /** When that task finished, epoch ms. */
  readonly completedAt: number;
  /** Tokens that task spent on the output: what reusing it saved. */
  readonly tokensSaved: number;
}

export interface TaskOutcome {
  readonly output: string;
  readonly usage?: TokenUsage;
  /** Dollars spent on this attempt. */
  readonly costUsd?: number;
  readonly model?: string;
  readonly evidence?: TaskEvidence;
  /** The output came from the result cache: the task it was reused from (the attempt spent nothing). */
  readonly cachedFrom?: CachedResultSource;
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
  /** Spend of all its attempts. */
  readonly usage: TokenUsage;
  readonly costUsd: number;
  readonly durationMs: number;
}

/** What the attempts of a task spent, in tokens and dollars. */
export interface TaskSpend {
  readonly usage: TokenUsage;
  /** Dollars. */
  readonly costUsd: number;
}

export interface RunSummary {
  readonly totalTasks: number;
  readonly successfulTasks: number;
  readonly failedTasks: number;
  readonly skippedTasks: number;
  /** Tasks stopped by a cancel or the run's global timeout (aborted while running, or never launched). */
  readonly cancelledTasks: number;
  /** Tokens of every attempt of every task (failed, retried and aborted attempts included), across resumes. */
  readonly totalTokens: number;
  /** Dollars, counted like `totalTokens`. */
  readonly totalCost: number;
  /** Wall time of the run in ms: this execution plus the earlier ones a resume continued. */
  readonly totalDuration: number;
  /** Tool calls agents made (`agent:tool` ends), across resumes; 0 in runs journaled before tools existed. */
  readonly toolCalls: number;
  /**
   * Tokens the run's context strategy handed to tasks (dependency outputs, other outputs, messages,
   * shared entries; `task:context` receipts), across resumes: what context cost the run. 0 without a strategy.
   */
  readonly contextTokens: number;
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
  /** Attempts made, across resumes. */
  readonly attempts: number;
  /** Duration of the last attempt, in ms. */
  readonly durationMs: number;
  /** Tokens of all its attempts. */
  readonly tokensUsed: number;
  /** Dollars of all its attempts. */
  readonly costUsd: number;
}

export interface RunOutcome {
  readonly runId: string;
  readonly status: RunStatus;
  readonly summary: RunSummary;
  readonly results: readonly TaskResult[];
  readonly error?: SerializedError;
}

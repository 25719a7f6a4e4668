import { ZERO_USAGE, type TaskOutcome, type TaskSpend, type TokenUsage } from './types.js';

/**
 * What each task of a run spent: the totals of all its attempts (across resumes), and what its
 * running attempt reported so far. Typed arrays indexed by task, so a report allocates nothing.
 */
export class TaskSpendTally {
  /** Tokens of all attempts of each task. */
  tokens: Float64Array;
  /** Dollars of all attempts of each task. */
  costs: Float64Array;
  /** Spend reported through `reportUsage` by the running attempt; reset when an attempt starts or ends. */
  private attemptTokens: Float64Array;
  private attemptInputTokens: Float64Array;
  private attemptOutputTokens: Float64Array;
  private attemptCosts: Float64Array;

  constructor(taskCount: number) {
    this.tokens = new Float64Array(taskCount);
    this.costs = new Float64Array(taskCount);
    this.attemptTokens = new Float64Array(taskCount);
    this.attemptInputTokens = new Float64Array(taskCount);
    this.attemptOutputTokens = new Float64Array(taskCount);
    this.attemptCosts = new Float64Array(taskCount);
  }

  /** Room for `taskCount` tasks (tasks were added to the running graph); what was counted is kept. */
  grow(taskCount: number): void {
    const grown = (old: Float64Array): Float64Array => {
      const next = new Float64Array(taskCount);
      next.set(old);
      return next;
    };
    this.tokens = grown(this.tokens);
    this.costs = grown(this.costs);
    this.attemptTokens = grown(this.attemptTokens);
    this.attemptInputTokens = grown(this.attemptInputTokens);
    this.attemptOutputTokens = grown(this.attemptOutputTokens);
    this.attemptCosts = grown(this.attemptCosts);
  }

  /** Sets a task's totals to what its attempts in earlier executions spent. */
  restore(index: number, spend: TaskSpend): void {
    this.tokens[index] = spend.usage.totalTokens;
    this.costs[index] = spend.costUsd;
  }

  /** An attempt of the task starts: it has reported nothing yet. */
  startAttempt(index: number): void {
    this.clearAttempt(index);
  }

  /** Spend of one model call of the task's running attempt. */
  addToAttempt(index: number, usage: TokenUsage, costUsd: number): void {
    this.attemptTokens[index]! += usage.totalTokens;
    this.attemptInputTokens[index]! += usage.inputTokens;
    this.attemptOutputTokens[index]! += usage.outputTokens;
    this.attemptCosts[index]! += costUsd;
  }

  /** Takes the attempt's spend (what it reported while running, plus what its outcome says) into the task's totals. */
  takeAttempt(index: number, outcome: TaskOutcome | undefined): TaskSpend {
    const returned = outcome?.usage;
    const totalTokens = this.attemptTokens[index]! + (returned?.totalTokens ?? 0);
    const costUsd = this.attemptCosts[index]! + (outcome?.costUsd ?? 0);
    const usage: TokenUsage =
      totalTokens === 0 && returned === undefined
        ? ZERO_USAGE
        : {
            inputTokens: this.attemptInputTokens[index]! + (returned?.inputTokens ?? 0),
            outputTokens: this.attemptOutputTokens[index]! + (returned?.outputTokens ?? 0),
            totalTokens,
          };
    this.clearAttempt(index);
    this.tokens[index]! += totalTokens;
    this.costs[index]! += costUsd;
    return { usage, costUsd };
  }

  private clearAttempt(index: number): void {
    this.attemptTokens[index] = 0;
    this.attemptInputTokens[index] = 0;
    this.attemptOutputTokens[index] = 0;
    this.attemptCosts[index] = 0;
  }
}

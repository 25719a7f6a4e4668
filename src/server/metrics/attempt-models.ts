import { UNKNOWN_MODEL_LABELS, type ModelLabels } from './to-model-labels.js';

/**
 * The model of each attempt in flight, from its `agent:invoke`, until the event that reports its
 * spend (`task:retry`, `task:complete`, `task:error`, `task:cancelled`) takes it. Holds at most
 * `maxAttempts`: past that the oldest run's attempts are dropped (their spend then counts as
 * `unknown`), so runs that never end here (a followed run whose owner died) cannot leak memory.
 */
export class AttemptModels {
  private readonly maxAttempts: number;
  /** Run id → attempt key → labels; the outer Map's order is the order runs were first seen. */
  private readonly runs = new Map<string, Map<string, ModelLabels>>();
  private size = 0;

  constructor(maxAttempts: number) {
    this.maxAttempts = Math.max(1, Math.floor(maxAttempts));
  }

  /** Records the model of an attempt that was just invoked. */
  remember(runId: string, taskId: string, attempt: number, labels: ModelLabels): void {
    let attempts = this.runs.get(runId);
    if (attempts === undefined) {
      attempts = new Map();
      this.runs.set(runId, attempts);
    }
    const key = attemptKey(taskId, attempt);
    if (!attempts.has(key)) this.size++;
    attempts.set(key, labels);
    while (this.size > this.maxAttempts) this.dropOldestRun();
  }

  /** The model of an attempt that ended, forgotten from now on; `unknown` if its invocation was not seen. */
  take(runId: string, taskId: string, attempt: number): ModelLabels {
    const attempts = this.runs.get(runId);
    const key = attemptKey(taskId, attempt);
    const labels = attempts?.get(key);
    if (attempts === undefined || labels === undefined) return UNKNOWN_MODEL_LABELS;
    attempts.delete(key);
    this.size--;
    if (attempts.size === 0) this.runs.delete(runId);
    return labels;
  }

  /** Forgets a run whose execution ended: an attempt of it that never reported spend never will. */
  forgetRun(runId: string): void {
    const attempts = this.runs.get(runId);
    if (attempts === undefined) return;
    this.size -= attempts.size;
    this.runs.delete(runId);
  }

  /** Attempts remembered now. */
  get count(): number {
    return this.size;
  }

  private dropOldestRun(): void {
    const oldest = this.runs.keys().next();
    if (oldest.done === true) return;
    this.forgetRun(oldest.value);
  }
}

function attemptKey(taskId: string, attempt: number): string {
  return `${attempt}:${taskId}`;
}

import type { RunEvent } from './events.js';
import type { TaskSpec } from './schema.js';
import type { DependencyOutput, TaskOutcome } from './types.js';

/** Time source. Core never reads the system clock or sets timers itself, so tests can drive time. */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Calls `callback` once after `delayMs`; the handle cancels it. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
}

/**
 * Durable, ordered record of a run's events. `append` returns only once the events are
 * durable: the scheduler announces nothing it has not journaled.
 */
export interface Journal {
  append(events: readonly RunEvent[]): void;
}

/** One attempt of one task, as handed to whatever executes it (in process or on a worker). */
export interface TaskRequest {
  readonly runId: string;
  readonly task: TaskSpec;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Outputs of the task's direct dependencies, in declaration order. */
  readonly inputs: readonly DependencyOutput[];
}

/**
 * Receives streamed partial output of a running attempt. `restart` says the output reported
 * so far is void (the call behind it was retried) and this delta starts over.
 */
export type OutputReporter = (delta: string, options?: { readonly restart?: boolean }) => void;

/** How a task will be executed, announced in `agent:invoke`. */
export interface InvocationInfo {
  readonly model: string;
  readonly runtime: string;
}

/** Executes task attempts: locally through the agent runtimes, or through a queue of workers. */
export interface TaskDispatcher {
  describe(task: TaskSpec): InvocationInfo;
  /**
   * Must stop promptly when `signal` aborts and then reject (any rejection is mapped to the abort
   * reason). `reportOutput` streams partial output into `task:output` events; call it sparingly
   * (every event is journaled), e.g. at most every 250 ms.
   */
  dispatch(request: TaskRequest, signal: AbortSignal, reportOutput?: OutputReporter): Promise<TaskOutcome>;
}

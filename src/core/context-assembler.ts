import type { EventOutbox } from './event-outbox.js';
import type { ContextStrategy } from './ports.js';
import type { SchedulerPrior } from './resume-prior.js';
import type { RunCommunication } from './run-communication.js';
import type { RunConfig, TaskSpec } from './schema.js';
import type { ContextSources, TaskContext } from './task-context.js';
import type { TaskGraph } from './task-graph.js';
import { TASK_STATUS_CODES } from './task-status-codes.js';

/** The scheduler state a task's context is built from; read through getters, since adding tasks replaces the columns. */
export interface AssemblerState {
  graph(): TaskGraph;
  status(): Uint8Array;
  outputs(): readonly (string | undefined)[];
}

/**
 * Builds what each task receives through the run's context strategy, once per task per execution
 * (its retries get the same), and journals the receipt (`task:context`) and any pruning
 * (`context:pruned`) before the attempt's work starts. A resume hands a re-run task the entries its
 * earlier receipt names.
 */
export class ContextAssembler {
  /** Indexes of the tasks that succeeded, in the order they finished (the context pool's order). */
  private readonly finished: number[] = [];
  private readonly contexts: (TaskContext | undefined)[] = [];
  private readonly sources: ContextSources;
  /** Tokens handed over in receipts, earlier executions included. */
  private tokens: number;

  constructor(
    private readonly strategy: ContextStrategy | undefined,
    private readonly outbox: EventOutbox,
    private readonly config: RunConfig,
    private readonly prior: SchedulerPrior | undefined,
    state: AssemblerState,
    communication: RunCommunication,
  ) {
    this.tokens = prior?.contextTokens ?? 0;
    const finished = this.finished;
    this.sources = {
      get graph() {
        return state.graph();
      },
      output: (index) => (state.status()[index] === TASK_STATUS_CODES.SUCCEEDED ? state.outputs()[index] : undefined),
      finished,
      messages: communication.messages,
      sharedEntries: () => communication.latestShared(),
      sharedEntry: (key, version) => communication.readVersion(key, version),
    };
  }

  /** Tokens the strategy handed to tasks so far, earlier executions included. */
  get tokensSent(): number {
    return this.tokens;
  }

  /** A task succeeded: its output joins the pool. */
  taskSucceeded(index: number): void {
    this.finished.push(index);
  }

  /** What the task was handed in this execution, if its context was built. */
  contextOf(index: number): TaskContext | undefined {
    return this.contexts[index];
  }

  /** Builds the task's context unless it has one (or the run has no strategy); journals what it handed over. */
  assemble(index: number, task: TaskSpec, attempt: number, model: string): void {
    if (this.strategy === undefined || this.contexts[index] !== undefined) return;
    const replay = this.prior?.contextReceipts?.get(task.id);
    const assembled = this.strategy.assemble({
      task,
      index,
      model,
      sources: this.sources,
      thresholdTokens: this.config.pruningThreshold,
      communication: this.config.enableCommunication,
      ...(replay === undefined ? {} : { replay }),
    });
    this.contexts[index] = assembled;
    this.tokens += assembled.receipt.tokens;
    this.outbox.record('task:context', { taskId: task.id, agentName: task.agentName, attempt, receipt: assembled.receipt });
    if (assembled.pruned !== undefined) this.outbox.record('context:pruned', { taskId: task.id, agentName: task.agentName, attempt, ...assembled.pruned });
  }
}

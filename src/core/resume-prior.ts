import type { RunEvent } from './events.js';
import { foldRunEvents, runElapsedMs, type LiveProcessGroup, type RunState } from './run-state.js';
import type { TaskGraph } from './task-graph.js';
import { TASK_STATUS_CODES } from './task-status-codes.js';
import type { TaskSpendTally } from './task-spend-tally.js';
import type { PriorTaskResult, TaskSpend } from './types.js';
import type { RunMessage, SharedContextEntry } from './run-messages.js';
import type { ContextReceipt } from './task-context.js';
import type { WaveProgress } from './wave-progress.js';
import type { EscalationGuidance, OpenEscalation } from './escalation.js';

const { PENDING, SUCCEEDED } = TASK_STATUS_CODES;

/**
 * What a resumed run carries over from its earlier executions (see `toResumePrior`, which derives
 * it from the run's journal).
 */
export interface SchedulerPrior {
  /** Tasks that already succeeded: they keep their outputs and do not run again. */
  readonly completed: ReadonlyMap<string, PriorTaskResult>;
  /** The seq the first event of this execution gets (the journal's last seq + 1). */
  readonly nextSeq: number;
  /** Attempts already made per task, so attempt numbers and execution ids keep counting. @default none */
  readonly attempts?: ReadonlyMap<string, number>;
  /** What the earlier attempts of tasks that did not succeed spent (succeeded tasks carry theirs in `completed`). @default none */
  readonly spend?: ReadonlyMap<string, TaskSpend>;
  /** Wall time of the earlier executions, in ms, added to `summary.totalDuration`. @default 0 */
  readonly elapsedMs?: number;
  /**
   * Process groups of earlier executions that the resume saw gone (it killed them, or they had
   * exited unrecorded): journaled as exited when the run starts, so no later resume waits for them.
   * @default none
   */
  readonly reapedGroups?: readonly ReapedProcessGroup[];
  /** Tool calls of earlier executions, counted on in the summary. @default 0 */
  readonly toolCalls?: number;
  /** Agent messages earlier executions journaled, in order (delivered into later tasks' context). @default none */
  readonly messages?: readonly RunMessage[];
  /** Every version of every shared context key earlier executions wrote, in order. @default none */
  readonly sharedUpdates?: readonly SharedContextEntry[];
  /** Context tokens handed to tasks in earlier executions, counted on in the summary. @default 0 */
  readonly contextTokens?: number;
  /** What each task was handed in an earlier execution (`task:context`), so a re-run gets the same. @default none */
  readonly contextReceipts?: ReadonlyMap<string, ContextReceipt>;
  /** Tasks still waiting for a person's answer, by task id: they go on waiting (deadline and all). @default none */
  readonly waiting?: ReadonlyMap<string, PriorEscalation>;
  /** Answers to each task's escalations so far: its next attempts get them. @default none */
  readonly guidance?: ReadonlyMap<string, readonly EscalationGuidance[]>;
  /** Escalations each task opened so far (a policy flags repeated ones). @default none */
  readonly escalations?: ReadonlyMap<string, number>;
}

/** An escalation an earlier execution opened and nobody has answered yet. */
export interface PriorEscalation extends OpenEscalation {
  readonly reason: string;
  readonly options: readonly string[];
}

/** A process group an earlier execution journaled as started and never as exited, with its task (a resume reaps these). */
export type ReapedProcessGroup = Omit<LiveProcessGroup, 'startedAt'> & { readonly taskId: string };

/**
 * What a resume hands the scheduler, derived from the run's state: the tasks that succeeded (with
 * their outputs and the spend of all their attempts), the attempts every task made, what the
 * attempts of unfinished tasks spent, the wall time of the earlier executions, and the next seq.
 */
export function toResumePrior(state: RunState): SchedulerPrior {
  const completed = new Map<string, PriorTaskResult>();
  const attempts = new Map<string, number>();
  const spend = new Map<string, TaskSpend>();
  // Succeeded tasks in the order they finished: the shared context pool lists the latest first.
  const byFinish = [...state.tasks.values()].sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || a.ordinal - b.ordinal);
  for (const task of byFinish) {
    if (task.attempts > 0) attempts.set(task.taskId, task.attempts);
    if (task.status === 'succeeded') {
      completed.set(task.taskId, { output: task.output ?? '', usage: task.usage, costUsd: task.costUsd, durationMs: task.durationMs ?? 0 });
    } else if (task.usage.totalTokens > 0 || task.costUsd > 0) {
      spend.set(task.taskId, { usage: task.usage, costUsd: task.costUsd });
    }
  }
  const contextReceipts = new Map<string, ContextReceipt>();
  const waiting = new Map<string, PriorEscalation>();
  const guidance = new Map<string, readonly EscalationGuidance[]>();
  const escalations = new Map<string, number>();
  for (const task of state.tasks.values()) {
    if (task.contextReceipt !== undefined) contextReceipts.set(task.taskId, task.contextReceipt);
    if (task.guidance.length > 0) guidance.set(task.taskId, task.guidance);
    if (task.escalations > 0) escalations.set(task.taskId, task.escalations);
    const open = task.escalation;
    if (open !== undefined && task.status !== 'succeeded') {
      const { escalationId, attempt, reason, options, deadlineAt, defaultAction } = open;
      waiting.set(task.taskId, { escalationId, attempt, reason, options, ...(deadlineAt === undefined ? {} : { deadlineAt }), ...(defaultAction === undefined ? {} : { defaultAction }) });
    }
  }
  return {
    waiting,
    guidance,
    escalations,
    completed,
    nextSeq: state.lastSeq + 1,
    attempts,
    spend,
    elapsedMs: runElapsedMs(state),
    toolCalls: state.toolCalls,
    messages: state.messages,
    sharedUpdates: state.sharedUpdates,
    contextReceipts,
    contextTokens: state.contextTokens,
  };
}

/** {@link toResumePrior} of a run's journaled events, in seq order. */
export function resumePriorFromEvents(events: Iterable<RunEvent>): SchedulerPrior {
  return toResumePrior(foldRunEvents(events));
}

/** The scheduler's per-task state, by graph index, that a prior is restored into. */
export interface PriorTarget {
  readonly graph: TaskGraph;
  /** {@link TASK_STATUS_CODES} */
  readonly status: Uint8Array;
  /** Dependencies each task still waits for. */
  readonly waitingOn: Int32Array;
  readonly attempts: Int32Array;
  readonly durations: Float64Array;
  readonly outputs: (string | undefined)[];
  readonly spend: TaskSpendTally;
  readonly waves: WaveProgress;
}

/**
 * Restores what earlier executions did into a scheduler that has not started: attempt counts, the
 * spend of unfinished tasks, and the succeeded tasks with their outputs, which no longer hold up
 * their dependents. Tasks the graph no longer has are ignored. Returns how many tasks it ended.
 */
export function restoreResumePrior(prior: SchedulerPrior, target: PriorTarget): number {
  const { graph, status, waitingOn, attempts, durations, outputs, spend, waves } = target;
  for (const [taskId, count] of prior.attempts ?? []) {
    const index = graph.indexById.get(taskId);
    if (index !== undefined) attempts[index] = count;
  }
  for (const [taskId, taskSpend] of prior.spend ?? []) {
    const index = graph.indexById.get(taskId);
    if (index === undefined || prior.completed.has(taskId)) continue;
    spend.restore(index, taskSpend);
  }
  let ended = 0;
  for (const [taskId, result] of prior.completed) {
    const index = graph.indexById.get(taskId);
    if (index === undefined || status[index] !== PENDING) continue;
    status[index] = SUCCEEDED;
    outputs[index] = result.output;
    spend.restore(index, result);
    durations[index] = result.durationMs;
    ended++;
    waves.endTask(graph.levels[index]!); // no wave has started yet: none is announced as complete
    for (let edge = graph.dependentOffsets[index]!; edge < graph.dependentOffsets[index + 1]!; edge++) {
      waitingOn[graph.dependents[edge]!]!--;
    }
  }
  return ended;
}

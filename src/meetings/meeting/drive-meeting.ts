import { type RunEvent, type RunOutcome, type TaskInput } from '../../core/index.js';
import type { MeetingPlan } from '../schema.js';
import { listMeetingSteps } from './meeting-steps.js';
import { planNextMeetingStep, type MeetingDecision } from './plan-next-meeting-step.js';

/**
 * What the driver needs of a run whose graph grows while it runs (the orchestrator): add tasks,
 * hold the run open between steps, and hear its events.
 */
export interface GrowingRun {
  addTasks(tasks: readonly TaskInput[]): unknown;
  /** While held, the run does not end when every task has ended; the returned function releases the hold. */
  keepOpen(): () => void;
  on(type: '*', listener: (event: RunEvent) => void): () => void;
  cancel(reason?: string): void;
}

/** What a meeting run already holds when the driver takes over (nothing for a new meeting; the journal's for a resume). */
export interface PriorMeetingProgress {
  readonly added: Iterable<string>;
  readonly outputs: Iterable<readonly [string, string]>;
}

/** How a driven meeting ended: the run's outcome and the outputs of every task that succeeded, across executions. */
export interface DrivenMeeting {
  readonly outcome: RunOutcome;
  readonly outputs: ReadonlyMap<string, string>;
}

/**
 * Runs a meeting on a run that grows: the driver holds the run open, adds each step's tasks once
 * the step before it succeeded (deciding with {@link planNextMeetingStep} after every task that
 * ends and when the run starts, so a resume that finds a finished step adds the next one), and
 * releases the hold when the meeting is over or cannot go on (a failed task: the run then ends
 * `failed`, and a resume retries it and carries on). The tasks of the first step, when not yet
 * in the graph, are added before `start` runs the run.
 */
export async function driveMeeting(run: GrowingRun, plan: MeetingPlan, prior: PriorMeetingProgress, start: () => Promise<RunOutcome>): Promise<DrivenMeeting> {
  const steps = listMeetingSteps(plan);
  const added = new Set(prior.added);
  const outputs = new Map(prior.outputs);
  const failed = new Set<string>();
  const release = run.keepOpen();
  let isReleased = false;
  /** A cancel or the global timeout stopped the run: nothing more can be added (the scheduler cancels tasks synchronously, before the next decision). */
  let isStopping = false;
  let driverError: unknown;
  const finish = (): void => {
    if (isReleased) return;
    isReleased = true;
    release();
  };
  const apply = (decision: MeetingDecision): void => {
    if (decision.kind === 'add') {
      for (const task of decision.tasks) added.add(task.id);
      run.addTasks(decision.tasks);
    } else if (decision.kind !== 'wait') {
      finish();
    }
  };
  const decide = (): MeetingDecision => planNextMeetingStep(plan, steps, { added, outputs, failed });
  const evaluate = (): void => {
    if (isReleased) return;
    if (isStopping) {
      finish();
      return;
    }
    try {
      apply(decide());
    } catch (error) {
      // A listener's throw would only be logged: stop the run instead, and report the error from here.
      driverError = error;
      run.cancel(`the meeting could not go on: ${error instanceof Error ? error.message : String(error)}`);
      finish();
    }
  };
  // Decided after the event is fully handled: the orchestrator emits from inside its own bookkeeping.
  const evaluateSoon = (): void => queueMicrotask(evaluate);
  const stopListening = run.on('*', (event) => {
    switch (event.type) {
      case 'task:added':
        added.add(event.taskId);
        break;
      case 'task:start':
        failed.delete(event.taskId);
        break;
      case 'task:complete':
        outputs.set(event.taskId, event.output);
        failed.delete(event.taskId);
        evaluateSoon();
        break;
      case 'task:cancelled':
        isStopping = true;
        failed.add(event.taskId);
        evaluateSoon();
        break;
      case 'task:error':
      case 'task:skipped':
        failed.add(event.taskId);
        evaluateSoon();
        break;
      case 'workflow:start':
        evaluateSoon();
        break;
      case 'workflow:complete':
      case 'workflow:error':
        finish();
        break;
      default:
        break;
    }
  });
  try {
    const first = decide();
    if (first.kind === 'add' && first.step.index === 0) apply(first);
    const outcome = await start();
    if (driverError !== undefined) throw driverError;
    return { outcome, outputs };
  } finally {
    stopListening();
    finish();
  }
}

/**
 * What a meeting run's journal says of its tasks: those in its graph (started with, or added while
 * it ran) and the outputs of those that succeeded (a task that ran again keeps its last output).
 */
export function readPriorMeetingProgress(specTaskIds: readonly string[], events: readonly RunEvent[]): PriorMeetingProgress {
  const added = new Set(specTaskIds);
  const outputs = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'task:added') added.add(event.taskId);
    else if (event.type === 'task:complete') outputs.set(event.taskId, event.output);
  }
  return { added, outputs };
}

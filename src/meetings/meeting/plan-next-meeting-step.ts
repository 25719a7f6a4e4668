import type { TaskInput } from '../../core/index.js';
import type { MeetingPlan } from '../schema.js';
import { composeMinutesPrompt, composeStatementPrompt } from './compose-meeting-prompts.js';
import type { MeetingStep } from './meeting-steps.js';
import { buildMeetingTranscript } from './meeting-transcript.js';

/** What the meeting's run knows of its tasks, folded from its events. */
export interface MeetingProgress {
  /** Tasks in the run's graph. */
  readonly added: ReadonlySet<string>;
  /** Outputs of the tasks that succeeded. */
  readonly outputs: ReadonlyMap<string, string>;
  /** Tasks that ended without success in this execution (failed, skipped, cancelled). */
  readonly failed: ReadonlySet<string>;
}

/** What the meeting does next. */
export type MeetingDecision =
  /** Add the next step's tasks (those not yet in the graph). */
  | { readonly kind: 'add'; readonly step: MeetingStep; readonly tasks: readonly TaskInput[] }
  /** Tasks of the current step are still to finish. */
  | { readonly kind: 'wait' }
  /** Every step succeeded: the meeting is over. */
  | { readonly kind: 'done' }
  /** A task ended without success: the meeting cannot go on in this execution (a resume runs it again). */
  | { readonly kind: 'stalled'; readonly taskIds: readonly string[] };

/**
 * Decides the meeting's next move from its progress: the steps run strictly in order, and a step's
 * tasks are made (their prompts carrying every statement before them) only once every earlier
 * step succeeded. A step added only in part (a crash between journaling its tasks) is completed.
 * Pure: the driver calls it after every task that ends, and once when a run (or a resume) starts.
 */
export function planNextMeetingStep(plan: MeetingPlan, steps: readonly MeetingStep[], progress: MeetingProgress): MeetingDecision {
  for (const step of steps) {
    const missing = step.taskIds.filter((taskId) => !progress.added.has(taskId));
    if (missing.length > 0) return { kind: 'add', step, tasks: composeStepTasks(plan, step, progress, new Set(missing)) };
    const failed = step.taskIds.filter((taskId) => progress.failed.has(taskId));
    if (failed.length > 0) return { kind: 'stalled', taskIds: failed };
    if (step.taskIds.some((taskId) => !progress.outputs.has(taskId))) return { kind: 'wait' };
  }
  return { kind: 'done' };
}

function composeStepTasks(plan: MeetingPlan, step: MeetingStep, progress: MeetingProgress, wanted: ReadonlySet<string>): TaskInput[] {
  const transcript = buildMeetingTranscript(plan, progress.outputs);
  const topic = plan.topics[step.topicIndex]!;
  const timeout = plan.timeoutMs === undefined ? {} : { timeoutMs: plan.timeoutMs };
  if (step.kind === 'minutes') {
    const taskId = step.taskIds[0]!;
    return wanted.has(taskId)
      ? [
          {
            id: taskId,
            agentName: plan.facilitator,
            description: `${clip(topic)} · minutes`,
            prompt: composeMinutesPrompt(plan, step, transcript),
            ...timeout,
          },
        ]
      : [];
  }
  const round = plan.rounds[step.roundIndex!]!;
  return step.taskIds.flatMap((taskId, position) => {
    if (!wanted.has(taskId)) return [];
    const speaker = step.speakers[position]!;
    return [
      {
        id: taskId,
        agentName: speaker,
        description: `${clip(topic)} · ${round.name}`,
        prompt: composeStatementPrompt(plan, step, speaker, transcript),
        ...timeout,
      },
    ];
  });
}

function clip(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  return line.length <= 80 ? line : `${line.slice(0, 79)}…`;
}

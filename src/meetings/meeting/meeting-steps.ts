import type { MeetingPlan } from '../schema.js';

/**
 * One growth step of a meeting's graph: the tasks added together once every earlier step
 * succeeded. A parallel round is one step (every participant at once); a sequential round is one
 * step per speaker, so each sees the statements made before it in the round; each topic ends with
 * a step of one task, the facilitator's minutes.
 */
export interface MeetingStep {
  /** Position among the meeting's steps, from 0. */
  readonly index: number;
  /** From 0. */
  readonly topicIndex: number;
  readonly kind: 'statements' | 'minutes';
  /** From 0; absent for the minutes. */
  readonly roundIndex?: number;
  /** Who speaks in this step (the facilitator for the minutes), in speaking order. */
  readonly speakers: readonly string[];
  /** One task per speaker, in the same order. */
  readonly taskIds: readonly string[];
}

/** Id of a participant's statement: `topic-1.round-2.backend-architect` (topics and rounds counted from 1). */
export function statementTaskId(topicIndex: number, roundIndex: number, speaker: string): string {
  return `topic-${topicIndex + 1}.round-${roundIndex + 1}.${speaker}`;
}

/** Id of the facilitator's minutes of a topic: `topic-1.minutes`. */
export function minutesTaskId(topicIndex: number): string {
  return `topic-${topicIndex + 1}.minutes`;
}

/** Every step of the meeting, in the order they run: topic by topic, round by round, then the minutes. */
export function listMeetingSteps(plan: MeetingPlan): readonly MeetingStep[] {
  const steps: MeetingStep[] = [];
  const push = (step: Omit<MeetingStep, 'index'>): void => void steps.push({ index: steps.length, ...step });
  plan.topics.forEach((_, topicIndex) => {
    plan.rounds.forEach((_round, roundIndex) => {
      const groups = plan.speakingOrder === 'parallel' ? [plan.participants] : plan.participants.map((speaker) => [speaker]);
      for (const speakers of groups) {
        push({ topicIndex, kind: 'statements', roundIndex, speakers, taskIds: speakers.map((speaker) => statementTaskId(topicIndex, roundIndex, speaker)) });
      }
    });
    push({ topicIndex, kind: 'minutes', speakers: [plan.facilitator], taskIds: [minutesTaskId(topicIndex)] });
  });
  return steps;
}

import type { MeetingPlan } from '../schema.js';
import { listMeetingSteps } from './meeting-steps.js';
import { parseMeetingMinutes, type MeetingMinutes } from './parse-meeting-minutes.js';

/** What one participant said in one round. */
export interface MeetingStatement {
  readonly speaker: string;
  readonly taskId: string;
  readonly text: string;
}

export interface MeetingRoundRecord {
  /** From 0. */
  readonly index: number;
  readonly name: string;
  /** The statements made, in speaking order (participants whose statement is missing are left out). */
  readonly statements: readonly MeetingStatement[];
}

/** A topic's minutes: what the facilitator wrote, read into its parts, and the reply itself. */
export interface TopicMinutes extends MeetingMinutes {
  readonly facilitator: string;
  readonly taskId: string;
  /** The facilitator's reply as written. */
  readonly text: string;
}

export interface MeetingTopicRecord {
  /** From 0. */
  readonly index: number;
  readonly topic: string;
  readonly rounds: readonly MeetingRoundRecord[];
  /** Absent until the facilitator wrote them. */
  readonly minutes?: TopicMinutes;
}

/** A meeting as far as it went: every statement by topic and round, and the minutes written so far. */
export interface MeetingTranscript {
  readonly typeId: string;
  readonly typeName: string;
  readonly title: string;
  readonly participants: readonly string[];
  readonly facilitator: string;
  readonly topics: readonly MeetingTopicRecord[];
  /** Statements and minutes expected by the plan but not (yet) made. */
  readonly missingTaskIds: readonly string[];
}

/**
 * The transcript of a meeting from its plan and the outputs of the tasks that succeeded (by task
 * id): the one derivation behind prompts, `meetings show`, the library's result and the context
 * handed to a later workflow.
 */
export function buildMeetingTranscript(plan: MeetingPlan, outputs: ReadonlyMap<string, string>): MeetingTranscript {
  const missingTaskIds: string[] = [];
  const topics = plan.topics.map((topic, topicIndex): MeetingTopicRecord => {
    const rounds: { index: number; name: string; statements: MeetingStatement[] }[] = plan.rounds.map((round, index) => ({ index, name: round.name, statements: [] }));
    let minutes: TopicMinutes | undefined;
    for (const step of listMeetingSteps(plan)) {
      if (step.topicIndex !== topicIndex) continue;
      step.taskIds.forEach((taskId, position) => {
        const text = outputs.get(taskId);
        if (text === undefined) {
          missingTaskIds.push(taskId);
          return;
        }
        if (step.kind === 'minutes') minutes = { ...parseMeetingMinutes(text), facilitator: plan.facilitator, taskId, text };
        else rounds[step.roundIndex!]!.statements.push({ speaker: step.speakers[position]!, taskId, text });
      });
    }
    return { index: topicIndex, topic, rounds, ...(minutes === undefined ? {} : { minutes }) };
  });
  return {
    typeId: plan.typeId,
    typeName: plan.typeName,
    title: plan.title,
    participants: plan.participants,
    facilitator: plan.facilitator,
    topics,
    missingTaskIds,
  };
}

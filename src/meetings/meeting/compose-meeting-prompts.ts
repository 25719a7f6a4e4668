import type { MeetingPlan } from '../schema.js';
import type { MeetingStep } from './meeting-steps.js';
import type { MeetingTranscript } from './meeting-transcript.js';
import { renderMinutes, renderRound } from './render-meeting-text.js';

/**
 * The format the facilitator is asked to answer in; `parseMeetingMinutes` reads it (and the usual
 * deviations from it).
 */
export const MINUTES_FORMAT = [
  'Answer in exactly this Markdown format, with these three headings:',
  '',
  '## Summary',
  'A few short paragraphs: what was discussed, where participants agreed and disagreed.',
  '',
  '## Decisions',
  '- one line per decision (write "- none" if nothing was decided)',
  '',
  '## Action items',
  '- owner: what to do (due: when, if known)',
  '(one line per action item; the owner is a participant or a role; write "- none" if there are none)',
].join('\n');

/** The prompt of one participant's statement in one step: the meeting, what was said so far, and the round's instruction. */
export function composeStatementPrompt(plan: MeetingPlan, step: MeetingStep, speaker: string, transcript: MeetingTranscript): string {
  const roundIndex = step.roundIndex!;
  const round = plan.rounds[roundIndex]!;
  const topic = transcript.topics[step.topicIndex]!;
  const parts = [
    `You are ${speaker}, taking part in a meeting: ${plan.typeName}, "${plan.title}".`,
    `Purpose of the meeting: ${plan.purpose}`,
    `Participants: ${plan.participants.join(', ')}. Facilitator: ${plan.facilitator}.`,
    ...backgroundParts(plan, transcript, step.topicIndex),
    `## Current topic (${step.topicIndex + 1} of ${plan.topics.length}): ${topic.topic}`,
  ];
  const heard = topic.rounds.filter((record) => record.index < roundIndex || (record.index === roundIndex && plan.speakingOrder === 'sequential'));
  const spoken = heard.filter((record) => record.statements.length > 0);
  if (spoken.length === 0) {
    parts.push('Nobody has spoken on this topic yet.');
  } else {
    parts.push('## Transcript of this topic so far', ...spoken.map((record) => renderRound(record, record.index === roundIndex ? `### Round ${record.index + 1}: ${record.name} (this round, so far)` : undefined)));
  }
  parts.push(
    `## Your turn: round ${roundIndex + 1} of ${plan.rounds.length}, ${round.name}`,
    round.instruction,
    `Speak as ${speaker}, from your own specialty. When you respond to what someone said, name them. Give your statement only: no preamble, no minutes.`,
  );
  return parts.join('\n\n');
}

/** The prompt of a topic's minutes: the whole transcript of the topic, what the minutes must cover, and the format. */
export function composeMinutesPrompt(plan: MeetingPlan, step: MeetingStep, transcript: MeetingTranscript): string {
  const topic = transcript.topics[step.topicIndex]!;
  return [
    `You are ${plan.facilitator}, the facilitator of a meeting: ${plan.typeName}, "${plan.title}".`,
    `Purpose of the meeting: ${plan.purpose}`,
    `Participants: ${plan.participants.join(', ')}.`,
    ...backgroundParts(plan, transcript, step.topicIndex),
    `## Topic ${step.topicIndex + 1} of ${plan.topics.length}: ${topic.topic}`,
    '## Transcript of this topic',
    ...topic.rounds.map((record) => renderRound(record)),
    '## Your task',
    `Write the minutes of this topic. ${plan.facilitatorPrompt}`,
    'Base them only on the transcript; attribute positions to the participants who took them.',
    MINUTES_FORMAT,
  ].join('\n\n');
}

/** The meeting's background and the minutes of the topics already closed. */
function backgroundParts(plan: MeetingPlan, transcript: MeetingTranscript, topicIndex: number): string[] {
  const parts: string[] = [];
  if (plan.context !== undefined) parts.push('## Background', plan.context.trim());
  const closed = transcript.topics.slice(0, topicIndex);
  if (closed.length > 0) {
    parts.push('## Earlier topics of this meeting (their minutes)');
    for (const earlier of closed) {
      parts.push(`### Topic ${earlier.index + 1}: ${earlier.topic}`, earlier.minutes === undefined ? '(no minutes)' : renderMinutes(earlier.minutes));
    }
  }
  return parts;
}

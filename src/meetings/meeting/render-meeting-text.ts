import type { MeetingMinutes } from './parse-meeting-minutes.js';
import type { MeetingRoundRecord, MeetingTranscript } from './meeting-transcript.js';

/**
 * Longest statement quoted whole into a later prompt, in characters (about 3,000 tokens): a
 * participant that writes a report instead of a statement must not crowd out everyone else.
 */
export const MAX_QUOTED_STATEMENT_CHARS = 12_000;

/** A statement as quoted in a prompt: trimmed, its middle cut (and the cut marked) past the limit. */
export function quoteStatement(text: string, maxChars = MAX_QUOTED_STATEMENT_CHARS): string {
  const trimmed = text.trim();
  if (trimmed.length <= maxChars) return trimmed;
  const head = Math.ceil(maxChars * 0.75);
  const tail = maxChars - head;
  return `${trimmed.slice(0, head)}\n\n[… ${trimmed.length - maxChars} characters of this statement left out …]\n\n${trimmed.slice(trimmed.length - tail)}`;
}

/** `### Round 2: discussion` and each statement under its speaker's name. */
export function renderRound(round: MeetingRoundRecord, heading = `### Round ${round.index + 1}: ${round.name}`): string {
  const statements = round.statements.map((statement) => `**${statement.speaker}:**\n\n${quoteStatement(statement.text)}`);
  return [heading, ...statements].join('\n\n');
}

/** Minutes as Markdown sections: summary, decisions, action items (`- owner: action (due: …)`). */
export function renderMinutes(minutes: MeetingMinutes, headingLevel = '####'): string {
  const parts = [`${headingLevel} Summary`, minutes.summary === '' ? '(no summary)' : minutes.summary];
  parts.push(`${headingLevel} Decisions`, minutes.decisions.length === 0 ? '- none' : minutes.decisions.map((decision) => `- ${decision}`).join('\n'));
  parts.push(
    `${headingLevel} Action items`,
    minutes.actionItems.length === 0
      ? '- none'
      : minutes.actionItems.map((item) => `- ${item.owner === undefined ? '' : `${item.owner}: `}${item.action}${item.due === undefined ? '' : ` (due: ${item.due})`}`).join('\n'),
  );
  return parts.join('\n\n');
}

/**
 * The minutes of a meeting as context for later work (`ensemble run --with-meeting`): title,
 * participants, and per topic the facilitator's summary, decisions and action items.
 */
export function renderMeetingContext(transcript: MeetingTranscript, runId: string): string {
  const parts = [
    `## Minutes of the meeting "${transcript.title}" (${transcript.typeName}, run ${runId})`,
    `Participants: ${transcript.participants.join(', ')}. Facilitator: ${transcript.facilitator}.`,
  ];
  for (const topic of transcript.topics) {
    parts.push(`### Topic ${topic.index + 1}: ${topic.topic}`);
    if (topic.minutes !== undefined) parts.push(renderMinutes(topic.minutes));
    else parts.push('(this topic has no minutes: the meeting did not finish it)', ...topic.rounds.filter((round) => round.statements.length > 0).map((round) => renderRound(round, `#### Round ${round.index + 1}: ${round.name}`)));
  }
  return parts.join('\n\n');
}

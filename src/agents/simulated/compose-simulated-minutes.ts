import { createRandom } from '../../core/index.js';
import { extractKeywords } from './extract-keywords.js';
import { SIMULATED_LABEL } from './compose-simulated-answer.js';

// The headings a facilitator's prompt asks the minutes under (see the meetings' MINUTES_FORMAT).
const MINUTES_HEADINGS = ['## Summary', '## Decisions', '## Action items'] as const;

/** Whether the prompt asks for meeting minutes: the three headings of the minutes format. */
export function asksForMinutes(prompt: string): boolean {
  return MINUTES_HEADINGS.every((heading) => prompt.includes(heading));
}

/**
 * Simulated minutes in the asked-for format, built from the prompt alone: the topic, the
 * participants, who spoke, and the subjects the transcript keeps returning to. Deterministic
 * for a seed, and labelled simulated like every simulated answer.
 */
export function composeSimulatedMinutes(agentName: string, prompt: string, seed: number): string {
  const random = createRandom(seed);
  const topic = /^## Topic \d+ of \d+: (.+)$/m.exec(prompt)?.[1]?.trim() ?? 'the topic';
  const participants = (/^Participants: (.+?)\.?$/m.exec(prompt)?.[1] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const speakers = [...new Set([...prompt.matchAll(/^\*\*([A-Za-z0-9_-]+):\*\*/gm)].map((match) => match[1] as string))];
  const transcript = prompt.slice(prompt.indexOf('## Transcript'));
  const subjects = extractKeywords(transcript === '' ? prompt : transcript, 4);
  const subject = (index: number): string => subjects[index % Math.max(1, subjects.length)] ?? topic;
  const owners = participants.length > 0 ? participants : [agentName];
  const owner = (index: number): string => owners[(index + Math.floor(random() * owners.length)) % owners.length] as string;
  return [
    SIMULATED_LABEL,
    '',
    '## Summary',
    '',
    `${agentName} (simulated) summarises the discussion of "${topic}": ${speakers.length === 0 ? 'no statements were recorded' : `${speakers.length} participant${speakers.length === 1 ? '' : 's'} spoke (${speakers.join(', ')})`}. ` +
      `The discussion kept returning to ${subjects.length === 0 ? 'the topic itself' : subjects.join(', ')}.`,
    '',
    '## Decisions',
    '',
    `- Go ahead with the approach to ${subject(0)} that the participants converged on.`,
    `- Revisit ${subject(1)} once the first results are in.`,
    '',
    '## Action items',
    '',
    `- ${owner(0)}: write down the agreed approach to ${subject(0)} (due: next meeting)`,
    `- ${owner(1)}: check the open questions about ${subject(1)} (due: next meeting)`,
  ].join('\n');
}

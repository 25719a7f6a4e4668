import type { ContextEntry, DependencyOutput } from '../../core/index.js';
import { createRandom } from '../../core/index.js';
import { detectSimulatedRole } from './detect-role.js';
import { extractKeywords } from './extract-keywords.js';
import { SIMULATED_ROLE_SECTIONS, toTitleCase } from './role-sections.js';
import type { Keywords } from './role-sections.js';

/** First line of every simulated output, so nobody mistakes it for a model's answer. */
export const SIMULATED_LABEL = "[simulated output — ensemble's offline simulated runtime; no model was called]";

/** Line naming the answer's subject phrases, so the tasks after it stay on the same subject. */
const SUBJECT_PREFIX = 'Subject: ';

export interface SimulatedAnswerInput {
  readonly agent: { readonly name: string; readonly description: string; readonly category: string };
  readonly task: { readonly id: string; readonly description: string; readonly prompt: string };
  readonly inputs: readonly DependencyOutput[];
  /** The rest of the task's context (messages for it, other outputs, shared entries). @default none */
  readonly context?: readonly ContextEntry[];
  /** 32-bit seed; the same seed and input give the same answer. */
  readonly seed: number;
}

/** A plausible, clearly labelled Markdown answer in the agent's voice, built only from its input. */
export function composeSimulatedAnswer(input: SimulatedAnswerInput): string {
  const random = createRandom(input.seed);
  const role = detectSimulatedRole(input.agent);
  const ownWords = extractKeywords(`${input.task.description}\n${input.task.prompt}`, 6);
  const inputWords = input.inputs.flatMap((dependency) => subjectOf(dependency.output));
  const found = [...new Set([...ownWords, ...inputWords])].slice(0, 6);
  const fallback = ['scope', 'interfaces', 'failure-modes'].filter((word) => !found.includes(word));
  const keywords = [...found, ...fallback].slice(0, Math.max(3, found.length)) as unknown as Keywords;
  const topic = describeTopic(input.task);
  const sections = SIMULATED_ROLE_SECTIONS[role](keywords, random);
  return [
    SIMULATED_LABEL,
    '',
    `# ${toTitleCase(input.agent.name)}: ${topic}`,
    '',
    `Written in the role of **${input.agent.name}** (${input.agent.category}): ${clip(firstLine(input.agent.description), 120) || 'general agent'}`,
    '',
    ...composeGuidanceLines(input.context ?? []),
    `${SUBJECT_PREFIX}${keywords.join('; ')}`,
    '',
    ...sections,
    '## Inputs considered',
    '',
    ...(input.inputs.length === 0
      ? ['- none: this task has no dependencies.']
      : input.inputs.map((dependency) => `- \`${dependency.taskId}\` (${dependency.agentName}): "${excerpt(dependency.output)}"`)),
    '',
    ...composeContextLines(input.context ?? []),
  ].join('\n');
}

/** The messages the task received, each by sender and type with its first line, then the other context it was handed. */
function composeContextLines(context: NonNullable<SimulatedAnswerInput['context']>): string[] {
  const messages = context.filter((entry) => entry.relation === 'message');
  const others = context.filter((entry) => entry.relation !== 'message' && entry.relation !== 'guidance');
  const lines: string[] = [];
  if (messages.length > 0) {
    lines.push('## Messages received', '', ...messages.map((entry) => `- from ${entry.agentName} (${entry.messageType ?? 'message'}): "${clip(firstLine(entry.text).replace(/"/g, "'"), 200)}"`), '');
  }
  if (others.length > 0) {
    lines.push(
      '## Other context considered',
      '',
      ...others.map((entry) =>
        entry.relation === 'shared'
          ? `- shared \`${entry.source}\` (set by ${entry.agentName}): "${excerpt(entry.text)}"`
          : `- \`${entry.source}\` (${entry.agentName}; ${entry.relation}${entry.treatment === 'whole' ? '' : `, ${entry.treatment}`}): "${excerpt(entry.text)}"`,
      ),
      '',
    );
  }
  return lines;
}

/** One line per answer a person gave to the task's escalations: "Following the guidance: …". */
function composeGuidanceLines(context: NonNullable<SimulatedAnswerInput['context']>): string[] {
  const guidance = context.filter((entry) => entry.relation === 'guidance');
  if (guidance.length === 0) return [];
  return [...guidance.map((entry) => `Following the guidance: ${clip(answerOf(entry.text).replace(/\s+/g, ' '), 200)}`), ''];
}

/** The person's words in a guidance entry (after "A person answered:" or "the default action stands:"), else its first line. */
function answerOf(text: string): string {
  const answered = /(?:A person answered|the default action stands):\s*([\s\S]+)$/.exec(text)?.[1]?.trim();
  return answered === undefined || answered === '' ? firstLine(text) : answered;
}

function describeTopic(task: SimulatedAnswerInput['task']): string {
  return clip(firstLine(task.description) || firstLine(task.prompt) || `task ${task.id}`, 80);
}

function stripLabel(output: string): string {
  return output.startsWith(SIMULATED_LABEL) ? output.slice(SIMULATED_LABEL.length) : output;
}

/**
 * The first line of prose in a dependency's output (not a heading, table, code fence or the
 * simulated preamble), without Markdown decoration, at most 100 characters.
 */
function excerpt(output: string): string {
  const lines = stripLabel(output)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const prose = lines.find((line) => !/^(?:#|\||```|\[simulated output|Written in the role of |Subject: )/.test(line)) ?? lines[0];
  if (prose === undefined) return '(empty output)';
  return clip(prose.replace(/^[#>*|\s-]+/, '').replace(/\*\*|`/g, '').replace(/\s+/g, ' ').replace(/"/g, "'"), 100);
}

/**
 * The subject phrases of a dependency's output: its `Subject:` line when it is a simulated
 * answer, else phrases from its first heading and first line of prose (its body is mostly structure).
 */
function subjectOf(output: string): string[] {
  const subjectLine = output.startsWith(SIMULATED_LABEL) ? new RegExp(`^${SUBJECT_PREFIX}(.+)$`, 'm').exec(output)?.[1] : undefined;
  if (subjectLine !== undefined) return subjectLine.split('; ').filter((phrase) => phrase !== '');
  const heading = (/^#{1,6}\s+(.*)$/m.exec(output)?.[1] ?? '').replace(/^[^:]{1,40}:\s+/, '');
  return extractKeywords(`${heading}\n${excerpt(output)}`, 6);
}

function clip(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1).trimEnd()}…` : text;
}

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .find((line) => line !== '') ?? ''
  );
}


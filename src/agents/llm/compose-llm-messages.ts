import type { ContextEntry, DependencyOutput, TaskSpec } from '../../core/index.js';
import type { AgentDefinition } from '../registry/index.js';

/** The two texts a model receives for one task. */
export interface LlmMessages {
  /** The agent definition's body. */
  readonly system: string;
  /** The task prompt, its context and the outputs of its dependencies. */
  readonly prompt: string;
}

const RELATION_WORDS: Readonly<Record<Exclude<ContextEntry['relation'], 'message' | 'shared' | 'guidance'>, string>> = {
  dependency: 'a task this one depends on',
  ancestor: 'a task this one depends on indirectly',
  pool: 'another task of this run',
};

const TREATMENT_WORDS: Readonly<Record<ContextEntry['treatment'], string>> = {
  whole: '',
  trimmed: '; trimmed: its middle was cut to fit',
  summary: '; a summary, not the whole output',
};

/**
 * Builds the model input of a task: the agent's body is the system prompt; the user message is
 * the task's prompt (or its description), its `context` as JSON, then each dependency's output
 * under a `### taskId (agentName)` heading, then the rest of the context the run's strategy handed
 * it (`context`): each entry under a heading naming where it comes from and how it was cut —
 * messages as "Message from X (type)", with the id a response names and how to answer. A person's
 * guidance (the answer to an escalation) comes first in that section.
 */
export function composeLlmMessages(agent: AgentDefinition, task: TaskSpec, inputs: readonly DependencyOutput[], context: readonly ContextEntry[] = []): LlmMessages {
  const system = agent.prompt.trim() === '' ? `You are ${agent.name}: ${agent.description}` : agent.prompt.trim();
  const request = task.prompt.trim() !== '' ? task.prompt.trim() : task.description.trim() !== '' ? task.description.trim() : `Carry out task "${task.id}".`;
  const sections = [request];
  if (task.context !== undefined && Object.keys(task.context).length > 0) {
    sections.push(`## Context\n\n\`\`\`json\n${JSON.stringify(task.context, null, 2)}\n\`\`\``);
  }
  if (inputs.length > 0) {
    const outputs = inputs.map((input) => `### ${input.taskId} (${input.agentName})\n\n${input.output.trim()}`);
    sections.push(`## Outputs of the tasks this one depends on\n\n${outputs.join('\n\n')}`);
  }
  if (context.length > 0) sections.push(composeContextSection(context));
  return { system, prompt: sections.join('\n\n') };
}

function composeContextSection(context: readonly ContextEntry[]): string {
  // A person's answer to the task's own question outweighs everything else it was handed: first.
  const ordered = [...context.filter((entry) => entry.relation === 'guidance'), ...context.filter((entry) => entry.relation !== 'guidance')];
  const entries = ordered.map((entry) => `### ${headingOf(entry)}\n\n${entry.text.trim()}`);
  const hasMessages = context.some((entry) => entry.relation === 'message');
  const howToAnswer = hasMessages
    ? [
        '',
        'To answer a message, call SendMessage if you have it, or write in your answer:',
        '<AGENT_MESSAGE to="AGENT" type="response" in-reply-to="ID">your answer</AGENT_MESSAGE>',
        '(the tag is taken out of your answer and delivered).',
      ]
    : [];
  return [`## More context from this run\n\n${entries.join('\n\n')}`, ...howToAnswer].join('\n');
}

function headingOf(entry: ContextEntry): string {
  const treatment = TREATMENT_WORDS[entry.treatment];
  switch (entry.relation) {
    case 'message': {
      const id = entry.key.startsWith('message:') ? `; id ${entry.key.slice('message:'.length)}` : '';
      return `Message from ${entry.agentName} (${entry.messageType ?? 'message'}${id}${treatment})`;
    }
    case 'shared':
      return `Shared context "${entry.source}" (set by ${entry.agentName}${treatment})`;
    case 'guidance':
      return `Guidance from a person, answering your escalation ${entry.source}: follow it`;
    default:
      return `Output of ${entry.source} (${entry.agentName}): ${RELATION_WORDS[entry.relation]}${treatment}`;
  }
}

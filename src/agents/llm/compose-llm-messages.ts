import type { DependencyOutput, TaskSpec } from '../../core/index.js';
import type { AgentDefinition } from '../registry/index.js';

/** The two texts a model receives for one task. */
export interface LlmMessages {
  /** The agent definition's body. */
  readonly system: string;
  /** The task prompt, its context and the outputs of its dependencies. */
  readonly prompt: string;
}

/**
 * Builds the model input of a task: the agent's body is the system prompt; the user message is
 * the task's prompt (or its description), its `context` as JSON, then each dependency's output
 * under a `### taskId (agentName)` heading.
 */
export function composeLlmMessages(agent: AgentDefinition, task: TaskSpec, inputs: readonly DependencyOutput[]): LlmMessages {
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
  return { system, prompt: sections.join('\n\n') };
}

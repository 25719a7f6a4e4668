import type { TaskSpec } from '../../core/index.js';

/**
 * The tasks of a later workflow with a meeting's minutes put before each prompt, so every
 * agent, whatever its runtime (an `llm`, a coding CLI, a command reading stdin), works from
 * what the meeting decided.
 */
export function withMeetingContext<Task extends Pick<TaskSpec, 'prompt' | 'description'>>(tasks: readonly Task[], context: string): Task[] {
  return tasks.map((task) => {
    const request = task.prompt.trim() !== '' ? task.prompt : task.description;
    return { ...task, prompt: `${context.trim()}\n\n---\n\n## Your task\n\n${request.trim()}` };
  });
}

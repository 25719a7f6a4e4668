import type { RouteRequest } from './schema.js';

/** The parts of one routed task's prompt, each a paragraph. */
export interface RoutePromptParts {
  readonly request: RouteRequest;
  /** The kind of work (`a code review`), or the task type for a hybrid route. */
  readonly work: string;
  /** This role's part: what to read, run and change. */
  readonly instruction: string;
  /** Where the task sits in the plan: who works beside it, before it and after it. */
  readonly arrangement: string;
  /** Tool and evidence rules of the task type. */
  readonly rules: string;
}

const REPORT =
  'End with a short report for the steps that follow: what you did and found, the files you read, created or changed ' +
  '(as paths), the commands you ran with their exit codes, and anything left open.';

/** A routed task's prompt: the task and notes, the role's part, the arrangement, the rules, the report to end with. */
export function composeRoutePrompt(parts: RoutePromptParts): string {
  const { request } = parts;
  const brief = [`Task (${parts.work}): ${request.description}`, ...(request.context === undefined || request.context === '' ? [] : [`Notes: ${request.context}`])].join('\n');
  return [brief, parts.instruction, parts.arrangement, parts.rules, REPORT].join('\n\n');
}

/** `a (x) → b (y, you) → c (z)`: a chain or a list of tasks with their agents, marking the reader. */
export function describeTaskList(tasks: readonly { readonly id: string; readonly agentName: string }[], separator: string, selfId?: string): string {
  return tasks.map((task) => `${task.id} (${task.agentName}${task.id === selfId ? ', you' : ''})`).join(separator);
}

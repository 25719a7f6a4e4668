import type { InputIssue, TaskSpec } from '../core/index.js';
import { retryPolicySchema, taskSpecSchema } from '../core/index.js';
import type { PlaceholderScope } from './substitute-placeholders.js';
import { substituteTaskPlaceholders } from './substitute-placeholders.js';
import { toWorkflowIssues } from './to-workflow-issues.js';

export interface TaskResolution {
  readonly tasks: TaskSpec[];
  /** Placeholder and shape problems, with paths like `tasks[1].prompt`. */
  readonly issues: InputIssue[];
}

const TASK_FIELDS = Object.keys(taskSpecSchema.shape);
const RETRY_FIELDS = Object.keys(retryPolicySchema.shape);

/**
 * Substitutes placeholders (when a scope is given) and parses each task with core's
 * `taskSpecSchema`, collecting every problem. Substitution comes first so the limits
 * (prompt length) apply to the text the agent will get.
 */
export function resolveTasks(rawTasks: readonly unknown[], scope: PlaceholderScope | undefined): TaskResolution {
  const tasks: TaskSpec[] = [];
  const issues: InputIssue[] = [];
  rawTasks.forEach((rawTask, index) => {
    const taskPath = `tasks[${index}]`;
    let task = rawTask;
    if (scope !== undefined) {
      const substitution = substituteTaskPlaceholders(rawTask, taskPath, scope);
      task = substitution.task;
      issues.push(...substitution.issues);
    }
    const parsed = taskSpecSchema.safeParse(task);
    if (parsed.success) tasks.push(parsed.data);
    else issues.push(...toWorkflowIssues(parsed.error, taskPath, (path) => (path[0] === 'retry' ? RETRY_FIELDS : TASK_FIELDS)));
  });
  return { tasks, issues };
}

import { z } from 'zod';
import { createIssuesError } from './issues-error.js';
import { resolveTasks } from './resolve-tasks.js';
import { toWorkflowIssues } from './to-workflow-issues.js';
import type { ResolvedWorkflow } from './types.js';

/** The custom-task part of `POST /api/workflows/execute`. */
export interface InlineWorkflowBody {
  /** @default "Custom workflow" */
  readonly workflowName?: string;
  /** Raw tasks, in the workflow file's task shape. */
  readonly tasks: unknown;
  /** Values for `{{name}}` placeholders; every key counts as a declared parameter. @default {} */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

const DEFAULT_WORKFLOW_NAME = 'Custom workflow';
const taskListSchema = z.array(z.unknown(), 'expected an array of tasks').min(1, 'a workflow needs at least one task').max(100_000);

/**
 * Parses custom tasks sent over HTTP. With no schema to coerce against, parameters are used as
 * given; placeholders naming none of them are errors (`\{{` writes a literal "{{").
 */
export function resolveInlineWorkflow(body: InlineWorkflowBody): ResolvedWorkflow {
  const taskList = taskListSchema.safeParse(body.tasks);
  if (!taskList.success) throw createIssuesError('INVALID_WORKFLOW', toWorkflowIssues(taskList.error, 'tasks', () => []));
  const parameters = { ...body.parameters };
  const resolution = resolveTasks(taskList.data, { declaredNames: Object.keys(parameters), values: parameters });
  if (resolution.issues.length > 0) throw createIssuesError('INVALID_WORKFLOW', resolution.issues);
  const name = body.workflowName?.trim();
  return {
    name: name === undefined || name === '' ? DEFAULT_WORKFLOW_NAME : name,
    tasks: resolution.tasks,
    config: {},
    parameters,
    source: 'inline',
  };
}

import { exitCodeFor, isEnsembleError, type TaskSpec } from '../../src/core/index.js';
import type { WorkflowTemplate } from '../../src/workflows/index.js';
import { resolveTemplateWorkflow } from '../../src/workflows/resolve-workflow.js';

/** The EnsembleError resolving `template` with `params` throws, with its CLI exit code; throws if it resolves. */
export function templateError(template: WorkflowTemplate, params: Readonly<Record<string, unknown>>): { code: string; message: string; exitCode: number } {
  try {
    resolveTemplateWorkflow(template, params);
  } catch (error) {
    if (isEnsembleError(error)) return { code: error.code, message: error.message, exitCode: exitCodeFor(error) };
    throw error;
  }
  throw new Error('expected resolveTemplateWorkflow to throw');
}

/** The longest chain of `estimatedMs` through the dependencies, in ms (a task without one counts 0): what a template's `estimatedDuration` should be. */
export function criticalPathMs(tasks: readonly TaskSpec[]): number {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const finish = (task: TaskSpec): number => (task.estimatedMs ?? 0) + Math.max(0, ...task.dependencies.map((id) => finish(byId.get(id) as TaskSpec)));
  return Math.max(...tasks.map(finish));
}

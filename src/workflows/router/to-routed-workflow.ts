import { createIssuesError } from '../issues-error.js';
import { resolveTasks } from '../resolve-tasks.js';
import type { ResolvedWorkflow } from '../types.js';
import type { RoutePlan } from './route-task.js';

/**
 * A route plan as a workflow the engine runs like any other: tasks parsed (no placeholder pass,
 * so "{{" in a description stays literal), the plan's config, and the request as its parameters,
 * kept with the run.
 */
export function toRoutedWorkflow(plan: RoutePlan): ResolvedWorkflow {
  const resolution = resolveTasks(plan.tasks, undefined);
  if (resolution.issues.length > 0) throw createIssuesError('INVALID_INPUT', resolution.issues, { type: plan.type });
  const { request } = plan;
  return {
    workflowId: `route:${plan.type}`,
    name: plan.name,
    description: plan.description,
    category: 'route',
    tags: [plan.type, plan.mode],
    tasks: resolution.tasks,
    config: { ...plan.config },
    parameters: {
      type: plan.type,
      description: request.description,
      ...(request.agents === undefined ? {} : { agents: [...request.agents] }),
      ...(request.phases === undefined ? {} : { phases: request.phases.map((phase) => ({ ...phase, agents: [...phase.agents] })) }),
      ...(request.context === undefined ? {} : { context: request.context }),
      consolidate: request.consolidate,
      ...(request.consolidator === undefined ? {} : { consolidator: request.consolidator }),
    },
    source: 'route',
  };
}

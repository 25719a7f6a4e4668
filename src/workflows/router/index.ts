/** The task router: a task type and a description to a parallel, sequential or hybrid plan of agent tasks. */
export { routeTask } from './route-task.js';
export type { RoutePhase, RoutePlan } from './route-task.js';
export { PHASE_NAME_PATTERN, routePhaseSchema, routeRequestSchema } from './schema.js';
export type { RoutePhaseInput, RouteRequest, RouteRequestInput } from './schema.js';
export { ROUTE_MODES, TASK_ROUTES, TASK_TYPES } from './task-routes.js';
export type { RouteMode, RouteRole, TaskRoute, TaskType } from './task-routes.js';
export { toRoutedWorkflow } from './to-routed-workflow.js';

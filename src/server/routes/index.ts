/** The API's routes, by domain, and the method table behind its 405s. */
export { addWorkflowRoutes } from './workflow-routes.js';
export { addRunRoutes } from './run-routes.js';
export { addAgentRoutes } from './agent-routes.js';
export { addConversationRoutes } from './conversation-routes.js';
export { addOpsRoutes } from './ops-routes.js';
export { addCodebaseRoutes } from './codebase-routes.js';
export type { EscalationView } from './codebase-routes.js';
export { allowedMethods } from './method-table.js';

export { parseAgentDefinition } from './parse-agent-definition.js';
export type { AgentDefinition } from './parse-agent-definition.js';
export { AgentRegistry } from './agent-registry.js';
export type { AgentRegistryOptions } from './agent-registry.js';
export { loadAgentRegistry } from './load-agent-registry.js';
export type { LoadAgentRegistryOptions } from './load-agent-registry.js';
export { builtinAgentsDir } from './builtin-agents-dir.js';

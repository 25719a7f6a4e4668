import { assertValidGraph, buildTaskGraph, validateGraph, type TaskGraph, type TaskSpec } from '../core/index.js';
import type { AgentRegistry, InProcessAgent } from '../agents/index.js';
import { suggestName } from '../workflows/index.js';

/**
 * Rejects an invalid graph (unknown agents named with a "did you mean"), and gives each task of a
 * file-defined agent that agent's `timeoutMs` when it sets none. Nothing is journaled or run yet.
 */
export function prepareTaskGraph(tasks: readonly TaskSpec[], registry: AgentRegistry, inProcess: ReadonlyMap<string, InProcessAgent>): TaskGraph {
  const graph = assertValidGraph(
    validateGraph(tasks, {
      isKnownAgent: (name) => inProcess.has(name) || registry.has(name),
      suggestAgent: (name) => suggestName(name, [...inProcess.keys(), ...registry.list().map((agent) => agent.name)]),
    }),
  );
  let changed = false;
  const withDefaults = graph.tasks.map((task) => {
    if (task.timeoutMs !== undefined || inProcess.has(task.agentName)) return task;
    const agentTimeoutMs = registry.get(task.agentName)?.timeoutMs;
    if (agentTimeoutMs === undefined) return task;
    changed = true;
    return { ...task, timeoutMs: agentTimeoutMs };
  });
  return changed ? buildTaskGraph(withDefaults, graph.indexById) : graph;
}

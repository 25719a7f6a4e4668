import { assertValidGraph, buildTaskGraph, EnsembleError, validateGraph, type TaskGraph, type TaskSpec } from '../core/index.js';
import type { AgentRegistry, InProcessAgent } from '../agents/index.js';
import { suggestName } from '../workflows/index.js';

/**
 * Rejects an invalid graph (unknown agents named with a "did you mean"), and gives each task of a
 * file-defined agent that agent's `timeoutMs` when it sets none. Nothing is journaled or run yet.
 */
export function prepareTaskGraph(tasks: readonly TaskSpec[], registry: AgentRegistry, inProcess: ReadonlyMap<string, InProcessAgent>, options: { readonly allowEmpty?: boolean } = {}): TaskGraph {
  const graph = assertValidGraph(
    validateGraph(tasks, {
      ...(options.allowEmpty === true ? { allowEmpty: true } : {}),
      isKnownAgent: (name) => inProcess.has(name) || registry.has(name),
      suggestAgent: (name) => suggestName(name, [...inProcess.keys(), ...registry.list().map((agent) => agent.name)]),
    }),
  );
  const withDefaults = withAgentDefaults(graph.tasks, registry, inProcess);
  return withDefaults === graph.tasks ? graph : buildTaskGraph(withDefaults, graph.indexById);
}

/**
 * Gives each task of a file-defined agent that agent's `timeoutMs` when it sets none; returns
 * `tasks` itself when nothing changed. Checks that every agent exists (UNKNOWN_AGENT otherwise).
 */
export function withAgentDefaults(tasks: readonly TaskSpec[], registry: AgentRegistry, inProcess: ReadonlyMap<string, InProcessAgent>): readonly TaskSpec[] {
  let changed = false;
  const withDefaults = tasks.map((task) => {
    if (task.timeoutMs !== undefined || inProcess.has(task.agentName)) return task;
    const agent = registry.get(task.agentName);
    if (agent === undefined) throw unknownAgent(task, registry, inProcess);
    if (agent.timeoutMs === undefined) return task;
    changed = true;
    return { ...task, timeoutMs: agent.timeoutMs };
  });
  return changed ? withDefaults : tasks;
}

function unknownAgent(task: TaskSpec, registry: AgentRegistry, inProcess: ReadonlyMap<string, InProcessAgent>): EnsembleError {
  const suggestion = suggestName(task.agentName, [...inProcess.keys(), ...registry.list().map((agent) => agent.name)]);
  return new EnsembleError('UNKNOWN_AGENT', `task "${task.id}": unknown agent "${task.agentName}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`, {
    details: { taskId: task.id, agentName: task.agentName },
  });
}

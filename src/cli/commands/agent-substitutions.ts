import { AGENT_NAME_PATTERN, EnsembleError } from '../../core/index.js';
import type { TaskInput } from '../../core/index.js';

/**
 * Parses `--agent ROLE=AGENT` flags: the workflow's tasks on agent ROLE run on AGENT instead, e.g.
 * `--agent developer=claude-code` to have a coding CLI write the code of the `feature` template.
 * @throws EnsembleError INVALID_INPUT naming the flag value that is malformed or repeats a role.
 */
export function parseAgentSubstitutions(values: readonly string[]): ReadonlyMap<string, string> {
  const substitutions = new Map<string, string>();
  for (const value of values) {
    const separator = value.indexOf('=');
    const role = value.slice(0, separator).trim();
    const agent = value.slice(separator + 1).trim();
    if (separator < 0 || !AGENT_NAME_PATTERN.test(role) || !AGENT_NAME_PATTERN.test(agent)) {
      throw new EnsembleError('INVALID_INPUT', `--agent: expected ROLE=AGENT (two agent names, e.g. developer=claude-code), got "${value}"`);
    }
    if (substitutions.has(role)) throw new EnsembleError('INVALID_INPUT', `--agent: ${role} is given twice ("${role}=${substitutions.get(role) ?? ''}" and "${value}")`);
    substitutions.set(role, agent);
  }
  return substitutions;
}

/**
 * The tasks with each substituted agent replaced. A role no task uses is an error naming the agents
 * the workflow does use, so a typo does not silently leave the built-in agent in place.
 */
export function substituteAgents<Task extends TaskInput>(tasks: readonly Task[], substitutions: ReadonlyMap<string, string>): Task[] {
  const used = new Set(tasks.map((task) => task.agentName));
  for (const role of substitutions.keys()) {
    if (!used.has(role)) {
      throw new EnsembleError('INVALID_INPUT', `--agent: no task of this workflow runs on "${role}"; its agents are ${[...used].sort().join(', ')}`);
    }
  }
  return tasks.map((task) => {
    const agentName = substitutions.get(task.agentName);
    return agentName === undefined ? task : { ...task, agentName };
  });
}

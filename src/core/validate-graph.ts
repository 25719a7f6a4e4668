import type { ErrorCode } from './errors.js';
import { EnsembleError } from './errors.js';
import type { TaskSpec } from './schema.js';
import { buildTaskGraph, type TaskGraph } from './task-graph.js';

export interface GraphIssue {
  readonly code: ErrorCode;
  readonly message: string;
  /** The offending task ids (for a cycle: the ids on it, in order). */
  readonly taskIds: readonly string[];
}

export type GraphValidation = { readonly ok: true; readonly graph: TaskGraph } | { readonly ok: false; readonly issues: readonly GraphIssue[] };

export interface GraphValidationOptions {
  /** Whether an agent of this name can be resolved. Unknown agents are rejected before anything runs. */
  readonly isKnownAgent?: (agentName: string) => boolean;
  /** The known agent an unknown name most likely meant (for "did you mean"), if any. */
  readonly suggestAgent?: (agentName: string) => string | undefined;
  /** Cap on reported issues of one kind, so a broken 50,000-task file still yields a readable message. @default 20 */
  readonly maxIssuesPerKind?: number;
  /** Accept a graph with no task (a run held open whose tasks are added as it runs). @default false */
  readonly allowEmpty?: boolean;
}

/** Checks a task list for everything that would make it unrunnable, reporting every problem at once. */
export function validateGraph(tasks: readonly TaskSpec[], options: GraphValidationOptions = {}): GraphValidation {
  const maxIssues = options.maxIssuesPerKind ?? 20;
  const issues: GraphIssue[] = [];
  const counts = new Map<ErrorCode, number>();
  const report = (issue: GraphIssue): void => {
    const count = (counts.get(issue.code) ?? 0) + 1;
    counts.set(issue.code, count);
    if (count <= maxIssues) issues.push(issue);
  };

  if (tasks.length === 0 && options.allowEmpty !== true) {
    return { ok: false, issues: [{ code: 'INVALID_WORKFLOW', message: 'the workflow has no tasks', taskIds: [] }] };
  }

  const indexById = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i] as TaskSpec;
    const firstIndex = indexById.get(task.id);
    if (firstIndex !== undefined) {
      report({
        code: 'GRAPH_DUPLICATE_ID',
        message: `tasks[${i}].id: duplicate task id "${task.id}" (first used by tasks[${firstIndex}])`,
        taskIds: [task.id],
      });
      continue;
    }
    indexById.set(task.id, i);
  }

  const knownAgents = new Map<string, boolean>();
  // One issue per unknown agent, however many tasks use it: 300 tasks of a mistyped agent are one mistake.
  const unknownAgents = new Map<string, { readonly firstIndex: number; readonly taskIds: string[] }>();
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i] as TaskSpec;
    const seen = new Set<string>();
    task.dependencies.forEach((dependencyId, position) => {
      if (seen.has(dependencyId)) {
        report({
          code: 'INVALID_WORKFLOW',
          message: `tasks[${i}].dependencies[${position}]: task "${task.id}" lists dependency "${dependencyId}" twice`,
          taskIds: [task.id],
        });
      }
      seen.add(dependencyId);
      if (!indexById.has(dependencyId)) {
        report({
          code: 'GRAPH_UNKNOWN_DEPENDENCY',
          message: `tasks[${i}].dependencies[${position}]: task "${task.id}" depends on unknown task "${dependencyId}"`,
          taskIds: [task.id, dependencyId],
        });
      }
    });
    if (options.isKnownAgent !== undefined) {
      let known = knownAgents.get(task.agentName);
      if (known === undefined) {
        known = options.isKnownAgent(task.agentName);
        knownAgents.set(task.agentName, known);
      }
      if (!known) {
        const users = unknownAgents.get(task.agentName);
        if (users === undefined) unknownAgents.set(task.agentName, { firstIndex: i, taskIds: [task.id] });
        else users.taskIds.push(task.id);
      }
    }
  }
  for (const [agentName, users] of unknownAgents) {
    report({ code: 'UNKNOWN_AGENT', message: describeUnknownAgent(agentName, users, options.suggestAgent), taskIds: users.taskIds });
  }

  // Duplicate ids make the index ambiguous; only look for cycles in a graph we can name.
  if (!counts.has('GRAPH_DUPLICATE_ID')) {
    const graph = buildTaskGraph(tasks, indexById);
    if (graph.topologicalOrder.length < tasks.length) {
      for (const cycle of findCycles(graph, maxIssues)) {
        const ids = cycle.map((index) => (tasks[index] as TaskSpec).id);
        report({
          code: 'GRAPH_CYCLE',
          message: `dependency cycle: ${describeCycle(ids)}`,
          taskIds: ids,
        });
      }
    } else if (issues.length === 0) {
      return { ok: true, graph };
    }
  }
  for (const [code, count] of counts) {
    if (count > maxIssues) {
      issues.push({ code, message: `... and ${count - maxIssues} more ${code} problems`, taskIds: [] });
    }
  }
  return { ok: false, issues };
}

/** Finds disjoint cycles among the tasks Kahn's algorithm could not order, by iterative DFS. */
function findCycles(graph: TaskGraph, limit: number): number[][] {
  const taskCount = graph.tasks.length;
  const ordered = new Uint8Array(taskCount);
  for (const index of graph.topologicalOrder) ordered[index] = 1;
  // 0 = unvisited, 1 = on the current path, 2 = finished
  const state = new Uint8Array(taskCount);
  const cycles: number[][] = [];
  for (let root = 0; root < taskCount && cycles.length < limit; root++) {
    if (ordered[root] === 1 || state[root] !== 0) continue;
    const path: number[] = [root];
    const edgeCursor: number[] = [graph.dependencyOffsets[root]!];
    state[root] = 1;
    while (path.length > 0) {
      const depth = path.length - 1;
      const node = path[depth]!;
      const edge = edgeCursor[depth]!;
      if (edge >= graph.dependencyOffsets[node + 1]!) {
        state[node] = 2;
        path.pop();
        edgeCursor.pop();
        continue;
      }
      edgeCursor[depth] = edge + 1;
      const next = graph.dependencies[edge]!;
      if (ordered[next] === 1 || state[next] === 2) continue;
      if (state[next] === 1) {
        // Path runs dependent -> dependency; report it in execution order (dependency first).
        const cycle = path.slice(path.indexOf(next)).reverse();
        cycles.push(cycle);
        for (const member of path) state[member] = 2;
        break;
      }
      state[next] = 1;
      path.push(next);
      edgeCursor.push(graph.dependencyOffsets[next]!);
    }
  }
  return cycles;
}

/** How many task ids an unknown-agent message lists before it says how many more there are. */
const LISTED_TASK_IDS = 5;

function describeUnknownAgent(
  agentName: string,
  users: { readonly firstIndex: number; readonly taskIds: readonly string[] },
  suggestAgent: ((agentName: string) => string | undefined) | undefined,
): string {
  const { firstIndex, taskIds } = users;
  const suggestion = suggestAgent?.(agentName);
  const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
  if (taskIds.length === 1) return `tasks[${firstIndex}].agentName: task "${taskIds[0]}" uses unknown agent "${agentName}"${hint}`;
  const listed = taskIds.slice(0, LISTED_TASK_IDS).map((id) => `"${id}"`);
  const more = taskIds.length > LISTED_TASK_IDS ? `, … and ${taskIds.length - LISTED_TASK_IDS} more` : '';
  return `tasks[${firstIndex}].agentName: unknown agent "${agentName}", used by ${taskIds.length} tasks (${listed.join(', ')}${more})${hint}`;
}

/** `a -> b -> c -> a`; long cycles are shortened so the message stays readable. */
function describeCycle(ids: readonly string[]): string {
  const shown = ids.length > 12 ? [...ids.slice(0, 10), `... ${ids.length - 11} more ...`, ids.at(-1)!] : [...ids];
  return [...shown, ids[0]].join(' -> ');
}

/** Throws the issues of a failed validation as one INVALID_WORKFLOW-family error. */
export function assertValidGraph(validation: GraphValidation): TaskGraph {
  if (validation.ok) return validation.graph;
  const first = validation.issues[0];
  throw new EnsembleError(first?.code ?? 'INVALID_WORKFLOW', validation.issues.map((issue) => issue.message).join('\n'), {
    details: { issues: validation.issues },
  });
}

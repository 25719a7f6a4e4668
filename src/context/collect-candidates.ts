import { EnsembleError, isMessageFor, type ContextRequest, type ContextStrategy as ContextStrategyName, type RunMessage, type TaskSpec } from '../core/index.js';
import { messageCandidate, outputCandidate, sharedCandidate, type ContextCandidate } from './context-candidate.js';
import { directDependencies, walkAncestors, type AncestorWalk, type VisitMarks } from './task-ancestors.js';

/** What a strategy offers a task, most relevant first, before pruning. */
export interface ContextCandidates {
  /** Direct dependency outputs, in declaration order: the task's `inputs`. */
  readonly dependencies: readonly ContextCandidate[];
  /** Everything else, in the order of relevance: messages, ancestors nearest first, the pool most recent first, shared entries. */
  readonly context: readonly ContextCandidate[];
}

/**
 * Applies a strategy's visibility rule (DESIGN.md, "Context"):
 * - `isolated`: dependency outputs, and messages addressed to the task by its id or agent name;
 * - `hierarchical`: plus indirect ancestors' outputs, broadcasts from ancestors, shared entries ancestors wrote;
 * - `shared`: plus every other finished output, every message for it, every shared entry.
 * Without communication there are no messages and no shared entries. A task never receives its
 * own messages back, and outputs that are empty are not offered (they say nothing and would
 * bloat every receipt of a large run of silent agents).
 * `maxOtherOutputs` bounds the ancestors and pool outputs considered, nearest and newest first.
 */
export function collectCandidates(strategy: ContextStrategyName, request: ContextRequest, options: CollectOptions): ContextCandidates {
  const { sources, task, index } = request;
  const { graph } = sources;
  const hasMessages = request.communication && sources.messages.length > 0;
  const sharedEntries = request.communication && strategy !== 'isolated' ? sources.sharedEntries() : [];
  // `isolated` needs no walk (its dependencies and messages addressed to it), nor does a run with
  // nothing else to offer yet: a walk per task start is most of the cost in runs of silent agents.
  const needsWalk = strategy !== 'isolated' && (options.offersOutputs || hasMessages || sharedEntries.length > 0);
  const walk = needsWalk ? walkAncestors(graph, index, options.maxOtherOutputs, options.marks) : undefined;
  const dependencies = (walk?.dependencies ?? directDependencies(graph, index)).flatMap((dependency) => {
    const dependencyTask = graph.tasks[dependency]!;
    const text = sources.output(dependency);
    // A task that runs after any of its dependencies succeeded gets the outputs of those that did.
    if (text === undefined && task.dependencyMode === 'any-succeeded') return [];
    if (text === undefined) {
      throw new EnsembleError('INTERNAL', `task "${task.id}" is starting before its dependency "${dependencyTask.id}" has an output`, {
        details: { taskId: task.id, dependency: dependencyTask.id },
      });
    }
    return [outputCandidate(dependencyTask, 'dependency', text)];
  });
  const context: ContextCandidate[] = [];
  if (hasMessages && (strategy === 'isolated' || walk !== undefined)) {
    for (const message of sources.messages) {
      if (message.taskId !== task.id && isVisibleMessage(message, task, walk, request, strategy)) context.push(messageCandidate(message));
    }
  }
  if (walk !== undefined) {
    for (const ancestor of walk.ancestors) pushOutput(context, request, ancestor, 'ancestor');
    if (strategy === 'shared' && walk.isComplete) collectPool(context, request, walk, options.maxOtherOutputs - walk.ancestors.length);
    const entries = [...sharedEntries].sort((left, right) => right.at - left.at || compareText(left.key, right.key));
    for (const entry of entries) {
      if (strategy === 'shared' || isWrittenByAncestor(entry.taskId, walk, request)) context.push(sharedCandidate(entry));
    }
  }
  return { dependencies, context };
}

/** How far {@link collectCandidates} looks. */
export interface CollectOptions {
  /** Ancestors and pool outputs considered at most, besides the direct dependencies. */
  readonly maxOtherOutputs: number;
  /** Reused by every walk of the strategy. */
  readonly marks: VisitMarks;
  /** False while no finished task of the run has a non-empty output: there is no output to offer besides the dependencies. */
  readonly offersOutputs: boolean;
}

/** `walk` is undefined for `isolated` only; `strategy` tells `shared` from `hierarchical`. */
function isVisibleMessage(message: RunMessage, task: TaskSpec, walk: AncestorWalk | undefined, request: ContextRequest, strategy: ContextStrategyName): boolean {
  const isAddressed = message.to === task.id || message.to === task.agentName;
  if (walk === undefined) return isAddressed;
  if (!isMessageFor(message, task)) return false;
  return strategy === 'shared' || isAddressed || isWrittenByAncestor(message.taskId, walk, request);
}

function isWrittenByAncestor(taskId: string, walk: AncestorWalk, request: ContextRequest): boolean {
  const writer = request.sources.graph.indexById.get(taskId);
  return writer !== undefined && walk.isAncestor(writer);
}

/** Finished outputs that are neither the task's dependencies nor its ancestors, most recent first, at most `quota` looked at. */
function collectPool(context: ContextCandidate[], request: ContextRequest, walk: AncestorWalk, quota: number): void {
  const { finished } = request.sources;
  let examined = 0;
  for (let position = finished.length - 1; position >= 0 && examined < quota; position--) {
    const other = finished[position]!;
    if (other === request.index || walk.isAncestor(other)) continue;
    examined++;
    pushOutput(context, request, other, 'pool');
  }
}

function pushOutput(context: ContextCandidate[], request: ContextRequest, index: number, relation: 'ancestor' | 'pool'): void {
  const text = request.sources.output(index);
  if (text === undefined || text === '') return;
  context.push(outputCandidate(request.sources.graph.tasks[index]!, relation, text));
}

/** Code-point order, independent of the locale, so the same sources give the same order everywhere. */
function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

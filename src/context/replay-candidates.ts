import { EnsembleError, type ContextReceipt, type ContextRequest, type RunMessage } from '../core/index.js';
import type { ContextCandidates } from './collect-candidates.js';
import { messageCandidate, outputCandidate, parseContextKey, sharedCandidate, type ContextCandidate } from './context-candidate.js';
import { directDependencies } from './task-ancestors.js';

/**
 * The candidates a receipt names, from the run's sources, in the receipt's order: exactly those,
 * nothing else, so a resumed task receives what the journaled execution received. A key the
 * sources no longer have, or a direct dependency the receipt lacks, is a journal inconsistency.
 */
export function replayCandidates(receipt: ContextReceipt, request: ContextRequest): ContextCandidates {
  const { sources, task } = request;
  const { graph } = sources;
  let messagesById: ReadonlyMap<string, RunMessage> | undefined;
  const inconsistent = (key: string, problem: string): EnsembleError =>
    new EnsembleError('JOURNAL_ERROR', `the context receipt of task "${task.id}" names ${key}, ${problem}`, { details: { taskId: task.id, key } });

  const dependencies = new Map<string, ContextCandidate>();
  const context: ContextCandidate[] = [];
  for (const entry of receipt.entries) {
    const parsed = parseContextKey(entry.key);
    if (parsed === undefined) throw inconsistent(entry.key, 'which is not a context key');
    let candidate: ContextCandidate;
    if (parsed.kind === 'output') {
      const index = graph.indexById.get(parsed.taskId);
      const text = index === undefined ? undefined : sources.output(index);
      if (index === undefined || text === undefined) throw inconsistent(entry.key, 'but the run has no output of that task');
      candidate = outputCandidate(graph.tasks[index]!, entry.relation, text);
    } else if (parsed.kind === 'message') {
      messagesById ??= new Map(sources.messages.map((message) => [message.messageId, message]));
      const message = messagesById.get(parsed.messageId);
      if (message === undefined) throw inconsistent(entry.key, 'but the run has no such message');
      candidate = messageCandidate(message);
    } else {
      const shared = sources.sharedEntry(parsed.key, parsed.version);
      if (shared === undefined) throw inconsistent(entry.key, 'but the shared context store has no such version');
      candidate = sharedCandidate(shared);
    }
    if (entry.relation === 'dependency') dependencies.set(candidate.key, candidate);
    else context.push(candidate);
  }
  // Inputs stay in declaration order, every direct dependency present.
  const ordered = directDependencies(graph, request.index).map((dependency) => {
    const key = `output:${graph.tasks[dependency]!.id}`;
    const candidate = dependencies.get(key);
    if (candidate === undefined) throw inconsistent(key, 'missing: a direct dependency must be in every receipt');
    return candidate;
  });
  return { dependencies: ordered, context };
}

import type { AgentProcessTree } from './agent-process-tree.js';

const liveTrees = new Set<AgentProcessTree>();

/** Records a running agent's process tree until the returned function is called. */
export function registerLiveProcessTree(tree: AgentProcessTree): () => void {
  liveTrees.add(tree);
  return () => void liveTrees.delete(tree);
}

/**
 * SIGKILLs every process of every agent this process is running, synchronously (a second Ctrl-C:
 * nothing may outlive the orchestrator). The runs see their agents killed and end as they would
 * on a crash of the agent. Returns how many agents were running.
 */
export function killLiveProcessGroups(): number {
  const trees = [...liveTrees];
  for (const tree of trees) tree.kill();
  return trees.length;
}

/** One task's stay in a workspace, from before its start snapshot to after its end snapshot. */
export interface WorkspaceVisit {
  /** Whether another process task worked in the same workspace at any time during this visit. */
  readonly isShared: boolean;
  leave(): void;
}

interface MutableVisit {
  isShared: boolean;
}

// Process-wide: every runtime and run of this process shares the work trees it edits.
const visitsByWorkspace = new Map<string, Set<MutableVisit>>();

/**
 * Registers a task working in `workspace` (a git work tree's top folder) until `leave()`. Tasks whose
 * visits overlap are all marked shared: the changes between their snapshots may be each other's.
 */
export function enterWorkspace(workspace: string): WorkspaceVisit {
  let visits = visitsByWorkspace.get(workspace);
  if (visits === undefined) {
    visits = new Set();
    visitsByWorkspace.set(workspace, visits);
  }
  const visit: MutableVisit = { isShared: visits.size > 0 };
  for (const other of visits) other.isShared = true;
  visits.add(visit);
  return {
    get isShared() {
      return visit.isShared;
    },
    leave: () => {
      visits.delete(visit);
      if (visits.size === 0) visitsByWorkspace.delete(workspace);
    },
  };
}

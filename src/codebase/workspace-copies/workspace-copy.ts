/** A private copy of a workspace that a task works in, and what removing it takes. */
export interface WorkspaceCopy {
  /** `worktree`: a detached git worktree of the workspace's repository; `folder`: a copied folder with a git dir of its own. */
  readonly kind: 'worktree' | 'folder';
  /** The copy's top folder (the worktree, or the copied folder); patches are relative to it. */
  readonly root: string;
  /** Where the task works: the copy's top plus the workspace's place in its repository. */
  readonly workspaceDir: string;
  /** Variables for git calls on the copy: a folder copy's GIT_DIR and GIT_WORK_TREE; none for a worktree. */
  readonly gitEnv: Readonly<Record<string, string>>;
  /** Links to the workspace's dependency folders (`node_modules`), relative to `root`: never part of a patch. */
  readonly linkedPaths: readonly string[];
  /** The tree object of the copy as it started: the workspace as the user saw it. */
  readonly baseTree: string;
  /** The repository the worktree is registered in (worktree copies). */
  readonly repository?: string;
  /** A folder copy's own git dir. */
  readonly gitDir?: string;
}

/** Pathspecs that leave a copy's links out of `git add`. */
export function excludeLinkedPaths(copy: Pick<WorkspaceCopy, 'linkedPaths'>): string[] {
  return copy.linkedPaths.map((path) => `:(exclude,literal)${path}`);
}

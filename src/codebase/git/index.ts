/**
 * Git for shared-codebase tickets: a worktree and branch per ticket, commits (of a whole worktree,
 * or of exactly some paths of the shared workspace), merge predictions, merges and rebases, and
 * snapshots of a workspace's dirty state to tell (and undo) what a command changed.
 */

/** The branch checked out in the repository's main worktree; INVALID_INPUT outside git or on a detached HEAD. */
export { resolveMainBranch } from './resolve-main-branch.js';
/** `<dataDir>/worktrees/tickets/<ticketId>` on branch `ensemble/<ticketId>`: made (or reused on resume) and removed. */
export { createTicketWorktree, removeTicketWorktree, ticketBranchName, ticketWorktreePath } from './ticket-worktree.js';
/** Checks a branch out again at its worktree's path when that folder is gone (the branch is not moved). */
export { ensureBranchWorktree } from './ticket-worktree.js';
export type { TicketWorktree, CreateTicketWorktreeOptions, RemoveTicketWorktreeOptions } from './ticket-worktree.js';
/** Commits everything in a worktree; the sha, or undefined when nothing changed. */
export { commitAll } from './commit-all.js';
export type { CommitAllOptions, CommitAuthor } from './commit-all.js';
/** Commits exactly some paths of the shared workspace, one call per repository at a time, retrying while another process holds index.lock. */
export { commitPaths, commitEmpty } from './commit-paths.js';
export type { CommitPathsOptions } from './commit-paths.js';
/** Merge predictions with `git merge-tree --write-tree`: into one base, or into the main branch and every other open branch. */
export { predictMerge, predictConflicts } from './predict-merge.js';
export type { PredictMergeOptions, PredictConflictsOptions } from './predict-merge.js';
/** Merges a branch into the main worktree's branch (`--no-ff`); INVALID_INPUT when it is dirty, MERGE_CONFLICT (aborted) on a conflict. */
export { mergeBranch } from './merge-branch.js';
export type { MergeBranchOptions } from './merge-branch.js';
/** Rebases a worktree's branch; on a conflict aborts and reports the files. */
export { rebaseBranch } from './rebase-branch.js';
export type { RebaseBranchOptions, RebaseResult } from './rebase-branch.js';
/** A workspace's dirty state (content capped at 8 MiB), what changed since, and putting paths back. */
export { snapshotChanges, changedPathsSince, SNAPSHOT_CONTENT_LIMIT_BYTES } from './snapshot-changes.js';
export type { ChangeSnapshot, PathState, SnapshotChangesOptions } from './snapshot-changes.js';
/** Restores paths as they were in a snapshot; resolves with those it could not restore. */
export { restorePaths } from './restore-paths.js';
/** The commit identity used where the repository has none: `ensemble <ensemble@localhost>`. */
export { FALLBACK_IDENTITY } from './run-git-step.js';
/** A branch's head commit and its merge base with the main branch (a review's `headCommit` and `baseCommit`). */
export { readBranchCommits } from './read-branch-commits.js';
export type { BranchCommits } from './read-branch-commits.js';

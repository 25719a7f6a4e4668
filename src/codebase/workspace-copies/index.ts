/** Private copies of a workspace (git worktrees, or copied folders), the patches they yield, and their removal. */
export { createWorkspaceCopy, runCopiesDir } from './create-workspace-copy.js';
export type { CreateWorkspaceCopyOptions } from './create-workspace-copy.js';
export type { WorkspaceCopy } from './workspace-copy.js';
export { captureCopyChange } from './capture-copy-change.js';
export { removeWorkspaceCopy } from './remove-workspace-copy.js';
export type { CopyLocation } from './remove-workspace-copy.js';
export { sweepLeftoverCopies } from './sweep-leftover-copies.js';
export type { SweepLeftoverCopiesOptions } from './sweep-leftover-copies.js';
export { applyPatch, copyPatchTarget, workspacePatchTarget } from './apply-patch.js';
export type { PatchApplication, PatchTarget } from './apply-patch.js';
export { describeWorkspace } from './describe-workspace.js';
export type { WorkspaceShape } from './describe-workspace.js';
export { LINKED_FOLDER_NAMES } from './copy-folder-tree.js';

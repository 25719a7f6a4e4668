/** What crashed runs leave in the data folder (workspace copies, patches, ticket worktrees), listed for `ensemble cleanup` and removed one by one. */
export { listRecordedWorkspaceCopies, removeRecordedWorkspaceCopy } from './recorded-workspace-copies.js';
export type { RecordedWorkspaceCopy } from './recorded-workspace-copies.js';
export { listPatchFolders, removeDataPath } from './patch-folders.js';
export type { PatchFolder } from './patch-folders.js';
export { listTicketWorktreeFolders, removeCleanTicketWorktree, listPrunableWorktrees, pruneWorktrees } from './ticket-worktree-leftovers.js';
export type { TicketWorktreeFolder } from './ticket-worktree-leftovers.js';

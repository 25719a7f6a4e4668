/**
 * The shared codebase: private copies of the workspace (git worktrees) for isolated tasks, the
 * patches they leave, and the selector of parallel fix attempts.
 */

/** A dispatcher wrapper that runs `isolation: 'worktree'` tasks in private copies and `fix-selector` tasks itself. */
/** Runs git with an argv (never a shell), hooks and auto-gc off, under a signal: what every git call of ensemble goes through. */
export { runGitCommand, lastLine as lastStderrLine } from './run-git-command.js';
export type { GitCommandOptions, GitCommandResult } from './run-git-command.js';
export { IsolatingDispatcher } from './isolating-dispatcher.js';
export type { IsolatingDispatcherOptions } from './isolating-dispatcher.js';
/** `<dataDir>/patches/<runId>/<taskId>.patch`: where an isolated task's change is kept; and reading it back. */
export { patchFilePath, readPatchFile } from './patch-store.js';
/** The agent name of the selector step, which also names the judge it asks when verification cannot decide. */
export { FIX_SELECTOR_AGENT } from './fix-selection/index.js';
/** Splits a command line into argv without a shell (`verifyCommand`); INVALID_INPUT naming the parameter for what a shell would be needed for. */
export { parseCommandLine } from './fix-selection/index.js';
/** What a `fix-selector` task reads from `context.fixSelection`, and its default verification time limit. */
export { fixSelectionSettingsSchema, DEFAULT_VERIFY_TIMEOUT_MS } from './schema.js';
export type { FixSelectionSettings, FixSelectionSettingsInput } from './schema.js';
/** Removes the workspace copies that killed processes of this host left under a data folder. */
export { sweepLeftoverCopies } from './workspace-copies/index.js';
export type { SweepLeftoverCopiesOptions } from './workspace-copies/index.js';
/** Removes a removed run's patches and leftover workspace copies from the data folder (`runs rm`, `runs prune`). */
export { removeRunFiles } from './remove-run-files.js';
/**
 * What crashed runs left in a data folder, for `ensemble cleanup`: workspace copies with their
 * owner records, runs' patch folders (and half-written patches), ticket worktrees (with their
 * repository and whether they hold uncommitted work) and worktree registrations whose folders are
 * gone; each listed without removing, then removed one by one (a dirty ticket worktree never is).
 */
export {
  listRecordedWorkspaceCopies,
  removeRecordedWorkspaceCopy,
  listPatchFolders,
  removeDataPath,
  listTicketWorktreeFolders,
  removeCleanTicketWorktree,
  listPrunableWorktrees,
  pruneWorktrees,
} from './leftovers/index.js';
export type { RecordedWorkspaceCopy, PatchFolder, TicketWorktreeFolder } from './leftovers/index.js';
/** Tickets worked by a team of agents: run options, the admission check (assignment, leases), the failure policy and the dispatcher around each attempt. */
export {
  ISOLATION_MODES,
  ticketRunOptionsSchema,
  parseTeam,
  TicketAdmission,
  TicketDispatcher,
  createTicketFailurePolicy,
  decideTicketFailure,
  composeTicketPrompt,
  leaseOwnerOf,
  describeHolder,
  createStoreLeaseGuard,
  pickAssignment,
} from './tickets/index.js';
export type { IsolationMode, TeamMember, TicketRunOptions, TicketRunOptionsInput, TicketFailureNotes, FailedTicket } from './tickets/index.js';
/**
 * What every `LeaseGuard` answers (SQLite or Redis table), decided from one read of its table:
 * `checkLeasedWrite` a write's refusal naming the path and holder, `toLeaseRefusal` a refused
 * request naming each conflict, `toRequestedPatterns` a request's patterns trimmed, and
 * `EMPTY_LEASE_REQUEST` the answer to a request naming nothing.
 */
export { checkLeasedWrite, toLeaseRefusal, toRequestedPatterns, EMPTY_LEASE_REQUEST } from './tickets/index.js';
export type { LeasedWriteInput } from './tickets/index.js';
/** The review queue of mode `branches`. */
export { ReviewQueue } from './review/index.js';
/** The branch checked out in a repository's main worktree. */
export { resolveMainBranch } from './git/index.js';
/** tmux mode: a team's session with one window per agent, the check-in and commit cadence, and `ensemble attach`. */
export { TmuxTeam, startCadence, cadenceSettingsSchema, attachToMember, findTeamWindow, toTeamSessionName } from './tmux/index.js';
export type { TmuxTeamOptions, TmuxWindowRunOptions, TmuxWindowResult, CadenceOptions, AttachToMemberOptions } from './tmux/index.js';

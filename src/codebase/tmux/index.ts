/**
 * The `tmux` mode of `cli` agents: one tmux session per team (`ensemble-<team>`), one window per
 * agent, where each of its runs shows live; `ensemble attach <agent>` opens the window.
 */

/** A team's tmux session: runs programs in members' windows (stdout and exit code back), captures and types into them. */
export { TmuxTeam } from './tmux-team.js';
export type { TmuxTeamOptions, TmuxWindowRunOptions, TmuxWindowResult, TmuxWindowProcess, TmuxWindowInfo } from './tmux-team.js';
/** Calls check-in and commit callbacks at their periods (default 15 and 30 minutes) until stopped. */
export { startCadence } from './tmux-cadence.js';
export type { CadenceOptions } from './tmux-cadence.js';
/** The cadence's settings (`checkInMs`, `commitEveryMs`, at least 1000 ms each) with their defaults. */
export { cadenceSettingsSchema } from './schema.js';
export type { CadenceSettings, CadenceSettingsInput } from './schema.js';
/** `ensemble attach <member>`: finds the team window and attaches the terminal (`NOT_FOUND`, `TMUX_FAILED`). */
export { attachToMember, findTeamWindow, listTeamSessions } from './attach-to-member.js';
export type { AttachToMemberOptions, SpawnAttach, TeamSessionListing, TeamWindowLocation } from './attach-to-member.js';
/** `ensemble-<team>` with the team sanitised to [A-Za-z0-9_-], and the sanitising itself (window names). */
export { toTeamSessionName, toTmuxName } from './tmux-names.js';
/** The built window runner the team's windows run (`dist/src/codebase/tmux/tmux-window-runner.js`). */
export { locateWindowRunner } from './locate-window-runner.js';

/** Prefix of every session ensemble creates: `ensemble-<team>`. */
export const TEAM_SESSION_PREFIX = 'ensemble-';

/**
 * A name tmux keeps as given in targets: characters outside [A-Za-z0-9_-] become `_` (tmux itself
 * turns `.` and `:` into `_`, and `=`/`~` prefixes mean something in targets). Distinct names may
 * meet (`a.b`, `a_b`): the window is then shared, one run after the other.
 */
export function toTmuxName(text: string): string {
  const name = text.replace(/[^A-Za-z0-9_-]/g, '_');
  return name === '' ? '_' : name;
}

/** `ensemble-<team>`, sanitised. */
export function toTeamSessionName(team: string): string {
  return `${TEAM_SESSION_PREFIX}${toTmuxName(team)}`;
}

/** A target naming exactly that session (`=`: no prefix match, so `ensemble-a` never finds `ensemble-ab`). */
export function toSessionTarget(sessionName: string): string {
  return `=${sessionName}`;
}

/** A target naming exactly that window by name (not by index: a member called `2` is not window 2). */
export function toWindowTarget(sessionName: string, windowName: string): string {
  return `=${sessionName}:=${windowName}`;
}

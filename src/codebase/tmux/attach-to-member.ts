import { spawn } from 'node:child_process';
import { EnsembleError } from '../../core/index.js';
import { callTmux, tmuxMissingError, toTmuxArgv } from './run-tmux.js';
import type { TmuxServer } from './run-tmux.js';
import { TEAM_SESSION_PREFIX, toTmuxName, toWindowTarget } from './tmux-names.js';

/** A team session and the names of its windows. */
export interface TeamSessionListing {
  /** `ensemble-<team>`. */
  readonly name: string;
  /** Epoch seconds of its last activity (tmux `session_activity`). */
  readonly activityAt: number;
  readonly windows: readonly string[];
}

/** Where a member's window is. */
export interface TeamWindowLocation {
  readonly session: string;
  readonly window: string;
}

/**
 * Which team session holds a window named after `member` (sanitised as window names are); the most
 * recently active one when several teams have it. `NOT_FOUND` naming the running teams otherwise.
 */
export function findTeamWindow(input: { readonly member: string; readonly sessions: readonly TeamSessionListing[] }): TeamWindowLocation {
  const window = toTmuxName(input.member);
  const teams = input.sessions.filter((session) => session.name.startsWith(TEAM_SESSION_PREFIX));
  const holder = [...teams].sort((a, b) => b.activityAt - a.activityAt).find((session) => session.windows.includes(window));
  if (holder !== undefined) return { session: holder.name, window };
  const running = teams.map((session) => `${session.name} (${session.windows.filter((name) => !name.startsWith('~')).join(', ') || 'no agents'})`);
  throw new EnsembleError(
    'NOT_FOUND',
    `no tmux window for agent "${input.member}"; running teams: ${running.length === 0 ? 'none (start one with `ensemble tickets run --tmux`)' : running.join('; ')}`,
    { details: { member: input.member, sessions: teams.map((session) => session.name) } },
  );
}

/** The `ensemble-*` sessions of a tmux server and their windows; none when no server runs. */
export async function listTeamSessions(server: TmuxServer, signal: AbortSignal): Promise<readonly TeamSessionListing[]> {
  const format = ['#{session_name}', '#{session_activity}', '#{window_name}'].join('\t');
  const result = await callTmux(server, ['list-windows', '-a', '-F', format], signal);
  // No server (or no socket yet): no teams.
  if (result.exitCode !== 0) return [];
  const sessions = new Map<string, { activityAt: number; windows: string[] }>();
  for (const line of result.stdout.split('\n')) {
    const [name = '', activity = '', window] = line.split('\t');
    if (!name.startsWith(TEAM_SESSION_PREFIX) || window === undefined) continue;
    const session = sessions.get(name) ?? { activityAt: Number(activity) || 0, windows: [] };
    session.windows.push(window);
    sessions.set(name, session);
  }
  return [...sessions].map(([name, session]) => ({ name, ...session }));
}

/** Runs tmux attached to the terminal; resolves with its exit code. */
export type SpawnAttach = (argv: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;

/** Options of {@link attachToMember}. */
export interface AttachToMemberOptions {
  /** The agent whose window to show. */
  readonly member: string;
  /** `tmux -L <socketName>`; absent: the user's default server. */
  readonly socketName?: string;
  /** `TMUX_TMPDIR` of the tmux client; absent: inherited. */
  readonly tmuxTmpDir?: string;
  /** @default `spawn` with the terminal inherited */
  readonly spawnAttach?: SpawnAttach;
  /** Inside tmux already (`TMUX` set, same server) the client switches instead of nesting. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/**
 * `ensemble attach <member>`: finds the team session with the member's window and attaches the
 * terminal to it (`tmux attach-session -t ensemble-<team>:<member>`, or `switch-client` from inside
 * tmux). Resolves with tmux's exit code; `NOT_FOUND` when no team has the window, `TMUX_FAILED`
 * when tmux is missing.
 */
export async function attachToMember(options: AttachToMemberOptions): Promise<number> {
  const server: TmuxServer = { socketName: options.socketName, tmuxTmpDir: options.tmuxTmpDir };
  const sessions = await listTeamSessions(server, options.signal ?? new AbortController().signal);
  const location = findTeamWindow({ member: options.member, sessions });
  const target = toWindowTarget(location.session, location.window);
  const env = options.env ?? process.env;
  // tmux refuses to nest a client; from inside the same server it moves the current one.
  const isInsideSameServer = env['TMUX'] !== undefined && env['TMUX'] !== '' && options.socketName === undefined;
  const argv = toTmuxArgv(server, isInsideSameServer ? ['switch-client', '-t', target] : ['attach-session', '-t', target]);
  return (options.spawnAttach ?? spawnWithTerminal)(argv, options.tmuxTmpDir === undefined ? env : { ...env, TMUX_TMPDIR: options.tmuxTmpDir });
}

function spawnWithTerminal(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
    child.on('error', (error) => reject((error as { code?: unknown }).code === 'ENOENT' ? tmuxMissingError(error) : error));
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

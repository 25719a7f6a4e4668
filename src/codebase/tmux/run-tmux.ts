import { execFile } from 'node:child_process';
import { EnsembleError } from '../../core/index.js';

/** Longest a single tmux client call may take; a server that answers nothing must not hang a run, in ms. */
const TMUX_CALL_TIMEOUT_MS = 15_000;

/** Which tmux server to talk to. */
export interface TmuxServer {
  /** `-L <socketName>`: a server of its own; absent: the user's default server. */
  readonly socketName?: string | undefined;
  /** `TMUX_TMPDIR` for the client: the folder holding the server's socket. */
  readonly tmuxTmpDir?: string | undefined;
}

/** How a tmux client call ended. */
export interface TmuxCallResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `tmux` with `-L <socket>` when the server names one: the argv of a client call. */
export function toTmuxArgv(server: TmuxServer, args: readonly string[]): readonly string[] {
  return ['tmux', ...(server.socketName === undefined ? [] : ['-L', server.socketName]), ...args];
}

/** The environment of a tmux client: ours, with the server's socket folder (and without `TMUX`, which would name the current server instead). */
export function toTmuxEnvironment(server: TmuxServer): NodeJS.ProcessEnv {
  if (server.tmuxTmpDir === undefined) return process.env;
  const { TMUX: _current, ...env } = process.env;
  return { ...env, TMUX_TMPDIR: server.tmuxTmpDir };
}

/** The error for a missing tmux binary, with the fix. */
export function tmuxMissingError(cause?: unknown): EnsembleError {
  return new EnsembleError('TMUX_FAILED', 'tmux is not installed: run `sudo apt-get install tmux` (Debian, Ubuntu) or scripts/ensure-debian-package.sh tmux tmux "tmux mode"', {
    details: { program: 'tmux' },
    cause,
  });
}

/**
 * Runs one tmux client command (argv, never a shell string) and returns how it ended; rejects with
 * `TMUX_FAILED` only when tmux cannot be run at all, and with `signal.reason` on abort.
 */
export function callTmux(server: TmuxServer, args: readonly string[], signal: AbortSignal): Promise<TmuxCallResult> {
  const [program, ...rest] = toTmuxArgv(server, args);
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    execFile(
      program!,
      rest,
      { env: toTmuxEnvironment(server), signal, timeout: TMUX_CALL_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        if (error === null) {
          resolve({ exitCode: 0, stdout, stderr });
          return;
        }
        const code = (error as { code?: unknown }).code;
        if (code === 'ENOENT') {
          reject(tmuxMissingError(error));
          return;
        }
        if (typeof code === 'number') {
          resolve({ exitCode: code, stdout, stderr });
          return;
        }
        const how = error.killed ? `did not answer within ${TMUX_CALL_TIMEOUT_MS} ms` : error.message;
        reject(new EnsembleError('TMUX_FAILED', `tmux ${args[0] ?? ''}: ${how}`, { retryable: true, details: { args }, cause: error }));
      },
    );
  });
}

/** {@link callTmux}, with a non-zero exit turned into `TMUX_FAILED` carrying tmux's own message. */
export async function runTmux(server: TmuxServer, args: readonly string[], signal: AbortSignal): Promise<string> {
  const result = await callTmux(server, args, signal);
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim() || `exited with code ${result.exitCode}`;
    throw new EnsembleError('TMUX_FAILED', `tmux ${args[0] ?? ''}: ${reason}`, {
      details: { args, exitCode: result.exitCode, stderr: result.stderr },
    });
  }
  return result.stdout;
}

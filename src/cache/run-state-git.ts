import { spawn } from 'node:child_process';
import { EnsembleError } from '../core/index.js';

/** Longest one git call of a workspace-state read may take, in ms: `git add -A` of a large work tree. */
const GIT_TIMEOUT_MS = 120_000;
/** Bytes of stdout kept: the calls here print a path or an object id. */
const MAX_STDOUT_BYTES = 64 * 1024;
/** Bytes of stderr kept for an error message. */
const STDERR_TAIL_BYTES = 4 * 1024;

/** Options of {@link runStateGit}. */
export interface StateGitOptions {
  readonly cwd: string;
  /** Kills git when it aborts; the promise then rejects with the signal's reason. */
  readonly signal: AbortSignal;
  /** Variables added to git's environment (GIT_INDEX_FILE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that count as success (`git add --ignore-errors` exits 1 yet adds the rest). @default [0] */
  readonly acceptedExitCodes?: readonly number[];
}

/**
 * Runs git (argv, never a shell) for a workspace-state read and resolves with its stdout. Hooks,
 * auto-gc and the fsmonitor are off (a state read must not start work in the user's repository).
 * Rejects with `GIT_FAILED` when git cannot start, exits with another code or prints too much, and
 * with the signal's reason on abort.
 */
export function runStateGit(args: readonly string[], options: StateGitOptions): Promise<string> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
    // Inherited from a git hook these would point git at another repository or index than the workspace's.
    delete env['GIT_DIR'];
    delete env['GIT_WORK_TREE'];
    delete env['GIT_INDEX_FILE'];
    delete env['GIT_COMMON_DIR'];
    Object.assign(env, options.env);
    const argv = ['-c', 'core.hooksPath=/dev/null', '-c', 'gc.auto=0', '-c', 'core.fsmonitor=false', ...args];
    const child = spawn('git', argv, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: GIT_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    let failure: unknown;
    const fail = (error: unknown): void => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.length > MAX_STDOUT_BYTES) fail(gitFailed(args, `printed more than ${MAX_STDOUT_BYTES} bytes`));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (error) => fail(gitFailed(args, `could not be run in ${options.cwd}: ${error.message}`)));
    child.on('close', (code, exitSignal) => {
      signal.removeEventListener('abort', onAbort);
      const accepted = options.acceptedExitCodes ?? [0];
      if (failure !== undefined) reject(failure);
      else if (code === null) reject(gitFailed(args, `was stopped (${exitSignal ?? 'signal'}; over ${GIT_TIMEOUT_MS} ms?)`));
      else if (!accepted.includes(code)) reject(gitFailed(args, `exited with ${code}: ${lastLine(stderr)}`));
      else resolve(stdout);
    });
  });
}

function gitFailed(args: readonly string[], what: string): EnsembleError {
  return new EnsembleError('GIT_FAILED', `git ${args[0] ?? ''} ${what}`, { details: { args } });
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .at(-1) ?? '(nothing on stderr)'
  );
}

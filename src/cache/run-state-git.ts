import { EnsembleError } from '../core/index.js';
import { lastStderrLine, runGitCommand } from '../codebase/index.js';

/** Bytes of stdout kept: the calls here print a path or an object id. */
const MAX_STDOUT_BYTES = 64 * 1024;

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
 * Runs git for a workspace-state read (through `runGitCommand`: argv, hooks, auto-gc and the
 * fsmonitor off, so a state read starts no work in the user's repository) and resolves with its
 * stdout. Rejects with `GIT_FAILED` when git exits with another code, and with the signal's
 * reason on abort.
 */
export async function runStateGit(args: readonly string[], options: StateGitOptions): Promise<string> {
  const result = await runGitCommand(args, { cwd: options.cwd, signal: options.signal, maxStdoutBytes: MAX_STDOUT_BYTES, ...(options.env === undefined ? {} : { env: options.env }) });
  const accepted = options.acceptedExitCodes ?? [0];
  if (result.exitCode === null || !accepted.includes(result.exitCode)) {
    throw new EnsembleError('GIT_FAILED', `git ${args[0] ?? ''} exited with ${String(result.exitCode)}: ${lastStderrLine(result.stderr)}`, { details: { args } });
  }
  return result.stdout.toString('utf8');
}

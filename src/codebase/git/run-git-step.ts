import { EnsembleError } from '../../core/index.js';
import { lastLine, runGitCommand } from '../run-git-command.js';
import type { GitCommandOptions, GitCommandResult } from '../run-git-command.js';

/** The identity used for commits when the repository has none (a CI runner, a fresh container). */
export const FALLBACK_IDENTITY = { name: 'ensemble', email: 'ensemble@localhost' } as const;

/** Options of {@link runGitStep}: those of `runGitCommand`, and what the step does, for the error message. */
export interface GitStepOptions extends GitCommandOptions {
  readonly what: string;
}

/**
 * Runs git and resolves with its stdout as text; any exit but 0 rejects with `GIT_FAILED` saying
 * `what` failed and quoting git's last stderr line.
 */
export async function runGitStep(args: readonly string[], options: GitStepOptions): Promise<string> {
  const result = await runGitCommand(args, options);
  if (result.exitCode !== 0) throw gitFailure(args, options, result);
  return result.stdout.toString('utf8');
}

/** The `GIT_FAILED` error of a git call that exited with something unexpected. */
export function gitFailure(args: readonly string[], options: Pick<GitStepOptions, 'cwd' | 'what'>, result: GitCommandResult): EnsembleError {
  const verb = args.find((arg) => !arg.startsWith('-')) ?? '';
  return new EnsembleError('GIT_FAILED', `${options.what}: git ${verb} exited with ${String(result.exitCode)}: ${lastLine(result.stderr)}`, {
    details: { args, cwd: options.cwd, stderr: result.stderr },
  });
}

/** NUL-separated git output as a list, without the empty last field. */
export function splitNul(text: string): string[] {
  return text.split('\0').filter((field) => field !== '');
}

/**
 * `-c user.name=… -c user.email=…` for whichever of the two the repository's configuration lacks,
 * so commits work where nobody configured git; a configured identity (or GIT_AUTHOR_* in the
 * environment, which outranks `-c`) is kept.
 */
export async function identityArgs(cwd: string, signal: AbortSignal): Promise<string[]> {
  const args: string[] = [];
  for (const [key, value] of [['user.name', FALLBACK_IDENTITY.name], ['user.email', FALLBACK_IDENTITY.email]] as const) {
    const configured = await runGitCommand(['config', '--get', key], { cwd, signal });
    if (configured.exitCode !== 0 || configured.stdout.toString('utf8').trim() === '') args.push('-c', `${key}=${value}`);
  }
  return args;
}

/** The commit `ref` names in `cwd`, or undefined when it names none (an unborn branch). */
export async function resolveCommit(cwd: string, ref: string, signal: AbortSignal): Promise<string | undefined> {
  const result = await runGitCommand(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd, signal });
  const sha = result.stdout.toString('utf8').trim();
  return result.exitCode === 0 && sha !== '' ? sha : undefined;
}

import { spawn } from 'node:child_process';
import { EnsembleError } from '../core/index.js';

/** Longest one git call may take, in ms: a checkout of a large repository, not a hung credential prompt. */
const GIT_TIMEOUT_MS = 300_000;
/** Bytes of stdout kept by default: 64 MiB, far above any patch a fix attempt should make. */
const DEFAULT_MAX_STDOUT_BYTES = 64 * 1024 * 1024;
/** Bytes of stderr kept for error messages: the last 16 KiB. */
const STDERR_TAIL_BYTES = 16 * 1024;

/** What a git call printed and how it ended. */
export interface GitCommandResult {
  readonly exitCode: number | null;
  /** Raw bytes: patches may hold text in any encoding. */
  readonly stdout: Buffer;
  /** The end of stderr, decoded. */
  readonly stderr: string;
}

/** Options of {@link runGitCommand}. */
export interface GitCommandOptions {
  readonly cwd: string;
  /** Kills git (SIGTERM) when it aborts; the promise then rejects with the signal's reason. */
  readonly signal: AbortSignal;
  /** Written to git's stdin (a patch for `git apply -`). */
  readonly input?: Buffer;
  /** Variables added to git's environment (GIT_DIR and GIT_WORK_TREE of a folder copy). */
  readonly env?: Readonly<Record<string, string>>;
  /** Bytes of stdout accepted; more fails the call. @default 64 MiB */
  readonly maxStdoutBytes?: number;
}

/**
 * Runs git with an argv (never a shell) and resolves with its exit code and output, whatever the
 * code. Hooks are off (`core.hooksPath=/dev/null`: a post-checkout hook must not run in a copy),
 * and so are auto-gc and the fsmonitor daemon, which would outlive the copy. Rejects with the
 * signal's reason on abort, and with an `AGENT_FAILED` error when git cannot start, runs past
 * 5 minutes or prints more than `maxStdoutBytes`.
 */
export function runGitCommand(args: readonly string[], options: GitCommandOptions): Promise<GitCommandResult> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
    // Inherited from a git hook these would point git at another repository than the one named.
    delete env['GIT_DIR'];
    delete env['GIT_WORK_TREE'];
    delete env['GIT_INDEX_FILE'];
    delete env['GIT_COMMON_DIR'];
    Object.assign(env, options.env);
    const argv = ['-c', 'core.hooksPath=/dev/null', '-c', 'gc.auto=0', '-c', 'core.fsmonitor=false', ...args];
    const child = spawn('git', argv, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], timeout: GIT_TIMEOUT_MS });
    const maxBytes = options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: unknown;
    const fail = (error: unknown): void => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) fail(new EnsembleError('AGENT_FAILED', `git ${args[0] ?? ''} printed more than ${maxBytes} bytes`, { details: { args } }));
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    // git may exit before reading all of stdin (a patch it rejects at once): that is its answer, not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
    child.on('error', (error) => {
      fail(new EnsembleError('AGENT_FAILED', `git could not be run in ${options.cwd}: ${error.message}`, { cause: error, details: { args } }));
    });
    child.on('close', (code, exitSignal) => {
      signal.removeEventListener('abort', onAbort);
      if (failure !== undefined) reject(failure);
      else if (code === null && exitSignal === 'SIGTERM') reject(new EnsembleError('AGENT_FAILED', `git ${args.join(' ')} took longer than ${GIT_TIMEOUT_MS} ms`, { details: { args } }));
      else resolve({ exitCode: code, stdout: Buffer.concat(chunks), stderr });
    });
  });
}

/**
 * Runs git like {@link runGitCommand} and resolves with its stdout; a non-zero exit rejects with an
 * `AGENT_FAILED` error that says `what` failed and quotes git's last stderr line.
 */
export async function runGitOrFail(args: readonly string[], options: GitCommandOptions & { readonly what: string }): Promise<Buffer> {
  const result = await runGitCommand(args, options);
  if (result.exitCode !== 0) {
    throw new EnsembleError('AGENT_FAILED', `${options.what}: git ${args[0] ?? ''} exited with ${String(result.exitCode)}: ${lastLine(result.stderr)}`, {
      details: { args, cwd: options.cwd, stderr: result.stderr },
    });
  }
  return result.stdout;
}

/** The last non-blank line of `text`, or `(nothing on stderr)`. */
export function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .at(-1) ?? '(nothing on stderr)'
  );
}

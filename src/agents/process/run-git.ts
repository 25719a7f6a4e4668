import { spawn } from 'node:child_process';

/** Longest a git call may take before it is given up, in ms. */
const GIT_TIMEOUT_MS = 30_000;

/** What a git call printed on stdout, up to its byte cap. */
export interface GitOutput {
  readonly stdout: string;
  readonly isTruncated: boolean;
  readonly exitCode: number | null;
}

/** Options of {@link runGit}. */
export interface RunGitOptions {
  readonly cwd: string;
  readonly signal: AbortSignal;
  /** Bytes of stdout kept; beyond them git is stopped and the output marked truncated. */
  readonly maxBytes: number;
  /** Variables added to git's environment (GIT_INDEX_FILE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that yield the output (`git add --ignore-errors` exits 1 yet adds the rest). @default [0] */
  readonly acceptedExitCodes?: readonly number[];
}

/**
 * Runs git (argv, no shell) for evidence: resolves undefined when git is missing, fails, times out
 * or the signal aborts, since evidence is best effort and never fails a task.
 */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<GitOutput | undefined> {
  return new Promise((resolve) => {
    if (options.signal.aborted) {
      resolve(undefined);
      return;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
    // Inherited from a git hook these would point git at another repository or index than the workspace's.
    delete env['GIT_DIR'];
    delete env['GIT_WORK_TREE'];
    delete env['GIT_INDEX_FILE'];
    Object.assign(env, options.env);
    const chunks: Buffer[] = [];
    let size = 0;
    let isTruncated = false;
    // gc.auto=0: a snapshot writes objects, and must not start a gc of the user's repository.
    const child = spawn('git', ['-c', 'gc.auto=0', ...args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
      signal: options.signal,
      timeout: GIT_TIMEOUT_MS,
    });
    child.on('error', () => resolve(undefined));
    child.stdout.on('data', (chunk: Buffer) => {
      if (isTruncated) return;
      const room = options.maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size = options.maxBytes;
        isTruncated = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    child.on('close', (code) => {
      if (!isTruncated && !(options.acceptedExitCodes ?? [0]).includes(code ?? -1)) resolve(undefined);
      else resolve({ stdout: Buffer.concat(chunks).toString('utf8'), isTruncated, exitCode: code });
    });
  });
}

import { spawn } from 'node:child_process';
import { sanitizeTerminalText } from '../../core/index.js';

/** Bytes of output kept (stdout and stderr as they came): the end of it, where test runners summarise. */
const OUTPUT_TAIL_BYTES = 64 * 1024;
/** Lines of output a report quotes. */
export const REPORTED_OUTPUT_LINES = 20;
/** Delay between SIGTERM and SIGKILL to a verification that ran out of time, in ms. */
const KILL_GRACE_MS = 2000;

/** How one verification run ended. */
export interface VerificationRun {
  /** null when the command was killed (`timedOut`) or could not start (`startError`). */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Why the program could not start (not found, not executable). */
  readonly startError?: string;
  readonly durationMs: number;
  /** The last lines of its output (stdout and stderr interleaved), terminal codes removed. */
  readonly lastLines: readonly string[];
}

/** Options of {@link runVerifyCommand}. */
export interface RunVerifyCommandOptions {
  readonly cwd: string;
  /** The command's whole environment (nothing else is inherited); `CI=true` is added when it has no CI. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Kills the command's whole process group when it aborts; the promise then rejects with its reason. */
  readonly signal: AbortSignal;
  /** Hears the process group as it starts and once it is gone (journaled, so a crash's leftovers are killed on resume). */
  readonly onProcess?: (state: 'started' | 'exited', pid: number) => void;
}

/** Whether a verification passed: the command ran to the end and exited 0. */
export function isPassing(run: VerificationRun): boolean {
  return run.exitCode === 0 && !run.timedOut;
}

/**
 * Runs a verification command (argv, no shell) in `cwd` as the leader of its own process group,
 * with `env` and `CI=true` (so test runners do not wait in watch mode). Past `timeoutMs` the group gets SIGTERM, then SIGKILL; once the command
 * exits, what it left running in its group is killed too. Resolves with how it ended, whatever
 * the exit code.
 */
export function runVerifyCommand(argv: readonly string[], options: RunVerifyCommandOptions): Promise<VerificationRun> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(signal.reason);
  const [program, ...args] = argv;
  if (program === undefined) return Promise.reject(new Error('runVerifyCommand: empty argv'));
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const env = { ...options.env, CI: options.env['CI'] ?? 'true' };
    const child = spawn(program, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = Buffer.alloc(0);
    let timedOut = false;
    let startError: string | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const keep = (chunk: Buffer): void => {
      output = Buffer.concat([output, chunk]);
      if (output.length > OUTPUT_TAIL_BYTES) output = output.subarray(output.length - OUTPUT_TAIL_BYTES);
    };
    const killGroup = (how: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, how);
      } catch {
        // Gone already.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);
    const onAbort = (): void => killGroup('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    if (child.pid !== undefined) options.onProcess?.('started', child.pid);
    child.on('error', (error) => {
      startError = error.message;
    });
    // Whatever the command left in its group (a server a test forgot) would hold the pipes open.
    child.on('exit', () => killGroup('SIGKILL'));
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      signal.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) options.onProcess?.('exited', child.pid);
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const lines = sanitizeTerminalText(output.toString('utf8'))
        .split('\n')
        .map((line) => line.trimEnd())
        .filter((line) => line !== '');
      resolve({
        exitCode: timedOut || startError !== undefined ? null : code,
        timedOut,
        ...(startError === undefined ? {} : { startError }),
        durationMs: Math.round(performance.now() - startedAt),
        lastLines: lines.slice(-REPORTED_OUTPUT_LINES),
      });
    });
  });
}

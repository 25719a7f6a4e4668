import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EnsembleError } from '../../core/index.js';
import { toLimitExceededError, watchProcessLimits } from './process-limits.js';
import type { LimitBreach, ProcessLimitWatch } from './process-limits.js';

/** How long stdout/stderr may stay open after the process exited (held by its own children), in ms. */
const STDIO_DRAIN_AFTER_EXIT_MS = 1000;

export interface AgentProcessOptions {
  /** Names the agent in error messages. */
  readonly agentName: string;
  /** Program and arguments; never a shell string. */
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. */
  readonly stdin: string;
  /** Bytes of stdout beyond which the process group is killed and the run fails with `AGENT_LIMIT_EXCEEDED` (limit `output`). */
  readonly maxOutputBytes: number;
  /** Caps on the whole process group; crossing one kills it (SIGKILL) and fails with `AGENT_LIMIT_EXCEEDED`. */
  readonly limits?: {
    /** Resident memory of the group, in MB (MiB); sampled from /proc, Linux only. */
    readonly memoryMb?: number | undefined;
    /** CPU time of the group, in seconds; sampled from /proc, Linux only. */
    readonly cpuSeconds?: number | undefined;
    /** Wall time from spawn, in ms. */
    readonly wallTimeMs?: number | undefined;
  };
  /** How often memory and CPU are sampled, in ms. @default 150 */
  readonly limitSampleIntervalMs?: number;
  /** Bytes of stderr kept (the end of it). */
  readonly maxStderrBytes: number;
  /** Delay between SIGTERM and SIGKILL to the process group on abort, in ms. */
  readonly killGraceMs: number;
  readonly signal: AbortSignal;
}

export interface AgentProcessResult {
  readonly stdout: string;
  /** The last `maxStderrBytes` of stderr. */
  readonly stderrTail: string;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
}

/**
 * Runs a program in its own process group with the given stdin, collecting stdout and the tail
 * of stderr. On abort the whole group gets SIGTERM, then SIGKILL after `killGraceMs`, and the
 * promise rejects with `signal.reason` once the program itself has exited. Processes the
 * program leaves behind in its group are terminated the same way when it exits. A crossed limit
 * (output, wall time, memory, CPU) kills the group at once and rejects with `AGENT_LIMIT_EXCEEDED`.
 */
export function runAgentProcess(options: AgentProcessOptions): Promise<AgentProcessResult> {
  const { signal, argv, agentName } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: 'pipe' });
    } catch (error) {
      // Synchronous failures: NUL bytes or oversized arguments.
      reject(spawnFailed(agentName, argv, options.cwd, error));
      return;
    }
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    const stderrTail = new TailBuffer(options.maxStderrBytes);
    let isSettled = false;
    let hasExited = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let drainTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let wallTimer: NodeJS.Timeout | undefined;
    let limitWatch: ProcessLimitWatch | undefined;
    const startedAt = Date.now();

    const killGroup = (killSignal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, killSignal);
      } catch {
        // ESRCH: every process of the group is gone already.
      }
    };
    const isGroupGone = (): boolean => {
      try {
        process.kill(-child.pid!, 0);
        return false;
      } catch {
        return true;
      }
    };
    const stopLimits = (): void => {
      clearTimeout(wallTimer);
      limitWatch?.stop();
    };
    const settle = (finish: () => void): void => {
      if (isSettled) return;
      isSettled = true;
      signal.removeEventListener('abort', onAbort);
      clearTimeout(drainTimer);
      stopLimits();
      finish();
    };
    const exceed = (breach: LimitBreach): void => {
      if (isSettled) return;
      killGroup('SIGKILL');
      settle(() => reject(toLimitExceededError(agentName, breach)));
    };
    const complete = (): void => {
      if (!hasExited || isSettled) return;
      settle(() =>
        resolve({ stdout: Buffer.concat(stdoutChunks).toString('utf8'), stderrTail: stderrTail.toString(), exitCode, exitSignal }),
      );
      // The task is over: processes it left behind in its group (background servers) end with it.
      if (!isGroupGone()) {
        killGroup('SIGTERM');
        setTimeout(() => killGroup('SIGKILL'), options.killGraceMs).unref();
      }
    };
    const onAbort = (): void => {
      killGroup('SIGTERM');
      // Not cleared on settle: a grandchild that ignores SIGTERM must still be killed.
      killTimer = setTimeout(() => killGroup('SIGKILL'), options.killGraceMs);
      // The program already exited but its children hold the pipes: nothing left to wait for.
      if (hasExited) settle(() => reject(signal.reason));
    };

    child.on('error', (error) => {
      if (child.pid === undefined) settle(() => reject(spawnFailed(agentName, argv, options.cwd, error)));
    });
    // The child may exit without reading its stdin (EPIPE): that is its right.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin);
    child.stdout.on('data', (chunk: Buffer) => {
      if (isSettled) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxOutputBytes) {
        exceed({ limit: 'output', value: options.maxOutputBytes, used: stdoutBytes });
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderrTail.push(chunk));
    child.on('exit', (code, killSignal) => {
      hasExited = true;
      // The program is done; what its group leaves behind is killed on completion, not measured.
      stopLimits();
      if (isSettled) return;
      exitCode = code;
      exitSignal = killSignal;
      if (signal.aborted) {
        if (killTimer !== undefined && isGroupGone()) clearTimeout(killTimer);
        settle(() => reject(signal.reason));
        return;
      }
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        complete();
      }, STDIO_DRAIN_AFTER_EXIT_MS);
    });
    child.on('close', complete);
    signal.addEventListener('abort', onAbort, { once: true });
    const limits = options.limits;
    if (child.pid !== undefined && limits !== undefined) {
      const { wallTimeMs, memoryMb, cpuSeconds } = limits;
      if (wallTimeMs !== undefined) {
        wallTimer = setTimeout(() => exceed({ limit: 'wallTime', value: wallTimeMs, used: Date.now() - startedAt }), wallTimeMs);
      }
      limitWatch = watchProcessLimits({
        processGroupId: child.pid,
        ...(memoryMb === undefined ? {} : { memoryMb }),
        ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
        ...(options.limitSampleIntervalMs === undefined ? {} : { intervalMs: options.limitSampleIntervalMs }),
        onExceeded: exceed,
      });
    }
  });
}

function spawnFailed(agentName: string, argv: readonly string[], cwd: string, error: unknown): EnsembleError {
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  const message = !existsSync(cwd)
    ? `agent "${agentName}": cannot start "${argv[0]}": the workspace folder ${cwd} does not exist`
    : code === 'ENOENT'
      ? `agent "${agentName}": cannot start "${argv[0]}": no such program (ENOENT)`
      : `agent "${agentName}": cannot start "${argv[0]}": ${reason}`;
  return new EnsembleError('AGENT_SPAWN_FAILED', message, {
    retryable: false,
    details: { agentName, program: argv[0], cwd, ...(typeof code === 'string' ? { errorCode: code } : {}) },
    cause: error,
  });
}

/** Keeps the last `limitBytes` of a byte stream. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private totalBytes = 0;

  constructor(private readonly limitBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.totalBytes += chunk.length;
    while (this.chunks.length > 1 && this.totalBytes - this.chunks[0]!.length >= this.limitBytes) {
      this.totalBytes -= this.chunks.shift()!.length;
    }
  }

  toString(): string {
    const all = Buffer.concat(this.chunks);
    let start = Math.max(0, all.length - this.limitBytes);
    // Do not start in the middle of a UTF-8 character.
    while (start < all.length && (all[start]! & 0xc0) === 0x80) start++;
    return all.subarray(start).toString('utf8');
  }
}

import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { EnsembleError } from '../../core/index.js';
import { AgentProcessTree } from './agent-process-tree.js';
import type { ProcessTracking, ProcessTrackingPreference } from './agent-process-tree.js';
import { registerLiveProcessTree } from './live-process-trees.js';
import { toLimitExceededError, watchProcessTree } from './process-limits.js';
import type { LimitBreach, ProcessLimitWatch } from './process-limits.js';

/** How long stdout/stderr may stay open after the process exited (held by its own children), in ms. */
const STDIO_DRAIN_AFTER_EXIT_MS = 1000;
/** How often a stopping agent is checked for processes left, in ms. */
const GONE_POLL_INTERVAL_MS = 20;
/** How long processes sent SIGKILL may take to disappear before the attempt ends without them (uninterruptible sleep), in ms. */
const GONE_AFTER_KILL_MS = 5000;

/** The variable whose value, inherited by every descendant, finds an agent's orphaned processes. */
export const PROCESS_TAG_VARIABLE = 'ENSEMBLE_PROCESS_TAG';

/** The processes of a started agent, as journaled in `agent:process`. */
export interface AgentProcessInfo {
  readonly pid: number;
  /** The agent's process group (and session) id: it leads both. */
  readonly pgid: number;
  readonly host: string;
  /** /proc/PID/stat field 22 (clock ticks since boot); absent without /proc. */
  readonly startTicks?: number;
  /** The agent's cgroup folder, with `cgroup` tracking. */
  readonly cgroup?: string;
  readonly tracking: ProcessTracking;
}

export interface AgentProcessOptions {
  /** Names the agent in error messages. */
  readonly agentName: string;
  /** Program and arguments; never a shell string. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The whole environment of the program (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** Value of {@link PROCESS_TAG_VARIABLE} in `env`: unique to this attempt. */
  readonly processTag: string;
  /** Written to the child's stdin, which is then closed. */
  readonly stdin: string;
  /** Bytes of stdout beyond which the processes are killed and the run fails with `AGENT_LIMIT_EXCEEDED` (limit `output`). */
  readonly maxOutputBytes: number;
  /** Caps on all the agent's processes together; crossing one kills them (SIGKILL) and fails with `AGENT_LIMIT_EXCEEDED`. */
  readonly limits?: {
    /** Resident memory, in MB (MiB); Linux only. */
    readonly memoryMb?: number | undefined;
    /** CPU time, in seconds; Linux only. */
    readonly cpuSeconds?: number | undefined;
    /** Wall time from spawn, in ms. */
    readonly wallTimeMs?: number | undefined;
  };
  /** How often memory and CPU are sampled and, without a cgroup, new descendants looked for, in ms. @default 150 */
  readonly limitSampleIntervalMs?: number;
  /** Whether a cgroup may be used. @default 'auto' */
  readonly processTracking?: ProcessTrackingPreference;
  /** Bytes of stderr kept (the end of it). */
  readonly maxStderrBytes: number;
  /** Delay between SIGTERM and SIGKILL to the agent's processes on abort, in ms. */
  readonly killGraceMs: number;
  readonly signal: AbortSignal;
  /** Called right after spawn; a throw stops the agent and fails the attempt with it. */
  readonly onStarted?: (info: AgentProcessInfo) => void;
  /** Called once every process of the agent is gone, before the promise settles. */
  readonly onExited?: (info: AgentProcessInfo) => void;
}

export interface AgentProcessResult {
  readonly stdout: string;
  /** The last `maxStderrBytes` of stderr. */
  readonly stderrTail: string;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
}

type Ending = { readonly kind: 'result'; readonly result: AgentProcessResult } | { readonly kind: 'error'; readonly error: unknown };

/**
 * Runs a program as the leader of a new session and process group, with the given stdin,
 * collecting stdout and the tail of stderr. Every process it starts is tracked (see
 * {@link AgentProcessTree}), even one that leaves the group or session. The promise settles only
 * once all of them are gone: when the program ends, what it left running gets SIGTERM, then
 * SIGKILL after `killGraceMs`; on abort the same, then it rejects with `signal.reason`; a crossed
 * limit (output, wall time, memory, CPU) SIGKILLs them at once and rejects with `AGENT_LIMIT_EXCEEDED`.
 */
export function runAgentProcess(options: AgentProcessOptions): Promise<AgentProcessResult> {
  const { signal, argv, agentName } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let child: ChildProcessByStdio<Writable | null, Readable, Readable>;
    try {
      // Nothing to say: /dev/null, not an open socket. bash reads ~/.bashrc when its stdin is a socket
      // (Node's pipes are), even for `bash -c`; a user's rc file then ran in every agent (issue 7: it hung).
      const spawnOptions = { cwd: options.cwd, env: options.env, detached: true } as const;
      child =
        options.stdin === ''
          ? spawn(argv[0]!, argv.slice(1), { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] })
          : spawn(argv[0]!, argv.slice(1), { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      // Synchronous failures: NUL bytes or oversized arguments.
      reject(spawnFailed(agentName, argv, options.cwd, error));
      return;
    }
    // The child may exit without reading its stdin (EPIPE): that is its right.
    child.stdin?.on('error', () => {});
    const pid = child.pid;
    if (pid === undefined) {
      child.on('error', (error) => reject(spawnFailed(agentName, argv, options.cwd, error)));
      return;
    }
    const tree = new AgentProcessTree(pid, `${PROCESS_TAG_VARIABLE}=${options.processTag}`, options.processTracking ?? 'auto');
    const unregister = registerLiveProcessTree(tree);
    const info: AgentProcessInfo = {
      pid,
      pgid: pid,
      host: hostname(),
      ...(tree.leaderStartTicks === undefined ? {} : { startTicks: tree.leaderStartTicks }),
      ...(tree.cgroupPath === undefined ? {} : { cgroup: tree.cgroupPath }),
      tracking: tree.tracking,
    };
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    const stderrTail = new TailBuffer(options.maxStderrBytes);
    let ending: Ending | undefined;
    let isSettled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let hasExited = false;
    let killedAt: number | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let wallTimer: NodeJS.Timeout | undefined;
    let pollTimer: NodeJS.Timeout | undefined;
    const startedAt = Date.now();

    const stopWatching = (): void => {
      clearTimeout(wallTimer);
      limitWatch.stop();
    };
    const killNow = (): void => {
      clearTimeout(killTimer);
      killedAt ??= Date.now();
      tree.kill();
    };
    const settle = (isGone: boolean): void => {
      if (isSettled || ending === undefined) return;
      isSettled = true;
      for (const timer of [drainTimer, killTimer, pollTimer]) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      stopWatching();
      unregister();
      tree.close();
      child.stdout.destroy();
      child.stderr.destroy();
      let final = ending;
      try {
        if (isGone) options.onExited?.(info);
      } catch (error) {
        // The processes are gone either way; a failure to record that fails an attempt that had succeeded.
        if (final.kind === 'result') final = { kind: 'error', error };
      }
      if (final.kind === 'result') resolve(final.result);
      else reject(final.error);
    };
    const pollUntilGone = (): void => {
      pollTimer = undefined;
      if (isSettled) return;
      if (tree.isGone()) settle(true);
      else if (killedAt !== undefined && Date.now() - killedAt > GONE_AFTER_KILL_MS) settle(false);
      else pollTimer = setTimeout(pollUntilGone, GONE_POLL_INTERVAL_MS);
    };
    /** Decides how the attempt ends (the first decision stands, except that an abort overrides a result) and stops the processes. */
    const end = (next: Ending, stopping: 'graceful' | 'kill'): void => {
      if (isSettled) return;
      const isFirst = ending === undefined;
      if (!isFirst && !(next.kind === 'error' && next.error === signal.reason && ending?.kind === 'result')) return;
      ending = next;
      stopWatching();
      clearTimeout(drainTimer);
      if (stopping === 'kill' || !isFirst) killNow();
      else if (tree.isGone()) {
        settle(true);
        return;
      } else {
        tree.signal('SIGTERM');
        killTimer = setTimeout(killNow, options.killGraceMs);
      }
      pollTimer ??= setTimeout(pollUntilGone, GONE_POLL_INTERVAL_MS);
    };
    const exceed = (breach: LimitBreach): void => end({ kind: 'error', error: toLimitExceededError(agentName, breach) }, 'kill');
    const complete = (): void => {
      if (!hasExited) return;
      end({ kind: 'result', result: { stdout: Buffer.concat(stdoutChunks).toString('utf8'), stderrTail: stderrTail.toString(), exitCode, exitSignal } }, 'graceful');
    };
    const onAbort = (): void => end({ kind: 'error', error: signal.reason }, 'graceful');

    child.on('error', (error) => end({ kind: 'error', error: spawnFailed(agentName, argv, options.cwd, error) }, 'kill'));
    child.stdin?.end(options.stdin);
    child.stdout.on('data', (chunk: Buffer) => {
      if (ending !== undefined) return;
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
      exitCode = code;
      exitSignal = killSignal;
      // The program is done; what it leaves behind is stopped on completion, not measured.
      stopWatching();
      if (ending !== undefined) return;
      drainTimer = setTimeout(complete, STDIO_DRAIN_AFTER_EXIT_MS);
    });
    child.on('close', complete);
    signal.addEventListener('abort', onAbort, { once: true });
    const limits = options.limits;
    if (limits?.wallTimeMs !== undefined) {
      const wallTimeMs = limits.wallTimeMs;
      wallTimer = setTimeout(() => exceed({ limit: 'wallTime', value: wallTimeMs, used: Date.now() - startedAt }), wallTimeMs);
    }
    const limitWatch: ProcessLimitWatch = watchProcessTree({
      tree,
      ...(limits?.memoryMb === undefined ? {} : { memoryMb: limits.memoryMb }),
      ...(limits?.cpuSeconds === undefined ? {} : { cpuSeconds: limits.cpuSeconds }),
      ...(options.limitSampleIntervalMs === undefined ? {} : { intervalMs: options.limitSampleIntervalMs }),
      onExceeded: exceed,
    });
    try {
      options.onStarted?.(info);
    } catch (error) {
      end({ kind: 'error', error }, 'kill');
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

import { hostname } from 'node:os';
import { AgentProcessTree } from './agent-process-tree.js';
import { registerLiveProcessTree } from './live-process-trees.js';
import { toLimitExceededError, watchProcessTree } from './process-limits.js';
import type { LimitBreach, ProcessLimitWatch } from './process-limits.js';
import { PROCESS_TAG_VARIABLE } from './run-agent-process.js';
import type { AgentProcessInfo, AgentProcessOptions, AgentProcessResult } from './run-agent-process.js';

/** How long processes sent SIGKILL may take to disappear before the attempt ends without them, in ms (as `runAgentProcess`). */
const GONE_AFTER_KILL_MS = 5000;
const GONE_POLL_INTERVAL_MS = 20;

/**
 * Runs programs where a person can watch them: `TmuxTeam` of src/codebase/tmux (one window per
 * member) fits it. A port, so src/agents does not depend on src/codebase.
 */
export interface AgentWindowLauncher {
  runInWindow(options: {
    readonly member: string;
    readonly argv: readonly string[];
    readonly cwd: string;
    readonly env: Readonly<Record<string, string>>;
    readonly stdinFile?: string;
    readonly maxOutputBytes?: number;
    readonly maxStderrBytes?: number;
    readonly signal: AbortSignal;
    readonly onStarted?: (info: { readonly pid: number; readonly runnerPid: number; readonly windowId: string }) => void;
  }): Promise<{
    readonly exitCode: number | null;
    readonly signal?: NodeJS.Signals;
    readonly stdout: string;
    readonly stderrTail: string;
    readonly pid: number;
    readonly isOutputExceeded: boolean;
    readonly outputBytes: number;
  }>;
}

/** {@link runAgentProcess}'s options, with the window to run in and stdin as a file (the prompt never goes on a tmux command line). */
export interface AgentWindowProcessOptions extends Omit<AgentProcessOptions, 'stdin'> {
  readonly launcher: AgentWindowLauncher;
  /** The member whose window runs it (the agent's name, or the ticket runner's member name). */
  readonly member: string;
  /** The program's stdin: the attempt's prompt file, or /dev/null. */
  readonly stdinFile: string;
}

/**
 * {@link runAgentProcess} in a tmux window: the same contract (the program leads its own session
 * and process group, its processes are tracked through /proc by pid and environment tag, announced
 * in `onStarted`/`onExited`, limits enforced: output by the window runner, wall time by a timer,
 * memory and CPU by the shared sampler; abort or a crossed limit kills them all and rejects).
 */
export async function runAgentProcessInWindow(options: AgentWindowProcessOptions): Promise<AgentProcessResult> {
  const { agentName, limits } = options;
  const stopping = new AbortController();
  const exceed = (breach: LimitBreach): void => {
    if (!stopping.signal.aborted) stopping.abort(toLimitExceededError(agentName, breach));
  };
  const signal = AbortSignal.any([options.signal, stopping.signal]);
  const startedAt = Date.now();
  const wallTimeMs = limits?.wallTimeMs;
  const wallTimer = wallTimeMs === undefined ? undefined : setTimeout(() => exceed({ limit: 'wallTime', value: wallTimeMs, used: Date.now() - startedAt }), wallTimeMs);
  let tree: AgentProcessTree | undefined;
  let unregister: (() => void) | undefined;
  let watch: ProcessLimitWatch | undefined;
  let info: AgentProcessInfo | undefined;
  try {
    const result = await options.launcher.runInWindow({
      member: options.member,
      argv: options.argv,
      cwd: options.cwd,
      env: options.env,
      stdinFile: options.stdinFile,
      maxOutputBytes: options.maxOutputBytes,
      maxStderrBytes: options.maxStderrBytes,
      signal,
      onStarted: ({ pid }) => {
        // Not our child (tmux's server forks the runner): /proc tracking by pid and tag, never a cgroup move.
        tree = new AgentProcessTree(pid, `${PROCESS_TAG_VARIABLE}=${options.processTag}`, 'proc');
        unregister = registerLiveProcessTree(tree);
        info = { pid, pgid: pid, host: hostname(), ...(tree.leaderStartTicks === undefined ? {} : { startTicks: tree.leaderStartTicks }), tracking: tree.tracking };
        watch = watchProcessTree({
          tree,
          ...(limits?.memoryMb === undefined ? {} : { memoryMb: limits.memoryMb }),
          ...(limits?.cpuSeconds === undefined ? {} : { cpuSeconds: limits.cpuSeconds }),
          ...(options.limitSampleIntervalMs === undefined ? {} : { intervalMs: options.limitSampleIntervalMs }),
          onExceeded: exceed,
        });
        options.onStarted?.(info);
      },
    });
    if (result.isOutputExceeded) throw toLimitExceededError(agentName, { limit: 'output', value: options.maxOutputBytes, used: result.outputBytes });
    return { stdout: result.stdout, stderrTail: result.stderrTail, exitCode: result.exitCode, exitSignal: result.signal ?? null };
  } catch (error) {
    // A limit aborts the run through `stopping`: report the limit, not the abort.
    throw stopping.signal.aborted && !options.signal.aborted ? stopping.signal.reason : error;
  } finally {
    clearTimeout(wallTimer);
    watch?.stop();
    if (tree !== undefined) {
      // What the program left running (orphans carrying its tag) goes as with `runAgentProcess`.
      if (!tree.isGone()) tree.kill();
      for (let waitedMs = 0; waitedMs < GONE_AFTER_KILL_MS && !tree.isGone(); waitedMs += GONE_POLL_INTERVAL_MS) {
        await new Promise((resolve) => setTimeout(resolve, GONE_POLL_INTERVAL_MS));
      }
      const isGone = tree.isGone();
      unregister?.();
      tree.close();
      if (isGone && info !== undefined) options.onExited?.(info);
    }
  }
}

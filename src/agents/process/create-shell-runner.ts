import { randomUUID } from 'node:crypto';
import { accessSync, constants, openSync, closeSync, readSync, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { isEnsembleError } from '../../core/index.js';
import type { ShellRequest, ShellResult, ShellRunner } from '../../tools/index.js';
import type { ProcessTrackingPreference } from './agent-process-tree.js';
import { createAttemptDir, removeAttemptDir } from './agent-scratch-dir.js';
import { PROCESS_TAG_VARIABLE, runAgentProcess } from './run-agent-process.js';
import type { AgentProcessInfo } from './run-agent-process.js';

/**
 * A constant script, never built from data: it points the shell's stdout and stderr at the call's
 * scratch files and its stdin at /dev/null, then replaces itself (same pid, same process group) with
 * `<shell> -c <command>`, where the command arrives as an argument. Files rather than pipes so that
 * what a command printed before its timeout is still there to show the model after its processes
 * were killed.
 */
const REDIRECT_SCRIPT = 'exec </dev/null >"$1" 2>"$2" && exec "$0" -c "$3"';
/**
 * bash sources ~/.bashrc even for `bash -c` when its stdin is a socket (it thinks rshd/sshd started
 * it), and Node's child pipes are sockets: a user's rc file (pyenv, nvm, a banner) would run, slow
 * or hang, in every command. `--norc` stops that for the wrapper; the command's shell has /dev/null.
 */
const BASH_OPTIONS = ['--norc'];
/** The shell used when `bash` is not on the PATH (minimal containers). */
const FALLBACK_SHELL = '/bin/sh';
/** Output of the wrapper itself (its pipes carry only a failure to open the files): small. */
const WRAPPER_OUTPUT_BYTES = 64 * 1024;
/** How often the output files are measured against `maxOutputBytes`, in ms. */
const OUTPUT_POLL_INTERVAL_MS = 100;
/** Longest UTF-8 encoding of one character, in bytes: reading 4 bytes per wanted character always suffices. */
const MAX_UTF8_BYTES_PER_CHARACTER = 4;

/** Options of {@link createShellRunner}. */
export interface ShellRunnerOptions {
  /** Names the agent in error messages. */
  readonly agentName: string;
  /** The whole environment of the commands (the agent's allow-listed one, see `buildAgentEnvironment`); each call adds its own ENSEMBLE_PROCESS_TAG. */
  readonly env: Readonly<Record<string, string>>;
  /** The agent's process limits, applied to each command's processes; `wallTimeMs` caps each command's timeout. */
  readonly limits?: {
    /** Resident memory, in MB (MiB); Linux only. */
    readonly memoryMb?: number | undefined;
    /** CPU time, in seconds; Linux only. */
    readonly cpuSeconds?: number | undefined;
    /** Wall time of one command, in ms. */
    readonly wallTimeMs?: number | undefined;
  };
  /** Delay between SIGTERM and SIGKILL to a command's processes on abort, in ms. */
  readonly killGraceMs: number;
  /** Bytes a command may write to stdout and stderr together before its processes are killed; the model still sees the start and end. @default 16777216 (16 MiB) */
  readonly maxOutputBytes?: number;
  /** How often memory and CPU are sampled and, without a cgroup, new descendants looked for, in ms. @default 150 */
  readonly limitSampleIntervalMs?: number;
  /** Whether a cgroup may be used. @default 'auto' */
  readonly processTracking?: ProcessTrackingPreference;
  /** Called right after each command's shell started (for `agent:process` events). */
  readonly onStarted?: (info: AgentProcessInfo) => void;
  /** Called once every process of a command is gone. */
  readonly onExited?: (info: AgentProcessInfo) => void;
}

const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * The `Bash` tool's runner on the process agents' machinery: each command runs as
 * `bash -c <command>` (`/bin/sh -c` without bash), argv only, through `runAgentProcess` in the
 * request's `cwd`, with the given environment, an empty stdin, the agent's limits and the request's
 * timeout as a wall-time limit. Every process it starts (`&`, `setsid`, `nohup`) is killed with it
 * on timeout or abort, and when it exits. stdout and stderr are kept whole up to `maxOutputChars`
 * characters each, else their start and end with the cut marked. Chatty commands are not killed
 * for it (a test run's exit code and summary matter more than its middle); only past
 * `maxOutputBytes` in all are they killed, which the end of stderr then says.
 *
 * Resolves on any exit code and on a timeout (`isTimedOut`); rejects with the signal's reason on
 * abort, `AGENT_LIMIT_EXCEEDED` when a memory or CPU limit is crossed, `AGENT_SPAWN_FAILED` when the
 * shell cannot start.
 */
export function createShellRunner(options: ShellRunnerOptions): ShellRunner {
  const shell = findShell(options.env.PATH);
  return (request) => runShellCommand(options, shell, request);
}

async function runShellCommand(options: ShellRunnerOptions, shell: string, request: ShellRequest): Promise<ShellResult> {
  const { signal } = request;
  if (signal.aborted) throw signal.reason;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const scratchDir = createAttemptDir();
  const stdoutPath = join(scratchDir, 'stdout');
  const stderrPath = join(scratchDir, 'stderr');
  const outputCap = new AbortController();
  const outputCapReason = new Error('output cap reached');
  const pollTimer = setInterval(() => {
    if (fileSize(stdoutPath) + fileSize(stderrPath) > maxOutputBytes) outputCap.abort(outputCapReason);
  }, OUTPUT_POLL_INTERVAL_MS);
  const agentWallTimeMs = options.limits?.wallTimeMs;
  const wallTimeMs = agentWallTimeMs === undefined ? request.timeoutMs : Math.min(agentWallTimeMs, request.timeoutMs);
  let exitCode: number | null = null;
  let isTimedOut = false;
  let isOutputCapped = false;
  let wrapperStderr = '';
  try {
    try {
      const processTag = randomUUID();
      const result = await runAgentProcess({
        agentName: options.agentName,
        argv: [shell, ...(basename(shell) === 'bash' ? BASH_OPTIONS : []), '-c', REDIRECT_SCRIPT, shell, stdoutPath, stderrPath, request.command],
        cwd: request.cwd,
        env: { ...options.env, [PROCESS_TAG_VARIABLE]: processTag },
        processTag,
        stdin: '',
        maxOutputBytes: WRAPPER_OUTPUT_BYTES,
        limits: { ...options.limits, wallTimeMs },
        ...(options.limitSampleIntervalMs === undefined ? {} : { limitSampleIntervalMs: options.limitSampleIntervalMs }),
        ...(options.processTracking === undefined ? {} : { processTracking: options.processTracking }),
        maxStderrBytes: WRAPPER_OUTPUT_BYTES,
        killGraceMs: options.killGraceMs,
        signal: AbortSignal.any([signal, outputCap.signal]),
        ...(options.onStarted === undefined ? {} : { onStarted: options.onStarted }),
        ...(options.onExited === undefined ? {} : { onExited: options.onExited }),
      });
      exitCode = result.exitCode;
      wrapperStderr = result.stdout + result.stderrTail;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error === outputCapReason) isOutputCapped = true;
      else if (isEnsembleError(error) && error.code === 'AGENT_LIMIT_EXCEEDED' && error.details?.limit === 'wallTime') isTimedOut = true;
      else throw error;
    }
    const stdout = readHeadAndTail(stdoutPath, request.maxOutputChars);
    const stderr = readHeadAndTail(stderrPath, request.maxOutputChars);
    const notes = [
      wrapperStderr,
      isOutputCapped ? `[ensemble: the command wrote more than ${maxOutputBytes} bytes of output; its processes were killed]\n` : '',
    ].join('');
    return {
      stdout: stdout.text,
      stderr: notes === '' ? stderr.text : `${stderr.text}${stderr.text === '' || stderr.text.endsWith('\n') ? '' : '\n'}${notes}`,
      exitCode,
      isTimedOut,
      isTruncated: stdout.isTruncated || stderr.isTruncated || isOutputCapped,
    };
  } finally {
    clearInterval(pollTimer);
    removeAttemptDir(scratchDir);
  }
}

/** `bash` from the commands' PATH, else `/bin/sh`; the shell is looked up once per runner. */
function findShell(searchPath: string | undefined): string {
  for (const folder of (searchPath ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, 'bash');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return FALLBACK_SHELL;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    // Not created yet (the shell has not started).
    return 0;
  }
}

/**
 * A text file whole when it has at most `maxChars` characters, else its first and last halves of
 * `maxChars` with the cut marked by the number of bytes left out. Reads at most 8 × `maxChars`
 * bytes, however large the file.
 */
export function readHeadAndTail(path: string, maxChars: number): { readonly text: string; readonly isTruncated: boolean } {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch {
    return { text: '', isTruncated: false };
  }
  try {
    const size = statSync(path).size;
    const windowBytes = maxChars * MAX_UTF8_BYTES_PER_CHARACTER;
    if (size <= 2 * windowBytes) {
      const whole = readBytes(descriptor, 0, size).toString('utf8');
      if (whole.length <= maxChars) return { text: whole, isTruncated: false };
    }
    const headChars = Math.ceil(maxChars / 2);
    const tailChars = maxChars - headChars;
    const headBytes = readBytes(descriptor, 0, Math.min(size, windowBytes));
    const tailBytes = readBytes(descriptor, Math.max(0, size - windowBytes), Math.min(size, windowBytes));
    const head = headBytes.subarray(0, byteLengthOfFirstChars(headBytes, headChars));
    const tail = tailBytes.subarray(tailBytes.length - byteLengthOfLastChars(tailBytes, tailChars));
    const cutBytes = size - head.length - tail.length;
    return { text: `${head.toString('utf8')}\n[… ${cutBytes} bytes cut …]\n${tail.toString('utf8')}`, isTruncated: true };
  } finally {
    closeSync(descriptor);
  }
}

function readBytes(descriptor: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const read = readSync(descriptor, buffer, filled, length - filled, position + filled);
    if (read === 0) break;
    filled += read;
  }
  return buffer.subarray(0, filled);
}

/** Bytes of the first `count` characters (UTF-16 code units, as `String.length` counts) of UTF-8 `bytes`, ending on a character boundary. */
function byteLengthOfFirstChars(bytes: Buffer, count: number): number {
  let chars = 0;
  let index = 0;
  while (index < bytes.length) {
    const width = utf8Width(bytes[index]!);
    const units = width === 4 ? 2 : 1;
    if (chars + units > count || index + width > bytes.length) break;
    chars += units;
    index += width;
  }
  return index;
}

/** Bytes of the last `count` characters of UTF-8 `bytes`, starting on a character boundary. */
function byteLengthOfLastChars(bytes: Buffer, count: number): number {
  let chars = 0;
  let start = bytes.length;
  while (start > 0) {
    let next = start - 1;
    // Step back over continuation bytes to the character's first byte.
    while (next > 0 && (bytes[next]! & 0xc0) === 0x80) next--;
    const units = start - next === 4 ? 2 : 1;
    if (chars + units > count) break;
    chars += units;
    start = next;
  }
  return bytes.length - start;
}

/** Length of the UTF-8 sequence a lead byte starts (1 for a stray continuation byte, which decodes as one U+FFFD). */
function utf8Width(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}


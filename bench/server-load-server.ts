import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Resident memory of a process from /proc/<pid>/status, in bytes. */
export interface ProcessMemory {
  /** VmRSS: resident now. */
  readonly residentBytes: number;
  /** VmHWM: the most it has been resident since it started (the kernel's peak). */
  readonly peakResidentBytes: number;
}

/** `ensemble serve` running as a child process of the bench. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readMemory(): ProcessMemory;
  /** CPU time it has used so far (user + system), in ms. */
  readCpuMs(): number;
  /** The last lines it wrote to stderr (request failures are logged there). */
  stderrTail(): string;
  /** SIGTERM, then waits for the exit; returns the exit code (0 is a graceful shutdown). */
  stop(timeoutMs: number): Promise<number | null>;
}

export interface StartServerProcessOptions {
  readonly dbPath: string;
  /** The server's cwd: its workspace, where simulated agents Glob and Read. */
  readonly cwd: string;
  readonly signal: AbortSignal;
  /** ENSEMBLE_SIMULATED_LATENCY_MS: each simulated task's wait, in ms (0: no-op tasks). */
  readonly simulatedLatencyMs: number;
  /** How long to wait for the `listening on` line, in ms. @default 20000 */
  readonly startTimeoutMs?: number;
}

const cliPath = fileURLToPath(new URL('../../bin/ensemble.js', import.meta.url));
const LISTENING_LINE = /^ensemble serve: listening on (http:\/\/127\.0\.0\.1:\d+)$/;
/** Characters of stderr kept for the failure message. */
const STDERR_TAIL_CHARS = 4000;

/**
 * Starts `ensemble serve --port 0` as its own process (so its RSS is its own, not the client's),
 * with no rate limit and simulated agents of a fixed latency: a minimal environment without provider keys or
 * a token, so every agent runs simulated and no request needs auth.
 */
export async function startServerProcess(options: StartServerProcessOptions): Promise<ServerProcess> {
  // BENCH_SERVER_PROF=<dir> writes the server's CPU profile there (open it in Chrome's DevTools) to see where its time goes.
  const profileDir = process.env['BENCH_SERVER_PROF'];
  const profileArgs = profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const child = spawn(process.execPath, [...profileArgs, cliPath, 'serve', '--host', '127.0.0.1', '--port', '0', '--rate-limit', '0', '--db', options.dbPath], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: options.cwd, ENSEMBLE_HOME: options.cwd, ENSEMBLE_SIMULATED_LATENCY_MS: String(options.simulatedLatencyMs), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await readListeningUrl(child, options.startTimeoutMs ?? 20_000, options.signal, () => stderr);
    const pid = child.pid;
    if (pid === undefined) throw new Error('the server process has no pid');
    return {
      url,
      pid,
      readMemory: () => readProcessMemory(pid),
      readCpuMs: () => readProcessCpuMs(pid),
      stderrTail: () => stderr,
      stop: (timeoutMs) => stopChild(child, exited, timeoutMs),
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** The URL of the first stdout line; the rest of stdout keeps draining so the pipe never fills. */
function readListeningUrl(child: ChildProcess, timeoutMs: number, signal: AbortSignal, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let isFirst = true;
    const fail = (reason: string): void => {
      cleanup();
      reject(new Error(`ensemble serve did not start: ${reason}\n${stderr()}`));
    };
    const onExit = (code: number | null): void => fail(`it exited with code ${code}`);
    const onAbort = (): void => fail('the bench deadline passed');
    const timer = setTimeout(() => fail(`no "listening on" line within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      signal.removeEventListener('abort', onAbort);
    };
    lines.on('line', (line) => {
      if (!isFirst) return;
      isFirst = false;
      const match = LISTENING_LINE.exec(line);
      if (match === null) {
        fail(`its first line was ${JSON.stringify(line)}`);
        return;
      }
      cleanup();
      resolve(match[1]!);
    });
    child.once('exit', onExit);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([exited, timeout]);
    if (result !== 'timeout') return result;
    child.kill('SIGKILL');
    throw new Error(`ensemble serve did not exit within ${timeoutMs} ms of SIGTERM (killed)`);
  } finally {
    clearTimeout(timer);
  }
}

/** VmRSS and VmHWM of a Linux process (the figures are in kB there). */
export function readProcessMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (match === null) throw new Error(`/proc/${pid}/status has no ${field} line`);
    return Number(match[1]) * 1024;
  };
  return { residentBytes: kilobytes('VmRSS'), peakResidentBytes: kilobytes('VmHWM') };
}

// USER_HZ: the unit of /proc times, 100 on every Linux architecture Node supports (as in src/agents/process/proc-stat.ts).
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a Linux process (fields 14 and 15 of /proc/<pid>/stat), in ms. */
export function readProcessCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) is in parentheses and may contain spaces: count fields after it (fields[0] is field 3).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  if (!Number.isFinite(ticks)) throw new Error(`/proc/${pid}/stat has no CPU times: ${stat.slice(0, 200)}`);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

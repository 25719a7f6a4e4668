import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnsembleError } from '../../core/index.js';
import { locateWindowRunner } from './locate-window-runner.js';
import { callTmux, runTmux, toTmuxArgv } from './run-tmux.js';
import type { TmuxServer } from './run-tmux.js';
import { tmuxTeamOptionsSchema, windowRunExitSchema, windowRunStartedSchema } from './schema.js';
import type { WindowRunExit, WindowRunSpec, WindowRunStarted } from './schema.js';
import { toSessionTarget, toTeamSessionName, toTmuxName, toWindowTarget } from './tmux-names.js';
import { waitForFile } from './wait-for-file.js';

/** The first window of a team session: the team's banner. `~` keeps it apart from every (sanitised) member name. */
const BANNER_WINDOW_NAME = '~ensemble';
/** Size of a detached session's windows (tmux's default, 80×24, wraps agents' lines). */
const SESSION_COLUMNS = '200';
const SESSION_ROWS = '50';
/** How long a window's previous runner may take to exit after writing its exit file, in ms (20 polls). */
const BUSY_WINDOW_WAIT_MS = 2000;
const BUSY_WINDOW_POLL_MS = 100;
/** How long processes sent SIGKILL may take to disappear before the run ends without them, in ms. */
const GONE_AFTER_KILL_MS = 5000;
/** Bytes of stderr kept by default: the last 64 KiB, as process agents. */
const DEFAULT_STDERR_TAIL_BYTES = 64 * 1024;
const FIELD_SEPARATOR = '\t';

/** Options of {@link TmuxTeam}. */
export interface TmuxTeamOptions {
  /** The team; its session is `ensemble-<team>`, sanitised to [A-Za-z0-9_-]. */
  readonly team: string;
  /** `tmux -L <socketName>`: a server of its own (tests); absent: the user's default server. */
  readonly socketName?: string;
  /** `TMUX_TMPDIR` of the tmux clients (where the server's socket lives); absent: inherited. */
  readonly tmuxTmpDir?: string;
  /** The built `tmux-window-runner.js`. @default located beside this module, or in the package's `dist/` */
  readonly runnerPath?: string;
  /** Delay between SIGTERM and SIGKILL to a run's processes on abort, in ms. @default 2000 */
  readonly killGraceMs?: number;
}

/** The processes of a run in a window. */
export interface TmuxWindowProcess {
  /** The program's pid: leader of its own session and process group. */
  readonly pid: number;
  /** The window runner's pid (the pane's process). */
  readonly runnerPid: number;
  /** tmux's id of the window (`@3`). */
  readonly windowId: string;
}

/** Options of {@link TmuxTeam.runInWindow}. */
export interface TmuxWindowRunOptions {
  /** The agent (team member) whose window runs it; the window is named after it, sanitised. */
  readonly member: string;
  /** Program and arguments; executed directly, never through a shell. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The whole environment of the program (the window's own is not passed on). */
  readonly env: Readonly<Record<string, string>>;
  /** The program's stdin; absent: the window's terminal, for an interactive program driven with {@link TmuxTeam.sendKeys}. */
  readonly stdinFile?: string;
  /** Bytes of stdout beyond which the program is killed (the result says `isOutputExceeded`). */
  readonly maxOutputBytes?: number;
  /** Bytes of stderr kept (the end of it). @default 65536 */
  readonly maxStderrBytes?: number;
  /** Aborting kills the program's process group (SIGTERM, SIGKILL after `killGraceMs`) and the window's runner; the run rejects with the reason. */
  readonly signal: AbortSignal;
  /** Called once the program is spawned; a throw stops it and the run rejects with that error. */
  readonly onStarted?: (info: TmuxWindowProcess) => void;
}

/** How a run in a window ended. */
export interface TmuxWindowResult {
  readonly exitCode: number | null;
  /** The signal that ended the program, when one did. */
  readonly signal?: NodeJS.Signals;
  readonly stdout: string;
  /** The last `maxStderrBytes` of stderr. */
  readonly stderrTail: string;
  readonly pid: number;
  /** stdout went past `maxOutputBytes`: the program was killed and `stdout` holds what came before. */
  readonly isOutputExceeded: boolean;
  /** Bytes the program wrote to stdout, those past `maxOutputBytes` included. */
  readonly outputBytes: number;
}

/** A window of the team's session. */
export interface TmuxWindowInfo {
  /** tmux's id (`@3`). */
  readonly id: string;
  readonly index: number;
  readonly name: string;
  /** Its program ended (the window stays, `remain-on-exit`). */
  readonly isDead: boolean;
  /** The pane's process. */
  readonly pid: number;
}

/**
 * One tmux session per team (`ensemble-<team>`), one window per member: each run of a member's
 * program happens in its window, visible with `ensemble attach <member>`, and stays on screen
 * (`remain-on-exit`) until the member's next run reuses the window. Programs run through
 * `tmux-window-runner` (argv, no shell; the spec, environment and prompt in files of a private
 * folder, never on a tmux command line), which gives back stdout and the exit code.
 */
export class TmuxTeam {
  /** The team's session name. */
  readonly sessionName: string;
  private readonly team: string;
  private readonly server: TmuxServer;
  private readonly runnerPath: string;
  private readonly killGraceMs: number;
  /** Runs of one window, one after the other (a run never respawns a window whose program still runs). */
  private readonly windowQueues = new Map<string, Promise<unknown>>();

  constructor(options: TmuxTeamOptions) {
    const parsed = tmuxTeamOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EnsembleError('INVALID_INPUT', `tmux team: ${issue?.path.join('.') ?? 'options'}: ${issue?.message ?? 'invalid'}`);
    }
    const settings = parsed.data;
    this.sessionName = toTeamSessionName(settings.team);
    this.server = { socketName: settings.socketName, tmuxTmpDir: settings.tmuxTmpDir };
    this.runnerPath = settings.runnerPath ?? locateWindowRunner();
    this.killGraceMs = settings.killGraceMs;
    this.team = settings.team;
  }

  /** Creates the team's session (detached, its first window the team's banner) unless it exists. */
  async ensureSession(signal: AbortSignal): Promise<void> {
    if ((await callTmux(this.server, ['has-session', '-t', toSessionTarget(this.sessionName)], signal)).exitCode === 0) return;
    const result = await callTmux(
      this.server,
      ['new-session', '-d', '-s', this.sessionName, '-n', BANNER_WINDOW_NAME, '-x', SESSION_COLUMNS, '-y', SESSION_ROWS, '--', process.execPath, this.runnerPath, '--idle', this.team],
      signal,
    );
    // Another run of the team may have created it meanwhile.
    if (result.exitCode !== 0 && !/duplicate session/i.test(result.stderr)) {
      throw new EnsembleError('TMUX_FAILED', `tmux new-session ${this.sessionName}: ${result.stderr.trim() || `exited with code ${result.exitCode}`}`, {
        details: { session: this.sessionName, stderr: result.stderr },
      });
    }
  }

  /** Runs a program in the member's window (created, or reused once its previous program ended) and waits for it. */
  runInWindow(options: TmuxWindowRunOptions): Promise<TmuxWindowResult> {
    const windowName = toTmuxName(options.member);
    const previous = this.windowQueues.get(windowName) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.runNow(windowName, options));
    const tail = run.catch(() => {});
    this.windowQueues.set(windowName, tail);
    void tail.then(() => {
      if (this.windowQueues.get(windowName) === tail) this.windowQueues.delete(windowName);
    });
    return run;
  }

  /** The window's screen and scroll-back (its last `lines` lines, wrapped lines joined), trailing blank lines dropped. */
  async capturePane(member: string, options: { readonly lines?: number; readonly signal: AbortSignal }): Promise<string> {
    const lines = options.lines ?? 200;
    const text = await runTmux(this.server, ['capture-pane', '-p', '-J', '-t', this.windowTarget(member), '-S', `-${lines}`], options.signal);
    return text.replace(/\s+$/, '');
  }

  /** Types into the member's window: key names (`Enter`, `C-c`), or text as is with `literal`. */
  async sendKeys(member: string, keys: readonly string[], options: { readonly literal?: boolean; readonly signal: AbortSignal }): Promise<void> {
    await runTmux(this.server, ['send-keys', '-t', this.windowTarget(member), ...(options.literal === true ? ['-l'] : []), '--', ...keys], options.signal);
  }

  /** The windows of the team's session; none when it does not exist. */
  async listWindows(signal: AbortSignal): Promise<readonly TmuxWindowInfo[]> {
    const format = ['#{window_id}', '#{window_index}', '#{window_name}', '#{pane_dead}', '#{pane_pid}'].join(FIELD_SEPARATOR);
    const result = await callTmux(this.server, ['list-windows', '-t', toSessionTarget(this.sessionName), '-F', format], signal);
    if (result.exitCode !== 0) return [];
    return result.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [id = '', index = '', name = '', dead = '', pid = ''] = line.split(FIELD_SEPARATOR);
        return { id, index: Number(index), name, isDead: dead === '1', pid: Number(pid) };
      });
  }

  /** Ends the team's session and whatever its windows run (they get SIGHUP); false when there was none. */
  async killSession(signal: AbortSignal): Promise<boolean> {
    return (await callTmux(this.server, ['kill-session', '-t', toSessionTarget(this.sessionName)], signal)).exitCode === 0;
  }

  /** The argv that attaches a terminal to the member's window (`ensemble attach <member>`). */
  attachArgs(member: string): readonly string[] {
    return toTmuxArgv(this.server, ['attach-session', '-t', this.windowTarget(member)]);
  }

  private windowTarget(member: string): string {
    return toWindowTarget(this.sessionName, toTmuxName(member));
  }

  private async runNow(windowName: string, options: TmuxWindowRunOptions): Promise<TmuxWindowResult> {
    const { signal } = options;
    if (signal.aborted) throw signal.reason;
    if (options.argv.length === 0) throw new EnsembleError('INVALID_INPUT', `tmux window ${windowName}: argv: empty`);
    if (!existsSync(options.cwd)) {
      throw new EnsembleError('AGENT_SPAWN_FAILED', `agent "${options.member}": cannot start "${options.argv[0] ?? ''}": the workspace folder ${options.cwd} does not exist`, {
        details: { agentName: options.member, program: options.argv[0], cwd: options.cwd },
      });
    }
    await this.ensureSession(signal);
    // mkdtemp makes it 0700: the spec holds the environment (keys, the prompt).
    const scratchDir = mkdtempSync(join(tmpdir(), 'ensemble-tmux-'));
    try {
      const spec: WindowRunSpec = {
        member: options.member,
        argv: [...options.argv],
        cwd: options.cwd,
        env: { ...options.env },
        ...(options.stdinFile === undefined ? {} : { stdinFile: options.stdinFile }),
        outputFile: join(scratchDir, 'stdout'),
        stderrFile: join(scratchDir, 'stderr'),
        startedFile: join(scratchDir, 'started.json'),
        exitFile: join(scratchDir, 'exit.json'),
        ...(options.maxOutputBytes === undefined ? {} : { maxOutputBytes: options.maxOutputBytes }),
      };
      const specPath = join(scratchDir, 'spec.json');
      writeFileSync(specPath, JSON.stringify(spec), { mode: 0o600 });
      const window = await this.launch(windowName, options.cwd, specPath, signal);
      return await this.waitForRun(spec, window, options);
    } finally {
      rmSync(scratchDir, { recursive: true, force: true });
    }
  }

  /** Starts the runner in the window: a new window, or the old one respawned once its program ended. */
  private async launch(windowName: string, cwd: string, specPath: string, signal: AbortSignal): Promise<{ readonly id: string; readonly runnerPid: number }> {
    const command = ['--', process.execPath, this.runnerPath, specPath];
    const format = `#{window_id}${FIELD_SEPARATOR}#{pane_pid}`;
    let existing = (await this.listWindows(signal)).find((window) => window.name === windowName);
    for (let waitedMs = 0; existing !== undefined && !existing.isDead && waitedMs < BUSY_WINDOW_WAIT_MS; waitedMs += BUSY_WINDOW_POLL_MS) {
      await sleep(BUSY_WINDOW_POLL_MS, signal);
      existing = (await this.listWindows(signal)).find((window) => window.name === windowName);
    }
    let output: string;
    if (existing === undefined) {
      // One client call, so the window has `remain-on-exit` before its program could end.
      output = await runTmux(
        this.server,
        ['new-window', '-d', '-P', '-F', format, '-t', `${toSessionTarget(this.sessionName)}:`, '-n', windowName, '-c', cwd, ...command, ';', 'set-option', '-w', '-t', toWindowTarget(this.sessionName, windowName), 'remain-on-exit', 'on'],
        signal,
      );
    } else if (existing.isDead) {
      output = await runTmux(this.server, ['respawn-window', '-t', existing.id, '-c', cwd, ...command, ';', 'display-message', '-p', '-t', existing.id, format], signal);
    } else {
      throw new EnsembleError('TMUX_FAILED', `tmux window ${this.sessionName}:${windowName} still runs a program; one run at a time per member`, {
        retryable: true,
        details: { session: this.sessionName, window: windowName },
      });
    }
    const [id = '', pid = ''] = output.trim().split(FIELD_SEPARATOR);
    const runnerPid = Number(pid);
    if (!id.startsWith('@') || !Number.isInteger(runnerPid) || runnerPid <= 0) {
      throw new EnsembleError('TMUX_FAILED', `tmux window ${this.sessionName}:${windowName}: unexpected answer ${JSON.stringify(output)}`);
    }
    return { id, runnerPid };
  }

  private async waitForRun(spec: WindowRunSpec, window: { readonly id: string; readonly runnerPid: number }, options: TmuxWindowRunOptions): Promise<TmuxWindowResult> {
    const { signal } = options;
    const isRunnerAlive = (): boolean => isProcessAlive(window.runnerPid);
    let stopReason: { readonly error: unknown } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = (killSignal: NodeJS.Signals): void => {
      // The program leads its own group: read its pid now, it may have started since the stop.
      const started = readStarted(spec.startedFile);
      if (started !== undefined) signalProcess(-started.pid, killSignal);
      signalProcess(window.runnerPid, killSignal);
    };
    // Once stopping, the wait for the runner is bounded: SIGKILL after the grace, then at most GONE_AFTER_KILL_MS.
    const givingUp = new AbortController();
    let giveUpTimer: NodeJS.Timeout | undefined;
    const stop = (error: unknown): void => {
      if (stopReason !== undefined) return;
      stopReason = { error };
      terminate('SIGTERM');
      killTimer = setTimeout(() => terminate('SIGKILL'), this.killGraceMs);
      giveUpTimer = setTimeout(() => givingUp.abort(), this.killGraceMs + GONE_AFTER_KILL_MS);
    };
    const onAbort = (): void => stop(signal.reason);
    const watching = new AbortController();
    const startedWait = waitForFile(spec.startedFile, { isWriterAlive: isRunnerAlive, signal: watching.signal }).then(
      (found) => {
        const started = found === 'found' ? readStarted(spec.startedFile) : undefined;
        if (started === undefined || stopReason !== undefined) return;
        try {
          options.onStarted?.({ pid: started.pid, runnerPid: started.runnerPid, windowId: window.id });
        } catch (error) {
          stop(error);
        }
      },
      () => {},
    );
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    let ending: 'found' | 'gone' | 'timeout';
    try {
      ending = await waitForFile(spec.exitFile, { isWriterAlive: isRunnerAlive, signal: givingUp.signal }).catch(() => 'gone' as const);
      if (stopReason !== undefined && ending === 'gone') {
        // The runner was killed before it could stop the program: make sure the group is gone.
        terminate('SIGKILL');
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      clearTimeout(giveUpTimer);
      watching.abort();
      await startedWait;
    }
    const started = readStarted(spec.startedFile);
    if (stopReason !== undefined) {
      if (started !== undefined) await waitUntilGroupGone(started.pid);
      throw stopReason.error;
    }
    if (ending !== 'found') {
      if (started !== undefined) signalProcess(-started.pid, 'SIGKILL');
      throw new EnsembleError('TMUX_FAILED', `tmux window ${this.sessionName}:${toTmuxName(options.member)}: its runner ended without a result (window killed?)`, {
        retryable: true,
        details: { session: this.sessionName, window: toTmuxName(options.member), windowId: window.id },
      });
    }
    const exit = readExit(spec.exitFile);
    if (exit.spawnError !== undefined) {
      const code = exit.spawnError.code;
      const reason = code === 'ENOENT' ? 'no such program (ENOENT)' : exit.spawnError.message;
      throw new EnsembleError('AGENT_SPAWN_FAILED', `agent "${options.member}": cannot start "${options.argv[0] ?? ''}": ${reason}`, {
        details: { agentName: options.member, program: options.argv[0], cwd: options.cwd, ...(code === undefined ? {} : { errorCode: code }) },
      });
    }
    if (started === undefined) throw new EnsembleError('TMUX_FAILED', `tmux window ${this.sessionName}:${toTmuxName(options.member)}: the runner reported an exit but no start`);
    return {
      exitCode: exit.exitCode,
      ...(exit.signal === null ? {} : { signal: exit.signal as NodeJS.Signals }),
      stdout: readFileSync(spec.outputFile, 'utf8'),
      stderrTail: readTail(spec.stderrFile, options.maxStderrBytes ?? DEFAULT_STDERR_TAIL_BYTES),
      pid: started.pid,
      isOutputExceeded: exit.isOutputExceeded,
      outputBytes: exit.outputBytes,
    };
  }
}

function readStarted(path: string): WindowRunStarted | undefined {
  try {
    const parsed = windowRunStartedSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function readExit(path: string): WindowRunExit {
  const parsed = windowRunExitSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new EnsembleError('TMUX_FAILED', `tmux window runner: ${path}: ${parsed.error.issues[0]?.message ?? 'invalid exit file'}`);
  return parsed.data;
}

/** The last `limitBytes` of a file, not starting inside a UTF-8 character. */
function readTail(path: string, limitBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, limitBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    let start = 0;
    while (start < buffer.length && (buffer[start]! & 0xc0) === 0x80) start++;
    return buffer.subarray(start).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: gone already.
  }
}

/** Whether `pid` (or, negative, a process group) has a process; a zombie nobody reaped yet counts as ended. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
  if (pid < 0) return true;
  try {
    // /proc/PID/stat: "pid (comm) state …"; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (not Linux), or it just ended.
    return existsSync('/proc/self/stat') ? false : true;
  }
}

/** Waits (polling, at most {@link GONE_AFTER_KILL_MS}) until no process of the group is left. */
async function waitUntilGroupGone(processGroupId: number): Promise<void> {
  for (let waitedMs = 0; waitedMs < GONE_AFTER_KILL_MS && isProcessAlive(-processGroupId); waitedMs += 20) {
    await sleep(20);
  }
}

function sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

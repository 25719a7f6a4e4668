/**
 * The program a team window runs (`node tmux-window-runner.js <spec.json>`): spawns the spec's
 * argv (no shell) as the leader of its own session and process group, stdin from the spec's file
 * (or the window's terminal), copies stdout and stderr to the terminal and to files, and writes the
 * started and exit files ensemble waits for. `--idle <team>` shows the team's banner and waits.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { windowRunSpecSchema } from './schema.js';
import type { WindowRunExit, WindowRunSpec, WindowRunStarted } from './schema.js';

/** How long stdout may stay open after the program exited (held by its own children), in ms; as `runAgentProcess`. */
const STDIO_DRAIN_AFTER_EXIT_MS = 1000;
const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/** Writes JSON so a reader never sees half of it: a temporary file renamed into place. */
function writeJsonAtomically(path: string, value: unknown): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(value), { mode: 0o600 });
  renameSync(temporary, path);
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(() => resolve()));
}

function runIdle(team: string): void {
  process.stdout.write(`${DIM}ensemble team "${team}": each agent runs in a window of its own (prefix n / p switches, prefix w lists them)${RESET}\n`);
  // Waits until tmux closes the window (SIGHUP ends the process).
  setInterval(() => {}, 1 << 30);
}

function runSpec(spec: WindowRunSpec): void {
  // A respawned window keeps the previous run's screen: start clean.
  process.stdout.write(`\u001b[2J\u001b[H${DIM}── ${spec.member}: ${spec.argv.join(' ')}  (in ${spec.cwd})${RESET}\n`);
  const output = createWriteStream(spec.outputFile, { mode: 0o600 });
  const errors = createWriteStream(spec.stderrFile, { mode: 0o600 });
  let stdinFd: number | undefined;
  let child: ChildProcess;
  const finish = async (exit: WindowRunExit): Promise<void> => {
    await Promise.all([closeStream(output), closeStream(errors)]);
    writeJsonAtomically(spec.exitFile, exit);
    const how = exit.spawnError !== undefined ? `could not start: ${exit.spawnError.message}` : exit.exitCode === null ? `killed by ${exit.signal ?? 'a signal'}` : `exited with code ${exit.exitCode}`;
    process.stdout.write(`${DIM}── ${spec.member}: ${how}${RESET}\n`);
    process.exit(exit.exitCode ?? (exit.spawnError === undefined ? 1 : 127));
  };
  try {
    if (spec.stdinFile !== undefined) stdinFd = openSync(spec.stdinFile, 'r');
    child = spawn(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [stdinFd ?? 'inherit', 'pipe', 'pipe'],
    });
  } catch (error) {
    void finish({ exitCode: null, signal: null, isOutputExceeded: false, outputBytes: 0, spawnError: toSpawnError(error) });
    return;
  } finally {
    if (stdinFd !== undefined) closeSync(stdinFd);
  }
  let hasEnded = false;
  let isOutputExceeded = false;
  let outputBytes = 0;
  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  let drainTimer: NodeJS.Timeout | undefined;
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group is gone.
    }
  };
  const end = (exit: WindowRunExit): void => {
    if (hasEnded) return;
    hasEnded = true;
    clearTimeout(drainTimer);
    child.stdout?.destroy();
    child.stderr?.destroy();
    void finish(exit);
  };
  child.on('error', (error) => end({ exitCode: null, signal: null, isOutputExceeded: false, outputBytes: 0, spawnError: toSpawnError(error) }));
  if (child.pid !== undefined) {
    const started: WindowRunStarted = { pid: child.pid, runnerPid: process.pid };
    writeJsonAtomically(spec.startedFile, started);
  }
  // The program leads its own session, so Ctrl-C in the window and tmux's SIGHUP reach the runner: pass them on.
  for (const name of FORWARDED_SIGNALS) process.on(name, () => signalGroup(name));
  child.stdout?.on('data', (chunk: Buffer) => {
    outputBytes += chunk.length;
    if (spec.maxOutputBytes !== undefined && outputBytes > spec.maxOutputBytes) {
      if (!isOutputExceeded) signalGroup('SIGKILL');
      isOutputExceeded = true;
      return;
    }
    process.stdout.write(chunk);
    output.write(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    errors.write(chunk);
  });
  const complete = (): void => end({ exitCode, signal: exitSignal, isOutputExceeded, outputBytes });
  child.on('exit', (code, signal) => {
    exitCode = code;
    exitSignal = signal;
    drainTimer = setTimeout(complete, STDIO_DRAIN_AFTER_EXIT_MS);
  });
  child.on('close', complete);
}

function toSpawnError(error: unknown): { code?: string; message: string } {
  const code = (error as { code?: unknown }).code;
  return { ...(typeof code === 'string' ? { code } : {}), message: error instanceof Error ? error.message : String(error) };
}

function main(argv: readonly string[]): void {
  if (argv[0] === '--idle') {
    runIdle(argv[1] ?? '');
    return;
  }
  const specPath = argv[0];
  if (specPath === undefined) {
    process.stderr.write('usage: tmux-window-runner <spec.json> | --idle <team>\n');
    process.exit(2);
  }
  const parsed = windowRunSpecSchema.safeParse(JSON.parse(readFileSync(specPath, 'utf8')));
  if (!parsed.success) {
    process.stderr.write(`tmux-window-runner: ${specPath}: ${parsed.error.issues[0]?.message ?? 'invalid spec'}\n`);
    process.exit(2);
  }
  runSpec(parsed.data);
}

main(process.argv.slice(2));

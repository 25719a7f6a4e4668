import type { ChildProcess } from 'node:child_process';
import { startCli } from './cli.js';

/** An `ensemble serve` child process and the address it listens on. */
export interface ServeProcess {
  /** `http://127.0.0.1:PORT`, from its first stdout line. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote so far, for failure messages. */
  readonly output: () => string;
  /** Sends `signal` (SIGTERM), then SIGKILL if it has not exited within `timeoutMs` (10 s); resolves with its exit code once it exited. */
  readonly stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<number | null>;
}

export interface StartServeOptions {
  readonly cwd: string;
  readonly dbPath: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly extraArgs?: readonly string[];
  /** @default 20000 */
  readonly startTimeoutMs?: number;
}

const LISTENING_LINE = /^ensemble serve: listening on (http:\/\/\S+)$/;

/** Starts `ensemble serve --port 0 --db PATH` on loopback and waits for its first stdout line. */
export function startServeProcess(options: StartServeOptions): Promise<ServeProcess> {
  const child = startCli(['serve', '--host', '127.0.0.1', '--port', '0', '--db', options.dbPath, ...(options.extraArgs ?? [])], {
    cwd: options.cwd,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = (): string => `stdout:\n${stdout}\nstderr:\n${stderr}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ensemble serve did not announce its address within ${options.startTimeoutMs ?? 20_000} ms\n${output()}`));
    }, options.startTimeoutMs ?? 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const before = stdout;
      stdout += chunk.toString();
      if (before.includes('\n')) return;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      const match = LISTENING_LINE.exec(stdout.slice(0, newline).trim());
      if (match === null) {
        child.kill('SIGKILL');
        reject(new Error(`ensemble serve's first line is not its address\n${output()}`));
      } else {
        resolve({ url: match[1]!, child, output, stop });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`ensemble serve exited (code ${code}, signal ${signal}) before announcing its address\n${output()}`));
    });
  });
}

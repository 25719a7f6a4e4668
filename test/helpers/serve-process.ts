import type { ChildProcess } from 'node:child_process';
import { startCli } from './cli.js';

/** An `ensemble serve` child process and its address. */
export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote so far. */
  output(): string;
  /** Sends `signal` and resolves with the exit code once it has exited (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

const LISTENING = /^ensemble serve: listening on (http:\/\/\S+)$/m;

/** Starts `ensemble serve --port 0 --db <db> …` in `cwd` and waits (bounded) for its listening line. */
export function startServeProcess(options: { readonly cwd: string; readonly db: string; readonly args?: readonly string[]; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number }): Promise<ServeProcess> {
  const child = startCli(['serve', '--port', '0', '--db', options.db, ...(options.args ?? [])], { cwd: options.cwd, ...(options.env === undefined ? {} : { env: options.env }) });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> => {
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
      reject(new Error(`ensemble serve did not start within ${options.timeoutMs ?? 15_000} ms:\n${text}`));
    }, options.timeoutMs ?? 15_000);
    const onData = (): void => {
      const match = LISTENING.exec(text);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ url: match[1]!, child, output: () => text, stop });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ensemble serve exited with ${code} before listening:\n${text}`));
    });
  });
}

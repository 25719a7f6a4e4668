import type { ChildProcess } from 'node:child_process';
import { startCli } from './cli.js';

/** An `ensemble worker` child process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Its stdout so far: `start <executionId>` / `end <executionId> <status>` lines after the ready line. */
  readonly stdout: () => string;
  readonly output: () => string;
  /** Execution ids it started so far. */
  readonly started: () => string[];
  /** Resolves once it printed `start <executionId>` for an id matching `pattern`. */
  readonly waitForStart: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  /** SIGTERM (graceful), then SIGKILL after `timeoutMs`; resolves once it exited. */
  readonly stop: (timeoutMs?: number) => Promise<void>;
  /** SIGKILL at once; resolves once it exited. */
  readonly kill: () => Promise<void>;
}

const READY_LINE = /^ensemble worker \S+: ready/;

/** Starts `ensemble worker --redis URL` and waits for its ready line. */
export async function startWorkerProcess(options: {
  readonly cwd: string;
  readonly redisUrl: string;
  readonly concurrency?: number;
  readonly agentsDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly extraArgs?: readonly string[];
}): Promise<WorkerProcess> {
  const args = [
    ...(options.agentsDir === undefined ? [] : ['--agents-dir', options.agentsDir]),
    'worker',
    '--redis',
    options.redisUrl,
    '--concurrency',
    String(options.concurrency ?? 2),
    ...(options.extraArgs ?? []),
  ];
  const child = startCli(args, { cwd: options.cwd, ...(options.env === undefined ? {} : { env: options.env }) });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = (): string => `stdout:\n${stdout}\nstderr:\n${stderr}`;
  const started = (): string[] => [...stdout.matchAll(/^start (\S+)$/gm)].map((match) => match[1]!);
  const isGone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const waitFor = (test: () => string | undefined, what: string, timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = test();
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`worker: no ${what} within ${timeoutMs} ms\n${output()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  await waitFor(() => (READY_LINE.test(stdout.split('\n')[0] ?? '') ? 'ready' : undefined), 'ready line', 20_000).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    stdout: () => stdout,
    output,
    started,
    waitForStart: (pattern, timeoutMs = 30_000) => waitFor(() => started().find((id) => pattern.test(id)), `start matching ${pattern}`, timeoutMs),
    stop: async (timeoutMs = 15_000) => {
      if (isGone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (isGone()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createTempFolder } from './temp-folder.js';

/** A `redis-server` of the test's own: loopback, a free port, its data in a temp folder. */
export interface TestRedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The server's data folder (AOF files live here). */
  readonly folder: string;
  /** Stops the server (SIGTERM: it writes its AOF first) and waits for it to exit; the data stays. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL): nothing more is written. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (with AOF on, the data comes back), waiting until it answers. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

export interface TestRedisOptions {
  /** Append-only file on, `appendfsync always`: a restart keeps every acknowledged write. @default false */
  readonly appendOnly?: boolean;
}

/** A free TCP port on loopback (the kernel's pick; there is a small window before redis binds it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Debian's `redis-server` (installed by `pretest`) on a free loopback port with its data in a
 * temp folder; resolves once it answers PING. No persistence unless `appendOnly`.
 */
export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedisServer> {
  const temp = createTempFolder('ensemble-redis-');
  const port = await freeLoopbackPort();
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', temp.folder,
    '--save', '',
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    '--loglevel', 'warning',
    ...(options.appendOnly === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;

  const start = async (): Promise<void> => {
    const started = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child = started;
    const exited = new Promise<never>((_, reject) => started.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${stderr}`))));
    exited.catch(() => {});
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (started.exitCode !== null) await exited;
      if (await answersPing(port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
  };

  await start();
  return {
    url,
    port,
    folder: temp.folder,
    start,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    dispose: async () => {
      await stopWith('SIGTERM');
      temp.remove();
    },
  };
}

async function answersPing(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

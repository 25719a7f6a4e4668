import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** How one stdio MCP server is run. */
export interface StdioServerProcess {
  /** Run without a shell: `command` and `args` are an argv array. */
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The whole environment of the server (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** Characters of stderr kept for failure messages. @default 4000 */
  readonly stderrTailChars?: number;
}

// The MCP specification's shutdown: close stdin, wait, SIGTERM, wait, SIGKILL. A second each keeps a run's end quick.
const STDIN_CLOSE_GRACE_MS = 1000;
const TERMINATE_GRACE_MS = 1000;

/**
 * The MCP SDK's stdio client transport, with the server made the leader of a new process group
 * (`detached`, setsid on POSIX) so that `close()` also ends what the server started (an `npx`
 * wrapper's node, a shell's children): the SDK's own transport kills only its direct child. The
 * framing (`ReadBuffer`, `serializeMessage`) is the SDK's. stderr is kept, its tail only, for the
 * messages of a server that fails.
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private readonly readBuffer = new ReadBuffer();
  private stderrText = '';
  private exitDescription: string | undefined;
  private exited: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private isFinished = false;

  constructor(private readonly server: StdioServerProcess) {}

  /** The last characters the server wrote to stderr, trimmed. */
  get stderrTail(): string {
    return this.stderrText.trim();
  }

  /** How the server ended (`exited with code 1`, `killed by SIGKILL`), undefined while it runs. */
  get exitReason(): string | undefined {
    return this.exitDescription;
  }

  /** The server's process id, which is also its process group's id; undefined before start. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child !== undefined) throw new Error('ProcessGroupStdioTransport already started');
    const tailChars = this.server.stderrTailChars ?? 4000;
    return new Promise((resolve, reject) => {
      const child = spawn(this.server.command, [...this.server.args], {
        cwd: this.server.cwd,
        env: { ...this.server.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        shell: false,
        windowsHide: true,
      });
      this.child = child;
      this.exited = new Promise((resolveExit) => {
        child.once('exit', (code, signal) => {
          this.exitDescription = signal === null ? `exited with code ${String(code)}` : `was killed by ${signal}`;
          resolveExit();
        });
      });
      child.once('error', (error) => {
        // A spawn failure (ENOENT, EACCES) emits 'error' and never 'exit'.
        this.exitDescription ??= error.message;
        reject(error);
        this.onerror?.(error);
      });
      child.once('spawn', () => {
        if (child.pid !== undefined) trackGroup(child.pid);
        resolve();
      });
      // 'close' (not 'exit'): every byte of stdout has been read by then.
      child.once('close', () => this.finish());
      child.stdout?.on('data', (chunk: Buffer) => {
        this.readBuffer.append(chunk);
        this.readMessages();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        this.stderrText = (this.stderrText + chunk.toString('utf8')).slice(-tailChars);
      });
      // A server gone before we write would raise EPIPE here; 'exit' reports it.
      child.stdin?.on('error', (error) => this.onerror?.(error));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (stdin == null || this.closing !== undefined || this.exitDescription !== undefined) return Promise.reject(new Error('MCP server is not running'));
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends the server and every process of its group: stdin closed, then SIGTERM, then SIGKILL. Idempotent; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    const child = this.child;
    if (child?.pid !== undefined && this.exited !== undefined) {
      const groupId = child.pid;
      child.stdin?.end();
      if (!(await settlesWithin(this.exited, STDIN_CLOSE_GRACE_MS))) {
        signalGroup(groupId, 'SIGTERM');
        if (!(await settlesWithin(this.exited, TERMINATE_GRACE_MS))) signalGroup(groupId, 'SIGKILL');
        await this.exited;
      }
      // The leader is gone; what it started may not be.
      signalGroup(groupId, 'SIGKILL');
      untrackGroup(groupId);
    }
    this.finish();
  }

  private readMessages(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a server logging to stdout) is reported and skipped, as the SDK does.
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  /** Tells the client the connection is over, once. */
  private finish(): void {
    if (this.isFinished) return;
    this.isFinished = true;
    this.readBuffer.clear();
    this.onclose?.();
  }
}

async function settlesWithin(promise: Promise<void>, timeoutMs: number): Promise<boolean> {
  const controller = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), delay(timeoutMs, false, { signal: controller.signal })]);
  } finally {
    controller.abort();
  }
}

function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}

// Groups still running when ensemble exits without closing them (a crash, process.exit) are killed on the way out.
const liveGroups = new Set<number>();
let isExitHookInstalled = false;

function trackGroup(groupId: number): void {
  liveGroups.add(groupId);
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  });
}

function untrackGroup(groupId: number): void {
  liveGroups.delete(groupId);
}

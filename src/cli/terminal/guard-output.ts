/** A stream the CLI writes to: process.stdout/stderr, or a test's stream. */
export interface OutputStream {
  write(text: string): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  readonly isTTY?: boolean;
  /** Terminal width in columns, when a terminal. */
  readonly columns?: number;
  /** Terminal height in rows, when a terminal. */
  readonly rows?: number;
  readonly destroyed?: boolean;
}

/** An output the CLI can always write to: once the reader has gone, writes are dropped. */
export interface TerminalOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Width of the terminal in columns; undefined when not a terminal. */
  readonly columns: number | undefined;
  /** Height of the terminal in rows; undefined when not a terminal. */
  readonly rows: number | undefined;
  /** Whether the reader has gone (`ensemble run … | head` after head exits). */
  readonly isClosed: boolean;
  /** Calls `listener` when the terminal is resized; returns the unsubscribe function. */
  onResize(listener: () => void): () => void;
}

interface GuardState {
  isClosed: boolean;
}

// One state per stream: process.stdout stays closed for every later command of the process.
const guardStates = new WeakMap<OutputStream, GuardState>();

/**
 * Guards a stream against a reader that went away: `ensemble run … | head` closes the pipe, and
 * the next write fails with EPIPE, which Node emits as an 'error' event that would crash the
 * process with a stack trace (leaving the run `interrupted` and its agents orphaned). Any write
 * error marks the output closed, and later writes are dropped: the command goes on silently.
 */
export function guardOutput(stream: OutputStream): TerminalOutput {
  let state = guardStates.get(stream);
  if (state === undefined) {
    const created: GuardState = { isClosed: false };
    stream.on('error', () => {
      created.isClosed = true;
    });
    guardStates.set(stream, created);
    state = created;
  }
  const guard = state;
  const isClosed = (): boolean => {
    if (stream.destroyed === true) guard.isClosed = true;
    return guard.isClosed;
  };
  return {
    write(text: string): void {
      if (isClosed()) return;
      try {
        stream.write(text);
      } catch {
        guard.isClosed = true;
      }
    },
    get isTTY(): boolean {
      return stream.isTTY === true;
    },
    get columns(): number | undefined {
      return stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : undefined;
    },
    get rows(): number | undefined {
      return stream.isTTY === true && typeof stream.rows === 'number' && stream.rows > 0 ? stream.rows : undefined;
    },
    get isClosed(): boolean {
      return isClosed();
    },
    onResize(listener: () => void): () => void {
      const emitter = stream as Partial<NodeJS.EventEmitter>;
      if (stream.isTTY !== true || typeof emitter.on !== 'function' || typeof emitter.off !== 'function') return () => {};
      emitter.on('resize', listener);
      return () => void emitter.off?.('resize', listener);
    },
  };
}

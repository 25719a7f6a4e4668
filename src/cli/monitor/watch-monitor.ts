import type { MonitorSnapshot } from '../../resources/index.js';
import type { Palette } from '../format.js';
import { countScreenRows, sleepUnlessAborted, type TerminalOutput } from '../terminal/index.js';
import { renderMonitorFrame } from './render-monitor-frame.js';

/** A terminal's keyboard: `process.stdin`, or a test's stream. */
export interface KeyInput {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Options of {@link watchMonitor}. */
export interface WatchMonitorOptions {
  /** Reads the figures now (the collector keeps what it needs between calls for CPU rates). */
  readonly collect: () => MonitorSnapshot;
  /** A terminal: frames are redrawn in place. */
  readonly output: TerminalOutput;
  /** The keyboard, read raw for `q` and Ctrl-C while the view runs; absent or not a terminal: only `signal` ends it. */
  readonly keys?: KeyInput;
  readonly palette: Palette;
  readonly unicode: boolean;
  /** Time between frames, in ms. */
  readonly intervalMs: number;
  /** Time between the first reading and the first frame, so its CPU rates cover something, in ms. */
  readonly firstFrameDelayMs: number;
  /** Ends the view (SIGINT, SIGTERM). */
  readonly signal: AbortSignal;
}

const CTRL_C = '\u0003';

/**
 * The live monitor: a frame every `intervalMs`, redrawn in place (the cursor climbs back over the
 * previous frame as it wraps at the current width, then erases below), at once again on a resize,
 * until `q`, Ctrl-C, `signal`, or the terminal going away. The keyboard is read raw for the
 * keys (so Ctrl-C arrives as a byte, not a signal) and put back as it was on every way out.
 */
export async function watchMonitor(options: WatchMonitorOptions): Promise<void> {
  const { output } = options;
  const stop = new AbortController();
  const stopOnAbort = (): void => stop.abort();
  options.signal.addEventListener('abort', stopOnAbort, { once: true });
  if (options.signal.aborted) stop.abort();
  const restoreKeys = listenForQuit(options.keys, () => stop.abort());
  let drawn: readonly string[] = [];
  let latest: MonitorSnapshot | undefined;
  const draw = (): void => {
    if (latest === undefined || output.isClosed) return;
    const frame = renderMonitorFrame(latest, {
      ...(output.columns === undefined ? {} : { columns: output.columns }),
      ...(output.rows === undefined ? {} : { rows: output.rows }),
      palette: options.palette,
      unicode: options.unicode,
    });
    const columns = output.columns;
    let rows = 0;
    for (const line of drawn) rows += columns === undefined ? 1 : countScreenRows(line, columns);
    output.write(`${rows > 0 ? `\u001b[${rows}F\u001b[J` : ''}${frame.join('\n')}\n`);
    drawn = frame;
  };
  const stopResize = output.onResize(draw);
  try {
    options.collect();
    await sleepUnlessAborted(options.firstFrameDelayMs, stop.signal);
    while (!stop.signal.aborted && !output.isClosed) {
      latest = options.collect();
      draw();
      await sleepUnlessAborted(options.intervalMs, stop.signal);
    }
  } finally {
    stopResize();
    restoreKeys();
    options.signal.removeEventListener('abort', stopOnAbort);
  }
}

/** Reads `keys` raw and calls `quit` on `q` or Ctrl-C; returns what puts the keyboard back as it was. */
function listenForQuit(keys: KeyInput | undefined, quit: () => void): () => void {
  if (keys?.isTTY !== true || keys.setRawMode === undefined) return () => {};
  const onData = (chunk: Buffer | string): void => {
    const text = chunk.toString();
    if (text.includes('q') || text.includes('Q') || text.includes(CTRL_C)) quit();
  };
  const wasRaw = keys.isRaw === true;
  keys.setRawMode(true);
  keys.on('data', onData);
  keys.resume();
  return () => {
    keys.off('data', onData);
    keys.setRawMode?.(wasRaw);
    // A paused stdin no longer holds the process open.
    keys.pause();
  };
}

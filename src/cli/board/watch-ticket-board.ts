import type { Palette } from '../format.js';
import { countScreenRows, sleepUnlessAborted, type TerminalOutput } from '../terminal/index.js';
import type { TicketBoardSnapshot } from './board-snapshot.js';
import { renderTicketBoard } from './render-ticket-board.js';

/** Options of {@link watchTicketBoard}. */
export interface WatchTicketBoardOptions {
  /** Reads the board at epoch ms `now`. */
  readonly read: (now: number) => TicketBoardSnapshot;
  readonly output: TerminalOutput;
  readonly palette: Palette;
  /** Box-drawing characters (else ASCII). */
  readonly unicode: boolean;
  /** Time between frames, in ms. */
  readonly intervalMs: number;
  /** One frame, then return. */
  readonly once: boolean;
  /** Ends the watch (Ctrl-C). */
  readonly signal: AbortSignal;
  /** Width of the frames when the output is not a terminal. */
  readonly fallbackColumns: number;
  /** One JSON snapshot per line instead of frames. */
  readonly asJson: boolean;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Draws the board every `intervalMs` until `signal` aborts or the reader goes away (`| head`). On a
 * terminal the frame is redrawn in place (and at once on a resize); otherwise each frame is printed
 * as plain lines after a blank one, with no cursor codes, so a log or a pipe reads it.
 */
export async function watchTicketBoard(options: WatchTicketBoardOptions): Promise<void> {
  const { output, signal } = options;
  const now = options.now ?? Date.now;
  const isLive = output.isTTY && !options.once && !options.asJson;
  let drawn: readonly string[] = [];
  let frames = 0;
  const draw = (): void => {
    const snapshot = options.read(now());
    if (options.asJson) {
      output.write(`${JSON.stringify(snapshot)}\n`);
      return;
    }
    const frame = renderTicketBoard(snapshot, {
      columns: output.columns ?? options.fallbackColumns,
      ...(isLive && output.rows !== undefined ? { rows: output.rows } : {}),
      palette: options.palette,
      unicode: options.unicode,
    });
    if (isLive) {
      // Climb back over the frame on screen, counted at the current width (a narrowed window reflows it).
      const columns = output.columns;
      let rows = 0;
      for (const line of drawn) rows += columns === undefined ? 1 : countScreenRows(line, columns);
      output.write(`${rows > 0 ? `\u001b[${rows}F\u001b[J` : ''}${frame.join('\n')}\n`);
      drawn = frame;
    } else {
      output.write(`${frames > 0 ? '\n' : ''}${frame.join('\n')}\n`);
    }
    frames++;
  };
  const stopResize = isLive ? output.onResize(() => draw()) : () => {};
  try {
    draw();
    while (!options.once && !signal.aborted && !output.isClosed) {
      await sleepUnlessAborted(options.intervalMs, signal);
      if (signal.aborted || output.isClosed) break;
      draw();
    }
  } finally {
    stopResize();
  }
}

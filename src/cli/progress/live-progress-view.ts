import type { RunEvent, RunState } from '../../core/index.js';
import type { Palette } from '../format.js';
import { countScreenRows, type TerminalOutput } from '../terminal/index.js';
import { renderFrame } from './render-frame.js';
import { renderNoticeLine } from './render-notice-line.js';
import { SIMULATED_NOTICE } from './simulated-notice.js';

/** How often the frame is redrawn while something runs (live durations, countdowns), in ms. */
const REDRAW_INTERVAL_MS = 100;

/**
 * Redraws the task table in place on a terminal, at most ten times a second. The caller folds
 * each event into `state` (the core's run state) and then tells the view with {@link onEvent}.
 */
export class LiveProgressView {
  /** The frame on screen, to know how many rows to climb back over (at the current width). */
  private drawn: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopResize: (() => void) | undefined;
  private isDirty = false;
  private noticePrinted = false;
  private isStopped = false;

  constructor(
    private readonly state: RunState,
    private readonly output: TerminalOutput,
    private readonly palette: Palette,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), REDRAW_INTERVAL_MS);
    this.stopResize = this.output.onResize(() => {
      this.isDirty = true;
      this.draw();
    });
  }

  onEvent(event: RunEvent): void {
    this.isDirty = true;
    if (event.type === 'agent:invoke' && event.runtime === 'simulated' && !this.noticePrinted) {
      this.noticePrinted = true;
      this.printAbove(this.palette.yellow(`note: ${SIMULATED_NOTICE}.`));
    }
    // Messages and warnings scroll above the frame, like a log, and stay on screen after the run.
    const notice = renderNoticeLine(event, this.palette);
    if (notice !== undefined && !this.isStopped) this.printAbove(notice);
  }

  /** Prints a line where the frame was; the next draw puts the frame back below it. */
  private printAbove(line: string): void {
    this.clear();
    this.output.write(`${line}\n`);
  }

  /** Draws the final frame once; later calls do nothing, so text printed after it stays. */
  stop(): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.stopTimers();
    this.isDirty = true;
    this.draw();
  }

  private stopTimers(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.stopResize?.();
    this.stopResize = undefined;
  }

  /**
   * Climbs back over the frame on screen and erases it. The rows it takes are counted at the
   * current width: after the window narrows, a terminal that reflows wraps the old lines.
   */
  private clear(): void {
    const columns = this.output.columns;
    let rows = 0;
    for (const line of this.drawn) rows += columns === undefined ? 1 : countScreenRows(line, columns);
    if (rows > 0) this.output.write(`\u001b[${rows}F\u001b[J`);
    this.drawn = [];
  }

  private draw(): void {
    // Nobody reads any more (`| head` on a pseudo-terminal wrapper): stop redrawing.
    if (this.output.isClosed) {
      this.stopTimers();
      return;
    }
    const { counts } = this.state;
    if (!this.isDirty && counts.running + counts.retrying === 0) return;
    this.isDirty = false;
    const frame = renderFrame(this.state, this.now(), this.palette, { columns: this.output.columns, rows: this.output.rows });
    this.clear();
    this.output.write(`${frame.join('\n')}\n`);
    this.drawn = frame;
  }
}

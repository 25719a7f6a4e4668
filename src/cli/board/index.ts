/** The ticket board of `tickets watch`: a snapshot read from the journal, its pure rendering, and the redraw loop. */

/** Reads the board from `store.codebase` and the latest ticket run's events (a reader folds only new events each frame); the snapshot's shape and the cap on a running bar. */
export { readBoardSnapshot, createBoardReader, RUNNING_PROGRESS_CAP } from './board-snapshot.js';
export type { TicketBoardSnapshot, BoardMember, BoardMetrics } from './board-snapshot.js';
/** Renders the board as lines of at most `columns - 1` display columns (boxed from 40 columns, ASCII when not `unicode`). */
export { renderTicketBoard, formatElapsed } from './render-ticket-board.js';
export type { TicketBoardOptions } from './render-ticket-board.js';
/** Redraws the board in place on a terminal every interval, or prints plain frames to a pipe; `--once` prints one. */
export { watchTicketBoard } from './watch-ticket-board.js';
export type { WatchTicketBoardOptions } from './watch-ticket-board.js';
/** Whether the locale (LC_ALL, LC_CTYPE, LANG) is UTF-8; none set counts as yes. */
export { isUnicodeTerminal } from './is-unicode-terminal.js';

import { describe, expect, it } from 'vitest';
import { createPalette } from '../format.js';
import type { TerminalOutput } from '../terminal/index.js';
import { VirtualTerminal } from '../../../test/helpers/virtual-terminal.js';
import type { TicketBoardSnapshot } from './board-snapshot.js';
import { watchTicketBoard } from './watch-ticket-board.js';

const snapshot: TicketBoardSnapshot = {
  members: [],
  queuedTickets: 1,
  inProgressTickets: 0,
  doneTickets: 0,
  totalTickets: 1,
  pendingEscalations: 0,
  readyReviews: 0,
  metrics: {},
  at: 0,
};

/** A terminal (or a pipe) that records what is written, into `screen` too; closes itself after `closeAfterWrites` writes. */
function recordingOutput(isTTY: boolean, closeAfterWrites = Number.POSITIVE_INFINITY): TerminalOutput & { readonly writes: string[]; readonly screen: VirtualTerminal } {
  const writes: string[] = [];
  const screen = new VirtualTerminal(60, 40);
  return {
    writes,
    screen,
    write: (text) => {
      if (writes.length >= closeAfterWrites) return;
      writes.push(text);
      screen.write(text);
    },
    isTTY,
    columns: isTTY ? 60 : undefined,
    rows: isTTY ? 40 : undefined,
    get isClosed() {
      return writes.length >= closeAfterWrites;
    },
    onResize: () => () => {},
  };
}

function options(output: TerminalOutput, signal: AbortSignal, once = false) {
  let reads = 0;
  return {
    read: () => ({ ...snapshot, queuedTickets: ++reads }),
    output,
    palette: createPalette(false),
    unicode: true,
    intervalMs: 5,
    once,
    signal,
    fallbackColumns: 50,
    asJson: false,
  };
}

describe('watchTicketBoard', () => {
  it('redraws the frame in place on a terminal: the screen shows only the latest frame', async () => {
    const output = recordingOutput(true);
    const controller = new AbortController();
    const watching = watchTicketBoard(options(output, controller.signal));
    for (let waits = 0; waits < 400 && output.writes.length < 3; waits++) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await watching;
    const [first, second] = output.writes;
    const frameLines = first!.trimEnd().split('\n');
    expect(frameLines.every((line) => line.length === 59)).toBe(true);
    // The second frame climbs back over the first (one screen row per line at 60 columns) and erases it.
    expect(second!.startsWith(`\u001b[${frameLines.length}F\u001b[J`)).toBe(true);
    const screen = output.screen.lines().filter((line) => line.trim() !== '');
    expect(screen).toHaveLength(frameLines.length);
    expect(screen.filter((line) => line.includes('AGENT ORCHESTRATOR'))).toHaveLength(1);
    expect(screen.join('\n')).toContain(`${output.writes.length} queued`);
    expect(output.screen.scrollback).toEqual([]);
  });

  it('prints plain frames separated by a blank line on a pipe, and stops once the reader has gone', async () => {
    const output = recordingOutput(false, 3);
    await watchTicketBoard(options(output, new AbortController().signal));
    expect(output.writes).toHaveLength(3);
    expect(output.writes.join('')).not.toContain('\u001b');
    expect(output.writes[1]!.startsWith('\n╔')).toBe(true);
    expect(output.writes[0]!.split('\n')[0]).toHaveLength(49);
  });

  it('prints one frame with --once, even on a terminal, without cursor codes', async () => {
    const output = recordingOutput(true);
    await watchTicketBoard(options(output, new AbortController().signal, true));
    expect(output.writes).toHaveLength(1);
    expect(output.writes[0]).not.toContain('\u001b');
  });
});

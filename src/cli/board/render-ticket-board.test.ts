import { describe, expect, it } from 'vitest';
import { createPalette } from '../format.js';
import { displayWidth } from '../terminal/index.js';
import type { TicketBoardSnapshot } from './board-snapshot.js';
import { formatElapsed, packParts, renderTicketBoard } from './render-ticket-board.js';

const plain = createPalette(false);
const colour = createPalette(true);

const busyBoard: TicketBoardSnapshot = {
  runId: 'run-1',
  runStatus: 'running',
  members: [
    { name: 'developer-1', agentName: 'developer', state: 'working', ticketId: 'T-42', elapsedMs: 15 * 60_000, progress: 0.8 },
    { name: 'developer-2', agentName: 'developer', state: 'working', ticketId: 'T-39', elapsedMs: 8 * 60_000, progress: 0.4 },
    { name: 'a-member-with-a-rather-long-name', agentName: 'reviewer', state: 'escalated', ticketId: 'T-7', elapsedMs: 4 * 60_000 },
    { name: 'tester', agentName: 'tester', state: 'idle' },
    { name: '開発者', agentName: 'developer', state: 'working', ticketId: 'T-3', elapsedMs: 30_000 },
  ],
  queuedTickets: 12,
  inProgressTickets: 3,
  doneTickets: 4,
  totalTickets: 19,
  pendingEscalations: 2,
  readyReviews: 5,
  metrics: { averageCompletionMs: 12 * 60_000, escalationRate: 0.1, conflictRate: 0.05, utilisation: 0.8 },
  at: 0,
};

const emptyBoard: TicketBoardSnapshot = {
  members: [],
  queuedTickets: 0,
  inProgressTickets: 0,
  doneTickets: 0,
  totalTickets: 0,
  pendingEscalations: 0,
  readyReviews: 0,
  metrics: {},
  at: 0,
};

describe('renderTicketBoard', () => {
  for (const columns of [40, 80, 120]) {
    it(`draws a box exactly columns - 1 wide at ${columns} columns, in colour or not, Unicode or ASCII`, () => {
      for (const palette of [plain, colour]) {
        for (const unicode of [true, false]) {
          const lines = renderTicketBoard(busyBoard, { columns, palette, unicode });
          for (const line of lines) expect(displayWidth(line), line).toBe(columns - 1);
        }
      }
    });
  }

  it('shows the seed dashboard: title, team counts, one row per member, queues and metrics', () => {
    const text = renderTicketBoard(busyBoard, { columns: 100, palette: plain }).join('\n');
    expect(text).toContain('AGENT ORCHESTRATOR');
    expect(text).toContain('Agents: 4/5 active   Tickets: 12 queued, 3 in progress');
    expect(text).toMatch(/developer-1: T-42 \(15m\) +█{16}░{4} {2}80%/);
    expect(text).toMatch(/developer-2: T-39 \(8m\) +█{8}░{12} {2}40%/);
    expect(text).toMatch(/a-member-with-a-rather-long-name: T-7 \(4m\) +ESCALATED ⚠ Waiting for human/);
    expect(text).toContain('tester:');
    expect(text).toContain('Escalation Queue: 2 pending');
    expect(text).toContain('Review Queue: 5 ready');
    expect(text).toContain('Avg completion: 12m · Escalation rate: 10% · Conflict rate: 5% · Utilisation: 80%');
    expect(text.split('\n')[0]).toMatch(/^╔═+╗$/);
    expect(text.split('\n').at(-1)).toMatch(/^╚═+╝$/);
  });

  it('draws only ASCII when the terminal is not UTF-8', () => {
    const lines = renderTicketBoard(busyBoard, { columns: 80, palette: plain, unicode: false });
    const text = lines.join('\n').replace('開発者', '');
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    expect(lines[0]).toMatch(/^\+=+\+$/);
    expect(text).toContain('ESCALATED ! Waiting for human');
    // Cut text ends with "~", not "…".
    const narrow = renderTicketBoard(busyBoard, { columns: 40, palette: plain, unicode: false }).join('\n').replace('開発者', '');
    expect(narrow).toMatch(/^[\x20-\x7e\n]*$/);
    expect(narrow).toContain('~');
    expect(text).toMatch(/#{16}\.{4} {2}80%/);
  });

  it('packs the header and metrics on more lines as the box narrows, and keeps every line inside it', () => {
    const lines = renderTicketBoard(busyBoard, { columns: 40, palette: plain });
    expect(lines.some((line) => line.includes('Agents: 4/5 active'))).toBe(true);
    expect(lines.some((line) => line.includes('Tickets: 12 queued, 3 in progress'))).toBe(true);
    expect(lines.some((line) => line.includes('Utilisation: 80%'))).toBe(true);
    // The escalated member's text shrinks to what fits beside its label.
    expect(lines.some((line) => /a-member-with-a-\S*… ESCALATED ⚠ +║$/.test(line))).toBe(true);
  });

  it('drops the box below 40 columns and still never writes a line as wide as the window', () => {
    for (const columns of [39, 24, 10]) {
      const lines = renderTicketBoard(busyBoard, { columns, palette: colour });
      expect(lines.some((line) => line.includes('║'))).toBe(false);
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns - 1);
    }
  });

  it('counts the members a short window has no room for on one line', () => {
    const lines = renderTicketBoard(busyBoard, { columns: 80, rows: 16, palette: plain });
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(lines.join('\n')).toContain('… 3 more members');
  });

  it('says nobody works when no ticket run is known, and shows dashes for metrics without data', () => {
    const text = renderTicketBoard(emptyBoard, { columns: 80, palette: plain }).join('\n');
    expect(text).toContain('No team at work (start one: ensemble tickets run)');
    expect(text).toContain('Agents: 0/0 active   Tickets: 0 queued, 0 in progress');
    expect(text).toContain('Avg completion: - · Escalation rate: - · Conflict rate: - · Utilisation: -');
  });

  it('shows ?% for a member whose agent has no past duration to compare with', () => {
    const board = { ...busyBoard, members: [{ name: 'new', agentName: 'new', state: 'working' as const, ticketId: 'T-1', elapsedMs: 1000 }] };
    expect(renderTicketBoard(board, { columns: 80, palette: plain }).join('\n')).toMatch(/new: T-1 \(1s\) ░{20} {3}\?%/);
  });
});

describe('packParts', () => {
  it('puts parts on one line when they fit and starts a new line when they do not', () => {
    expect(packParts(['aaa', 'bbb', 'ccc'], 11, ' | ')).toEqual(['aaa | bbb', 'ccc']);
    expect(packParts(['a-very-long-part'], 5, ' ')).toEqual(['a-ve…']);
  });
});

describe('formatElapsed', () => {
  it('uses seconds, minutes, then hours and minutes', () => {
    expect(formatElapsed(undefined)).toBe('-');
    expect(formatElapsed(45_000)).toBe('45s');
    expect(formatElapsed(15 * 60_000)).toBe('15m');
    expect(formatElapsed(65 * 60_000)).toBe('1h05m');
  });
});

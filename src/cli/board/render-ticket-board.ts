import type { Palette } from '../format.js';
import { displayWidth, fitToWidth, padToWidth } from '../terminal/index.js';
import type { BoardMember, BoardMetrics, TicketBoardSnapshot } from './board-snapshot.js';

/** Options of {@link renderTicketBoard}. */
export interface TicketBoardOptions {
  /** Terminal width; every line is at most `columns - 1` wide (a line as wide as the window wraps on some terminals). */
  readonly columns: number;
  /** Terminal height; members beyond it are counted on one line instead. Absent: every member. */
  readonly rows?: number;
  readonly palette: Palette;
  /** Box-drawing and block characters; false draws with ASCII (`+`, `-`, `|`, `#`). @default true */
  readonly unicode?: boolean;
}

interface Glyphs {
  readonly top: readonly [string, string, string];
  readonly middle: readonly [string, string, string];
  readonly bottom: readonly [string, string, string];
  readonly side: string;
  readonly filled: string;
  readonly empty: string;
  readonly warning: string;
  readonly separator: string;
}

const UNICODE_GLYPHS: Glyphs = {
  top: ['╔', '═', '╗'],
  middle: ['╠', '═', '╣'],
  bottom: ['╚', '═', '╝'],
  side: '║',
  filled: '█',
  empty: '░',
  // U+26A0 without the emoji selector: one column on every terminal (with U+FE0F some draw two).
  warning: '⚠',
  separator: ' · ',
};

const ASCII_GLYPHS: Glyphs = {
  top: ['+', '=', '+'],
  middle: ['+', '-', '+'],
  bottom: ['+', '=', '+'],
  side: '|',
  filled: '#',
  empty: '.',
  warning: '!',
  separator: ' | ',
};

/** Below this width the box is dropped: its borders would take the room the text needs. */
const MINIMUM_BOX_COLUMNS = 40;
const MAXIMUM_BAR_WIDTH = 20;
const MINIMUM_BAR_WIDTH = 4;
/** Columns a member row keeps right of its label: `ESCALATED ⚠`. */
const RIGHT_SIDE_MINIMUM = 11;

/**
 * The ticket board of `tickets watch`, after the seed's "Orchestrator Dashboard": a box as wide as
 * the terminal allows (`columns - 1`), one row per team member with its ticket, elapsed time and a
 * progress bar (or "ESCALATED ⚠ Waiting for human"), the queues and the metrics. Lines that do not
 * fit are packed onto more lines or cut with "…", never wrapped by the terminal. Narrower than 40
 * columns it prints the same lines without the box.
 */
export function renderTicketBoard(snapshot: TicketBoardSnapshot, options: TicketBoardOptions): string[] {
  const glyphs = options.unicode === false ? ASCII_GLYPHS : UNICODE_GLYPHS;
  const { palette } = options;
  const lineWidth = Math.max(1, options.columns - 1);
  const isBoxed = options.columns >= MINIMUM_BOX_COLUMNS;
  // Inside "║ " and " ║".
  const innerWidth = isBoxed ? lineWidth - 4 : lineWidth;
  const header = packParts(headerParts(snapshot), innerWidth, '   ');
  const metrics = packParts(metricParts(snapshot.metrics), innerWidth, glyphs.separator);
  // Borders and rules (boxed), or blank lines between sections (unboxed), plus the title and the two queue lines.
  const otherLines = (isBoxed ? 9 : 6) + header.length + metrics.length;
  // A frame taller than the window scrolls and breaks the redraw: members beyond it are counted on one line.
  const memberRoom = options.rows === undefined ? undefined : Math.max(1, options.rows - 1 - otherLines);
  const sections: string[][] = [
    [centre(palette.bold('AGENT ORCHESTRATOR'), innerWidth)],
    header,
    memberLines(snapshot, innerWidth, glyphs, palette, memberRoom),
    [`Escalation Queue: ${colourCount(snapshot.pendingEscalations, 'pending', palette.yellow)}`, `Review Queue: ${colourCount(snapshot.readyReviews, 'ready', palette.cyan)}`],
    metrics,
  ];
  const lines = isBoxed ? boxed(sections, lineWidth, innerWidth, glyphs) : unboxed(sections, lineWidth);
  // fitToWidth marks a cut with "…", which is not ASCII either.
  return options.unicode === false ? lines.map((line) => line.replaceAll('…', '~')) : lines;
}

function unboxed(sections: readonly (readonly string[])[], lineWidth: number): string[] {
  return sections.flatMap((section, index) => [...(index === 0 ? [] : ['']), ...section.map((line) => fitToWidth(line, lineWidth).trimEnd())]);
}

function boxed(sections: readonly (readonly string[])[], lineWidth: number, innerWidth: number, glyphs: Glyphs): string[] {
  const rule = ([left, fill, right]: readonly [string, string, string]): string => `${left}${fill.repeat(lineWidth - 2)}${right}`;
  const lines = [rule(glyphs.top)];
  sections.forEach((section, index) => {
    if (index > 0) lines.push(rule(glyphs.middle));
    for (const line of section) lines.push(`${glyphs.side} ${padToWidth(fitToWidth(line, innerWidth), innerWidth)} ${glyphs.side}`);
  });
  lines.push(rule(glyphs.bottom));
  return lines;
}

function headerParts(snapshot: TicketBoardSnapshot): string[] {
  const active = snapshot.members.filter((member) => member.state !== 'idle').length;
  return [`Agents: ${active}/${snapshot.members.length} active`, `Tickets: ${snapshot.queuedTickets} queued, ${snapshot.inProgressTickets} in progress`];
}

function metricParts(metrics: BoardMetrics): string[] {
  return [
    `Avg completion: ${formatElapsed(metrics.averageCompletionMs)}`,
    `Escalation rate: ${formatRate(metrics.escalationRate)}`,
    `Conflict rate: ${formatRate(metrics.conflictRate)}`,
    `Utilisation: ${formatRate(metrics.utilisation)}`,
  ];
}

function colourCount(count: number, noun: string, colour: (text: string) => string): string {
  const text = `${count} ${noun}`;
  return count > 0 ? colour(text) : text;
}

function memberLines(snapshot: TicketBoardSnapshot, width: number, glyphs: Glyphs, palette: Palette, room: number | undefined): string[] {
  if (snapshot.members.length === 0) {
    return [palette.dim(snapshot.runId === undefined ? 'No team at work (start one: ensemble tickets run)' : `No member at work (run ${snapshot.runId} is ${snapshot.runStatus ?? 'unknown'})`)];
  }
  const shown = room === undefined || snapshot.members.length <= room ? snapshot.members : snapshot.members.slice(0, Math.max(1, room - 1));
  const labels = shown.map((member) => memberLabel(member));
  // Labels are cut before the right side drops below "ESCALATED ⚠" (or a 4-column bar and its percentage).
  const labelWidth = Math.max(1, Math.min(Math.max(...labels.map((label) => displayWidth(label))), width - 1 - RIGHT_SIDE_MINIMUM));
  const lines = shown.map((member, index) => {
    const label = padToWidth(fitToWidth(labels[index]!, labelWidth), labelWidth);
    const rest = width - labelWidth - 1;
    if (member.state === 'escalated') return `${label} ${palette.yellow(escalatedText(rest, glyphs))}`;
    if (member.state === 'idle') return `${label} ${palette.dim('idle')}`;
    return `${label} ${progressBar(member.progress, rest, glyphs, palette)}`;
  });
  const hidden = snapshot.members.length - shown.length;
  if (hidden > 0) lines.push(palette.dim(`… ${hidden} more member${hidden === 1 ? '' : 's'}`));
  return lines;
}

/** `reviewer-2: T-42 (15m)` (working, or waiting that long for a person), `reviewer-4:` (idle). */
function memberLabel(member: BoardMember): string {
  const elapsed = member.elapsedMs === undefined ? '' : ` (${formatElapsed(member.elapsedMs)})`;
  if (member.state === 'idle') return `${member.name}:`;
  return `${member.name}: ${member.ticketId ?? '-'}${elapsed}`;
}

/** `████████░░ 80%` in `width` columns; the bar shrinks first, then goes; `?%` without a past duration to compare with. */
function progressBar(progress: number | undefined, width: number, glyphs: Glyphs, palette: Palette): string {
  const percent = progress === undefined ? '  ?%' : `${String(Math.round(progress * 100)).padStart(3)}%`;
  const barWidth = Math.min(MAXIMUM_BAR_WIDTH, width - percent.length - 1);
  if (barWidth < MINIMUM_BAR_WIDTH) return percent.trimStart();
  const filled = progress === undefined ? 0 : Math.min(barWidth, Math.round(progress * barWidth));
  return `${palette.green(glyphs.filled.repeat(filled))}${palette.dim(glyphs.empty.repeat(barWidth - filled))} ${percent}`;
}

/** The longest of `ESCALATED ⚠ Waiting for human`, `ESCALATED ⚠`, `ESCALATED` that fits. */
function escalatedText(width: number, glyphs: Glyphs): string {
  const candidates = [`ESCALATED ${glyphs.warning} Waiting for human`, `ESCALATED ${glyphs.warning}`, 'ESCALATED'];
  return candidates.find((candidate) => displayWidth(candidate) <= width) ?? fitToWidth('ESCALATED', width);
}

/** Joins parts with `separator` into as few lines of `width` as they fit; a part wider than a line is cut. */
export function packParts(parts: readonly string[], width: number, separator: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const part of parts) {
    const candidate = current === '' ? part : `${current}${separator}${part}`;
    if (displayWidth(candidate) <= width) current = candidate;
    else {
      if (current !== '') lines.push(current);
      current = fitToWidth(part, width);
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

function centre(text: string, width: number): string {
  const gap = Math.max(0, Math.floor((width - displayWidth(text)) / 2));
  return `${' '.repeat(gap)}${text}`;
}

/** `45s`, `15m`, `1h05m`; `-` when unknown. */
export function formatElapsed(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function formatRate(rate: number | undefined): string {
  return rate === undefined ? '-' : `${Math.round(rate * 100)}%`;
}

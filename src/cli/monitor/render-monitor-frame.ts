import type { MonitorAgent, MonitorRun, MonitorSnapshot } from '../../resources/index.js';
import { formatDuration, type Palette } from '../format.js';
import { displayWidth, fitToWidth, padToWidth, sanitizeTerminalLine } from '../terminal/index.js';

/** Options of {@link renderMonitorFrame}. */
export interface MonitorFrameOptions {
  /** Terminal width; every line is at most `columns - 1` wide. Absent (a pipe): nothing is cut or dropped. */
  readonly columns?: number;
  /** Terminal height; agent rows past it are counted on one line instead. Absent: every agent. */
  readonly rows?: number;
  readonly palette: Palette;
  /** `·` between header items (else `|`). @default true */
  readonly unicode?: boolean;
}

/** One column of the agent table. */
interface Column {
  readonly header: string;
  readonly cell: (agent: MonitorAgent) => string;
  /** Lower numbers are dropped last when the table is too wide. */
  readonly keep: number;
  /** Columns that may be cut (with "…") down to this width before any column is dropped; absent: never cut. */
  readonly minimumWidth?: number;
  /** Where a cut falls: run ids differ at their end, so they lose their start. @default 'end' */
  readonly cutFrom?: 'start' | 'end';
  readonly alignRight?: boolean;
}

const COLUMNS: readonly Column[] = [
  { header: 'RUN', cell: (agent) => agent.runId, keep: 6, minimumWidth: 8, cutFrom: 'start' },
  { header: 'TASK', cell: (agent) => agent.taskId, keep: 0, minimumWidth: 6 },
  { header: 'AGENT', cell: (agent) => agent.agentName, keep: 5, minimumWidth: 6 },
  { header: 'PID', cell: (agent) => (agent.pid === null ? '-' : String(agent.pid)), keep: 1, alignRight: true },
  { header: 'CPU%', cell: (agent) => (agent.cpuPercent === null ? '-' : agent.cpuPercent.toFixed(agent.cpuPercent >= 100 ? 0 : 1)), keep: 2, alignRight: true },
  { header: 'RSS', cell: (agent) => (agent.rssBytes === null ? '-' : formatBytes(agent.rssBytes)), keep: 3, alignRight: true },
  { header: 'ELAPSED', cell: (agent) => formatDuration(agent.elapsedMs), keep: 4, alignRight: true },
  { header: 'TOOL', cell: (agent) => (agent.currentTool === null ? '-' : `${agent.currentTool.tool} ${agent.currentTool.input}`.trim()), keep: 8, minimumWidth: 8 },
  { header: 'TOKENS', cell: (agent) => formatCount(agent.tokens.totalTokens), keep: 7, alignRight: true },
];

const GAP = '  ';

/**
 * The monitor's frame: a line on the host (CPU, load, memory, agents), a line of process-agent limits
 * per run, then one row per agent. With `columns`, no line is wider than `columns - 1` (a line as wide
 * as the window wraps on some terminals): the table first cuts its text columns (run, task, agent,
 * tool) with "…", then drops columns, least useful first (tool, tokens, run, agent, elapsed, RSS,
 * CPU, pid), and never the task. Journal text is sanitised: it cannot drive the terminal.
 */
export function renderMonitorFrame(snapshot: MonitorSnapshot, options: MonitorFrameOptions): string[] {
  const { palette, columns } = options;
  const separator = options.unicode === false ? ' | ' : ' · ';
  const fit = (line: string): string => (columns === undefined ? line : fitToWidth(line, columns - 1));
  const lines = [fit(palette.bold(pickFitting(describeHost(snapshot, separator), columns))), fit(pickFitting(describeLimits(snapshot.runs, separator), columns))];
  if (snapshot.agents.length === 0) return [...lines, fit(palette.dim('no agents running'))];

  const table = fitTable(snapshot.agents, columns === undefined ? undefined : columns - 1);
  const header = table.shift() ?? '';
  lines.push(palette.bold(header));
  // The host and limit lines, the header, and one line left for the count of rows that did not fit.
  const room = options.rows === undefined ? table.length : Math.max(1, options.rows - lines.length - 1);
  if (table.length <= room) return [...lines, ...table];
  const hidden = table.length - (room - 1);
  return [...lines, ...table.slice(0, room - 1), fit(palette.dim(`… ${hidden} more agents (a taller window shows them)`))];
}

/** The host line, from the full form to the most compact one. */
function describeHost(snapshot: MonitorSnapshot, separator: string): string[] {
  const { host } = snapshot;
  const count = snapshot.agents.length;
  const agents = `${count} ${count === 1 ? 'agent' : 'agents'}`;
  const cpu = `CPU ${formatPercent(host.cpuPercent)}`;
  const load = `load ${host.loadAverage.toFixed(2)}/${host.cpuCount} cores`;
  const memory = `memory ${formatMegabytes(host.memoryAvailableMb)} free of ${formatMegabytes(host.memoryTotalMb)}`;
  const shortMemory = `mem ${formatGigabytes(host.memoryAvailableMb)}/${formatGigabytes(host.memoryTotalMb)}G`;
  return [
    [`ensemble monitor${separator}${sanitizeTerminalLine(host.name)}`, cpu, load, memory, agents].join(separator),
    [cpu, load, memory, agents].join(separator),
    [cpu, `load ${host.loadAverage.toFixed(2)}`, shortMemory, agents].join(separator),
    [cpu, `load ${host.loadAverage.toFixed(2)}`, shortMemory].join(' '),
  ];
}

/** The limits line, from the full form to the most compact one: `process-agent limit: <run> 3 (no pressure change) · <run> 2 (cpu-above-target, max 16)`. */
function describeLimits(runs: readonly MonitorRun[], separator: string): string[] {
  if (runs.length === 0) return ['no running runs'];
  const describe = (run: MonitorRun, runId: string): string => {
    const why = run.limitReason === null ? 'no pressure change' : `${run.limitReason}, max ${run.maxParallelAgents}`;
    const orphaned = run.ownerAlive ? '' : ', owner gone';
    return `${runId} ${run.processAgentLimit} (${why}${orphaned})`;
  };
  const full = runs.map((run) => describe(run, sanitizeTerminalLine(run.runId)));
  // Run ids share their start (`run-<time>`): the end tells them apart.
  const short = runs.map((run) => describe(run, `…${sanitizeTerminalLine(run.runId).slice(-6)}`));
  return [`process-agent limit: ${full.join(separator)}`, `limit ${short.join(separator)}`];
}

/** The first of `forms` that fits `columns - 1`, else the last (to be cut); the first without a width. */
function pickFitting(forms: readonly string[], columns: number | undefined): string {
  if (columns === undefined) return forms[0]!;
  return forms.find((form) => displayWidth(form) <= columns - 1) ?? forms.at(-1)!;
}

/**
 * The table as lines (header first), its columns cut and dropped until it fits `width`: text columns
 * give up width first, widest first, down to their minimum; then the least useful column goes.
 */
function fitTable(agents: readonly MonitorAgent[], width: number | undefined): string[] {
  let columns = [...COLUMNS];
  const cells = new Map(columns.map((column) => [column, agents.map((agent) => sanitizeTerminalLine(column.cell(agent)))]));
  const naturalWidth = (column: Column): number => Math.max(displayWidth(column.header), ...cells.get(column)!.map((cell) => displayWidth(cell)));
  const widths = new Map(columns.map((column) => [column, naturalWidth(column)]));
  const total = (): number => columns.reduce((sum, column) => sum + widths.get(column)!, 0) + GAP.length * (columns.length - 1);
  if (width !== undefined) {
    for (;;) {
      // Cut the widest text column by one until it fits or none can give more.
      while (total() > width) {
        const cuttable = columns.filter((column) => column.minimumWidth !== undefined && widths.get(column)! > column.minimumWidth);
        if (cuttable.length === 0) break;
        const widest = cuttable.reduce((best, column) => (widths.get(column)! > widths.get(best)! ? column : best));
        widths.set(widest, widths.get(widest)! - 1);
      }
      if (total() <= width || columns.length === 1) break;
      const dropped = columns.reduce((worst, column) => (column.keep > worst.keep ? column : worst));
      columns = columns.filter((column) => column !== dropped);
      for (const column of columns) widths.set(column, naturalWidth(column));
    }
    // The task alone, still too wide: it takes what there is.
    if (total() > width) widths.set(columns[0]!, Math.max(1, width));
  }
  const render = (texts: readonly string[]): string =>
    columns
      .map((column, index) => {
        const columnWidth = widths.get(column)!;
        const text = cut(texts[index]!, columnWidth, column.cutFrom ?? 'end');
        const isLast = index === columns.length - 1;
        if (column.alignRight === true) return ' '.repeat(Math.max(0, columnWidth - displayWidth(text))) + text;
        return isLast ? text : padToWidth(text, columnWidth);
      })
      .join(GAP);
  return [render(columns.map((column) => column.header)), ...agents.map((_agent, row) => render(columns.map((column) => cells.get(column)![row]!)))];
}

/** `text` in at most `width` columns, "…" marking the cut at its end or its start. */
function cut(text: string, width: number, from: 'start' | 'end'): string {
  if (from === 'end' || displayWidth(text) <= width) return fitToWidth(text, width);
  if (width <= 1) return fitToWidth(text, width);
  // Cut from the start: the tail that fits, after "…". Run ids are ASCII; others fall back to the end cut.
  return /^[\x20-\x7e]*$/.test(text) ? `…${text.slice(text.length - (width - 1))}` : fitToWidth(text, width);
}

function formatPercent(percent: number): string {
  return `${percent.toFixed(percent >= 10 ? 0 : 1)}%`;
}

/** MB (MiB) as `512 MB` or `7.8 GB`. */
function formatMegabytes(megabytes: number): string {
  return megabytes >= 1024 ? `${(megabytes / 1024).toFixed(1)} GB` : `${Math.round(megabytes)} MB`;
}

/** MB (MiB) in GB with one decimal: `2.8`. */
function formatGigabytes(megabytes: number): string {
  return (megabytes / 1024).toFixed(1);
}

/** Bytes in at most 6 columns: `812K`, `95.3M`, `1.2G`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)}${units[unit]}`;
}

/** A count in at most 6 columns: `950`, `12.3k`, `4.1M`. */
function formatCount(count: number): string {
  if (count < 1000) return String(Math.round(count));
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 100_000 ? 1 : 0)}k`;
  return `${(count / 1_000_000).toFixed(1)}M`;
}

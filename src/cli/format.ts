/** Terminal formatting shared by the CLI views and tables. */
import { displayWidth, fitToWidth, padToWidth } from './terminal/index.js';

export interface Palette {
  readonly green: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export function createPalette(isColor: boolean): Palette {
  if (!isColor) {
    const plain = (text: string): string => text;
    return { green: plain, red: plain, yellow: plain, cyan: plain, dim: plain, bold: plain };
  }
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

export function formatNumber(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatCost(usd: number): string {
  return usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** Cuts one line to `width` terminal columns, ending it with "…" when cut. */
export function truncate(text: string, width: number): string {
  return fitToWidth(text, width);
}

/** Renders rows as aligned columns (first row is the header). */
export function renderTable(rows: readonly (readonly string[])[], palette: Palette): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, displayWidth(cell))));
  return rows
    .map((row, rowIndex) => {
      const line = row.map((cell, index) => (index === row.length - 1 ? cell : padToWidth(cell, widths[index]!))).join('  ');
      return rowIndex === 0 ? palette.bold(line) : line;
    })
    .join('\n');
}

export function formatTimestamp(epochMs: number | undefined): string {
  if (epochMs === undefined) return '-';
  return new Date(epochMs).toISOString().replace('T', ' ').slice(0, 19);
}

import type { CliContext } from '../cli-context.js';
import { renderTable, type Palette } from '../format.js';
import { displayWidth, fitToWidth } from '../terminal/index.js';

/** The width output must fit: the terminal's, else `COLUMNS` (set by shells and tests), else none (a pipe takes any width). */
export function outputColumns(context: Pick<CliContext, 'stdout' | 'env'>): number | undefined {
  if (context.stdout.columns !== undefined) return context.stdout.columns;
  const fromEnv = Number(context.env['COLUMNS']);
  return Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined;
}

/**
 * {@link renderTable} whose last column (a title, a reason) is cut with "…" so no row is wider than
 * `columns - 1`: a wrapped row breaks the table apart. Without `columns` nothing is cut.
 */
export function renderFittedTable(rows: readonly (readonly string[])[], palette: Palette, columns: number | undefined): string {
  if (columns === undefined || rows.length === 0) return renderTable(rows, palette);
  const leading: number[] = [];
  for (const row of rows) row.slice(0, -1).forEach((cell, index) => (leading[index] = Math.max(leading[index] ?? 0, displayWidth(cell))));
  // renderTable pads every column but the last and joins them with two spaces.
  const used = leading.reduce((sum, width) => sum + width + 2, 0);
  const budget = Math.max(1, columns - 1 - used);
  const fitted = rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? fitToWidth(cell, budget) : cell)));
  return renderTable(fitted, palette)
    .split('\n')
    .map((line) => fitToWidth(line, columns - 1))
    .join('\n');
}

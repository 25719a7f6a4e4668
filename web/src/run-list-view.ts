import { createElement, replaceChildren, setAttribute, setText } from './create-element.js';
import { formatDurationMs, formatMoment } from './format-duration.js';
import { formatCostUsd, formatTokens } from './format-spend.js';
import { toRouteHash } from './route.js';
import { runListResponseSchema, type RunListItem } from './schema.js';
import type { UnmountView, ViewContext } from './view-context.js';

/** How often the list is read again, in ms: runs started elsewhere (the CLI on the same journal) appear within this. */
const REFRESH_MS = 2000;
const RUNS_SHOWN = 200;

interface RowParts {
  readonly row: HTMLTableRowElement;
  readonly status: HTMLSpanElement;
  readonly origin: HTMLSpanElement;
  readonly progress: HTMLTableCellElement;
  readonly tokens: HTMLTableCellElement;
  readonly cost: HTMLTableCellElement;
  readonly started: HTMLTableCellElement;
  readonly duration: HTMLTableCellElement;
}

/** The run list, newest first, refreshed live; a row opens its run. */
export function mountRunListView(container: HTMLElement, context: ViewContext): UnmountView {
  const rows = new Map<string, RowParts>();
  const body = createElement('tbody');
  const notice = createElement('p', { class: 'notice notice-error', role: 'status', hidden: '' });
  const empty = createElement('p', { class: 'empty-state', hidden: '' }, [
    'No runs in this journal yet. ',
    createElement('a', { href: toRouteHash({ view: 'new' }) }, ['Start one']),
    ', or run `ensemble run <template>` against the same database.',
  ]);
  const heading = (
    [
      ['Status', ''],
      ['Workflow', ''],
      ['Progress', 'numeric'],
      ['Tokens', 'numeric'],
      ['Cost', 'numeric'],
      ['Started', ''],
      ['Duration', 'numeric'],
    ] as const
  ).map(([title, className]) => createElement('th', { scope: 'col', class: className }, [title]));
  container.replaceChildren(
    createElement('section', { class: 'run-list-view' }, [
      createElement('div', { class: 'view-heading' }, [
        createElement('h1', {}, ['Runs']),
        createElement('a', { class: 'button button-primary', href: toRouteHash({ view: 'new' }) }, ['New run']),
      ]),
      notice,
      createElement('div', { class: 'table-frame' }, [createElement('table', { class: 'run-table', 'data-testid': 'run-list' }, [createElement('thead', {}, [createElement('tr', {}, heading)]), body])]),
      empty,
    ]),
  );

  const aborter = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function refresh(): Promise<void> {
    try {
      const { runs } = await context.api.get(`api/runs?limit=${RUNS_SHOWN}`, runListResponseSchema, { signal: aborter.signal });
      notice.hidden = true;
      render(runs);
    } catch (error) {
      if (aborter.signal.aborted) return;
      setText(notice, `Could not read the runs: ${error instanceof Error ? error.message : String(error)}`);
      notice.hidden = false;
    }
    // The next read waits for this one, so a slow server is never asked twice at once.
    if (!aborter.signal.aborted) timer = setTimeout(() => void refresh(), REFRESH_MS);
  }

  function render(runs: readonly RunListItem[]): void {
    const nowMs = Date.now();
    const seen = new Set<string>();
    const ordered: HTMLTableRowElement[] = [];
    for (const run of runs) {
      seen.add(run.runId);
      let parts = rows.get(run.runId);
      if (parts === undefined) {
        parts = createRow(run, () => context.navigate({ view: 'run', runId: run.runId }));
        rows.set(run.runId, parts);
      }
      updateRow(parts, run, nowMs);
      ordered.push(parts.row);
    }
    for (const [runId, parts] of rows) {
      if (seen.has(runId)) continue;
      parts.row.remove();
      rows.delete(runId);
    }
    // Reorders only when the order changed, so rows keep focus and hover.
    if (ordered.some((row, index) => body.children[index] !== row)) replaceChildren(body, ordered);
    empty.hidden = runs.length > 0;
  }

  void refresh();
  return () => {
    aborter.abort();
    if (timer !== undefined) clearTimeout(timer);
  };
}

function createRow(run: RunListItem, open: () => void): RowParts {
  const status = createElement('span', { class: 'status-badge' });
  const link = createElement('a', { href: toRouteHash({ view: 'run', runId: run.runId }) }, [run.workflowName]);
  const origin = createElement('span', { class: 'origin-tag', title: 'Run by another process (the CLI) on the same journal', hidden: '' }, ['in another process']);
  const cell = (className: string): HTMLTableCellElement => createElement('td', { class: className });
  const parts: RowParts = {
    origin,
    row: createElement('tr', { class: 'run-row', 'data-testid': 'run-row', 'data-run-id': run.runId }),
    status,
    progress: cell('numeric'),
    tokens: cell('numeric'),
    cost: cell('numeric'),
    started: cell(''),
    duration: cell('numeric'),
  };
  parts.row.append(
    createElement('td', {}, [status]),
    createElement('td', { class: 'workflow-cell' }, [link, origin, createElement('code', { class: 'run-id' }, [run.runId])]),
    parts.progress,
    parts.tokens,
    parts.cost,
    parts.started,
    parts.duration,
  );
  parts.row.addEventListener('click', (event) => {
    if (!(event.target instanceof Element && event.target.closest('a') !== null)) open();
  });
  return parts;
}

function updateRow(parts: RowParts, run: RunListItem, nowMs: number): void {
  setAttribute(parts.row, 'data-status', run.status);
  setText(parts.status, run.status);
  // isLocal tells the runs this server executes; a finished run belongs to nobody.
  parts.origin.hidden = run.isLocal || run.status !== 'running';
  setAttribute(parts.status, 'class', `status-badge status-${run.status}`);
  setText(parts.progress, `${run.finishedTasks} / ${run.totalTasks}${run.failedTasks > 0 ? ` (${run.failedTasks} failed)` : ''}`);
  setText(parts.tokens, formatTokens(run.totalTokens));
  setText(parts.cost, formatCostUsd(run.totalCost));
  setText(parts.started, formatMoment(run.createdAt, nowMs));
  const endMs = run.status === 'running' ? nowMs : (run.finishedAt ?? run.updatedAt);
  setText(parts.duration, formatDurationMs(endMs - run.createdAt));
}

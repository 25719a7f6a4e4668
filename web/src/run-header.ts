import { TASK_STATUSES, runElapsedMs, type RunState } from '../../src/core/index.js';
import { createElement, replaceChildren, setAttribute, setText } from './create-element.js';
import { formatDurationMs, formatMoment } from './format-duration.js';
import { formatCostUsd, formatTokens } from './format-spend.js';

/** The run statuses a resume may continue (a succeeded run has nothing left; a running one is owned). */
const RESUMABLE_STATUSES: ReadonlySet<string> = new Set(['failed', 'cancelled', 'interrupted']);

/** How long an action's confirmation stays, in ms; the header's status says the rest. */
const INFO_NOTICE_MS = 5000;

export interface RunHeaderActions {
  readonly cancel: () => void;
  readonly resume: () => void;
}

/**
 * The head of a run's page: workflow, status, progress, tokens, cost and time, a label for
 * simulated runs, a legend of task states with counts, and the Cancel and Resume buttons.
 */
export class RunHeader {
  readonly element: HTMLElement;
  private readonly title = createElement('h1', { class: 'run-title' });
  private readonly runIdText = createElement('code', { class: 'run-id' });
  private readonly status = createElement('span', { class: 'status-badge', 'data-testid': 'run-status' });
  private readonly simulated = createElement('span', { class: 'simulated-badge', title: 'No model was called: agents ran on the offline simulated runtime, and every output says so.', hidden: '' }, [
    'simulated',
  ]);
  private readonly progress = createElement('span', { 'data-testid': 'run-progress' });
  private readonly tokens = createElement('span', { 'data-testid': 'run-tokens' });
  private readonly cost = createElement('span', { 'data-testid': 'run-cost' });
  private readonly elapsed = createElement('span', { 'data-testid': 'run-elapsed' });
  private readonly started = createElement('span');
  private readonly legend = createElement('ul', { class: 'legend', 'aria-label': 'Tasks by state' });
  private readonly cancelButton = createElement('button', { type: 'button', class: 'button button-danger', 'data-testid': 'cancel-run' }, ['Cancel run']);
  private readonly resumeButton = createElement('button', { type: 'button', class: 'button', 'data-testid': 'resume-run' }, ['Resume run']);
  private readonly notice = createElement('p', { class: 'notice', role: 'status', 'aria-live': 'polite', hidden: '' });
  private isBusy = false;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private lastLegendKey = '';

  constructor(actions: RunHeaderActions) {
    this.cancelButton.addEventListener('click', actions.cancel);
    this.resumeButton.addEventListener('click', actions.resume);
    const stat = (label: string, value: HTMLElement): HTMLElement => createElement('div', { class: 'stat' }, [createElement('span', { class: 'stat-label' }, [label]), value]);
    this.element = createElement('header', { class: 'run-header' }, [
      createElement('div', { class: 'run-heading' }, [
        createElement('div', {}, [createElement('div', { class: 'run-title-line' }, [this.title, this.status, this.simulated]), this.runIdText]),
        createElement('div', { class: 'run-actions' }, [this.cancelButton, this.resumeButton]),
      ]),
      createElement('div', { class: 'run-stats' }, [
        stat('Progress', this.progress),
        stat('Tokens', this.tokens),
        stat('Cost', this.cost),
        stat('Duration', this.elapsed),
        stat('Started', this.started),
      ]),
      this.legend,
      this.notice,
    ]);
  }

  /** Disables both buttons while a cancel or resume is on its way. */
  setBusy(isBusy: boolean): void {
    this.isBusy = isBusy;
  }

  /** A line under the header: what an action did (for a few seconds), or why it failed (until the next action). */
  showNotice(text: string, tone: 'info' | 'error'): void {
    setText(this.notice, text);
    this.notice.className = `notice notice-${tone}`;
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    if (tone === 'info') this.noticeTimer = setTimeout(() => (this.notice.hidden = true), INFO_NOTICE_MS);
  }

  update(state: RunState, status: string, fallback: { readonly workflowName?: string; readonly startedAt?: number }, nowMs: number): void {
    setText(this.title, state.workflowName !== '' ? state.workflowName : (fallback.workflowName ?? 'Run'));
    setText(this.runIdText, state.runId);
    setText(this.status, status);
    setAttribute(this.status, 'class', `status-badge status-${status}`);
    setAttribute(this.status, 'data-status', status);
    this.simulated.hidden = !state.usesSimulated;
    const total = state.tasks.size;
    const finished = state.counts.succeeded + state.counts.failed + state.counts.skipped + state.counts.cancelled;
    setText(this.progress, `${finished} / ${total} tasks`);
    setText(this.tokens, formatTokens(state.totalTokens));
    setAttribute(this.tokens, 'data-value', String(state.totalTokens));
    setText(this.cost, formatCostUsd(state.totalCostUsd));
    const isRunning = status === 'running' && state.executionStartedAt !== undefined;
    const elapsedMs = isRunning ? state.priorElapsedMs + Math.max(0, nowMs - (state.executionStartedAt ?? nowMs)) : runElapsedMs(state);
    setText(this.elapsed, `${formatDurationMs(elapsedMs)}${state.executions > 1 ? ` over ${state.executions} executions` : ''}`);
    const startedAt = state.startedAt ?? fallback.startedAt;
    setText(this.started, startedAt === undefined ? '—' : formatMoment(startedAt, nowMs));
    this.cancelButton.disabled = this.isBusy || status !== 'running';
    this.resumeButton.disabled = this.isBusy || !RESUMABLE_STATUSES.has(status);
    const legendKey = TASK_STATUSES.map((taskStatus) => state.counts[taskStatus]).join(',');
    if (legendKey !== this.lastLegendKey) {
      this.lastLegendKey = legendKey;
      replaceChildren(
        this.legend,
        TASK_STATUSES.map((taskStatus) =>
          createElement('li', { class: `legend-item status-${taskStatus}` }, [createElement('span', { class: 'legend-swatch', 'aria-hidden': 'true' }), `${taskStatus} ${state.counts[taskStatus]}`]),
        ),
      );
    }
  }
}

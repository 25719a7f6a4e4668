import { isEnsembleError } from '../../src/core/index.js';
import { createElement, replaceChildren, setAttribute, setText } from './create-element.js';
import { formatDurationMs, formatMoment } from './format-duration.js';
import { toRouteHash } from './route.js';
import { escalationAnsweredSchema, escalationListResponseSchema, type Escalation } from './schema.js';
import type { UnmountView, ViewContext } from './view-context.js';

/** How often the open escalations are read again, in ms: ones opened by runs of other processes appear within this. */
const REFRESH_MS = 5000;
/** How often deadlines count down, in ms. */
const TICK_MS = 1000;
/** The server's limit on an answer (src/server/schema.ts `MAX_GUIDANCE_LENGTH`). */
const MAX_GUIDANCE_LENGTH = 8000;

/** The parts of one escalation's card kept across refreshes, so an answer being typed is never lost. */
interface CardParts {
  readonly card: HTMLElement;
  readonly deadline: HTMLElement;
  readonly answer: HTMLTextAreaElement;
  readonly submit: HTMLButtonElement;
  readonly error: HTMLElement;
  escalation: Escalation;
  isSending: boolean;
}

/**
 * The open escalations, highest priority first: what each agent asks, the options it proposes (a
 * click puts one in the answer box), the deadline counting down, and an answer box per escalation
 * that posts to `POST /api/escalations/:id/answer`. The run waiting on it picks the answer up.
 */
export function mountEscalationsView(container: HTMLElement, context: ViewContext): UnmountView {
  const cards = new Map<string, CardParts>();
  const list = createElement('div', { class: 'escalation-list' });
  const notice = createElement('p', { class: 'notice notice-error', role: 'status', hidden: '' });
  const empty = createElement('p', { class: 'empty-state', 'data-testid': 'escalations-empty', hidden: '' }, [
    'No open escalations: no agent is waiting for an answer.',
  ]);
  const count = createElement('span', { class: 'status-badge status-waiting', 'data-testid': 'escalations-count' }, ['0']);
  container.replaceChildren(
    createElement('section', { class: 'escalations-view', 'data-testid': 'escalations-panel' }, [
      createElement('div', { class: 'view-heading' }, [createElement('h1', {}, ['Escalations ', count])]),
      createElement('p', { class: 'muted escalations-about' }, [
        'Agents that need a person wait here; their tasks hold no slot meanwhile. Your answer reaches the task’s next attempt.',
      ]),
      notice,
      list,
      empty,
    ]),
  );

  const aborter = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function refresh(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    try {
      const { escalations } = await context.api.get('api/escalations?status=open', escalationListResponseSchema, { signal: aborter.signal });
      notice.hidden = true;
      render(escalations);
    } catch (error) {
      if (aborter.signal.aborted) return;
      setText(notice, `Could not read the escalations: ${describeError(error)}`);
      notice.hidden = false;
    }
    // The next read waits for this one, so a slow server is never asked twice at once.
    if (!aborter.signal.aborted && timer === undefined) timer = setTimeout(() => void refresh(), REFRESH_MS);
  }

  function render(escalations: readonly Escalation[]): void {
    const nowMs = Date.now();
    const seen = new Set<string>();
    const ordered: HTMLElement[] = [];
    for (const escalation of escalations) {
      seen.add(escalation.id);
      let parts = cards.get(escalation.id);
      if (parts === undefined) {
        parts = createCard(escalation, (card) => void answer(card));
        cards.set(escalation.id, parts);
      }
      parts.escalation = escalation;
      updateDeadline(parts, nowMs);
      ordered.push(parts.card);
    }
    for (const [id, parts] of cards) {
      // A card being answered stays until its answer settles (its error must stay readable).
      if (seen.has(id) || parts.isSending) continue;
      parts.card.remove();
      cards.delete(id);
    }
    if (ordered.some((card, index) => list.children[index] !== card) || list.children.length !== ordered.length) replaceChildren(list, ordered);
    setText(count, String(escalations.length));
    empty.hidden = escalations.length > 0;
  }

  async function answer(parts: CardParts): Promise<void> {
    const { id } = parts.escalation;
    parts.isSending = true;
    parts.submit.disabled = true;
    parts.error.hidden = true;
    try {
      // The server judges the answer (an empty one gets its 400 naming `guidance`).
      await context.api.post(`api/escalations/${encodeURIComponent(id)}/answer`, { guidance: parts.answer.value }, escalationAnsweredSchema, { signal: aborter.signal });
      parts.card.remove();
      cards.delete(id);
      void refresh();
    } catch (error) {
      if (aborter.signal.aborted) return;
      setText(parts.error, describeError(error));
      setAttribute(parts.error, 'data-code', isEnsembleError(error) ? error.code : 'INTERNAL');
      parts.error.hidden = false;
    } finally {
      parts.isSending = false;
      parts.submit.disabled = false;
    }
  }

  void refresh();
  const ticker = setInterval(() => {
    const nowMs = Date.now();
    for (const parts of cards.values()) updateDeadline(parts, nowMs);
  }, TICK_MS);
  return () => {
    aborter.abort();
    if (timer !== undefined) clearTimeout(timer);
    clearInterval(ticker);
  };
}

function createCard(escalation: Escalation, submitAnswer: (parts: CardParts) => void): CardParts {
  const { id } = escalation;
  const answerId = `escalation-answer-${id}`;
  const answer = createElement('textarea', {
    id: answerId,
    class: 'escalation-answer',
    rows: '3',
    maxlength: String(MAX_GUIDANCE_LENGTH),
    placeholder: 'What should the agent do?',
    'data-testid': answerId,
  });
  const submit = createElement('button', { type: 'submit', class: 'button button-primary', 'data-testid': `escalation-submit-${id}` }, ['Answer']);
  const error = createElement('p', { class: 'form-error escalation-error', role: 'alert', 'data-testid': `escalation-error-${id}`, hidden: '' });
  const deadline = createElement('span', { class: 'escalation-deadline', 'data-testid': `escalation-deadline-${id}` });
  const options = escalation.options.map((option, index) => {
    const button = createElement('button', { type: 'button', class: 'button option-button', 'data-testid': `escalation-option-${id}-${index}` }, [option]);
    button.addEventListener('click', () => {
      answer.value = option;
      answer.focus();
    });
    return button;
  });
  const facts: [string, Node | string][] = [
    ['Agent', escalation.agentName],
    ['Task', createElement('a', { href: toRouteHash({ view: 'run', runId: escalation.runId }) }, [escalation.taskId])],
  ];
  if (escalation.ticketId !== undefined) facts.push(['Ticket', escalation.ticketId]);
  if (escalation.member !== undefined) facts.push(['Member', escalation.member]);
  facts.push(['Opened', formatMoment(escalation.openedAt, Date.now())]);
  if (escalation.defaultAction !== undefined) facts.push(['If unanswered', escalation.defaultAction]);
  if (escalation.runStatus !== undefined && escalation.runStatus !== 'running') facts.push(['Run', `${escalation.runStatus} (the answer is delivered when it resumes)`]);

  const form = createElement('form', { class: 'escalation-form', novalidate: '' }, [
    createElement('label', { for: answerId, class: 'field-label' }, ['Your answer']),
    answer,
    error,
    createElement('div', { class: 'form-actions' }, [submit]),
  ]);
  const card = createElement('article', { class: 'escalation-card', 'data-testid': `escalation-${id}`, 'data-escalation-id': id }, [
    createElement('header', { class: 'escalation-heading' }, [
      createElement('span', { class: 'priority-badge', title: 'Priority, 1 (low) to 10; it rises while nobody answers' }, [`P${escalation.priority}`]),
      createElement('span', { class: 'trigger-tag' }, [escalation.triggerType]),
      createElement('h2', { class: 'escalation-reason' }, [escalation.reason]),
      deadline,
    ]),
    createElement('dl', { class: 'facts' }, facts.flatMap(([label, value]) => [createElement('dt', {}, [label]), createElement('dd', {}, [value])])),
    createElement('p', { class: 'muted escalation-id' }, [createElement('code', {}, [id])]),
    escalation.context === '' ? undefined : createElement('details', { class: 'escalation-context' }, [createElement('summary', {}, ['What it was doing']), createElement('pre', { class: 'task-output' }, [escalation.context])]),
    options.length === 0 ? undefined : createElement('div', { class: 'escalation-options', role: 'group', 'aria-label': 'Proposed options' }, [createElement('span', { class: 'muted' }, ['Options: ']), ...options]),
    form,
  ]);
  const parts: CardParts = { card, deadline, answer, submit, error, escalation, isSending: false };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!parts.isSending) submitAnswer(parts);
  });
  return parts;
}

function updateDeadline(parts: CardParts, nowMs: number): void {
  const { deadlineAt, defaultAction } = parts.escalation;
  if (deadlineAt === undefined) {
    setText(parts.deadline, 'no deadline');
    setAttribute(parts.deadline, 'class', 'escalation-deadline muted');
    return;
  }
  const leftMs = deadlineAt - nowMs;
  const outcome = defaultAction === undefined ? 'the task fails' : 'the default is taken';
  setText(parts.deadline, leftMs > 0 ? `${formatDurationMs(leftMs)} left, then ${outcome}` : `deadline passed: ${outcome}`);
  setAttribute(parts.deadline, 'class', `escalation-deadline${leftMs < 5 * 60_000 ? ' is-urgent' : ''}`);
}

function describeError(error: unknown): string {
  if (isEnsembleError(error)) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

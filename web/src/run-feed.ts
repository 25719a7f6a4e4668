import type { RunState } from '../../src/core/index.js';
import { createElement, replaceChildren } from './create-element.js';
import { formatMoment } from './format-duration.js';

/** Characters of a message shown before it folds behind "more". */
const MESSAGE_PREVIEW_CHARS = 400;

/**
 * What the run reports besides task states: its error and budget stops, warnings (a message to an
 * unknown agent, a limit reached) and the messages agents sent each other, newest last.
 */
export class RunFeed {
  readonly element: HTMLElement;
  private readonly problems = createElement('div', { class: 'run-problems' });
  private readonly warnings = createElement('ol', { class: 'warning-list', 'data-testid': 'run-warnings' });
  private readonly messages = createElement('ol', { class: 'message-list', 'data-testid': 'run-messages' });
  private readonly warningsTitle = createElement('h2', {}, ['Warnings']);
  private readonly messagesTitle = createElement('h2', {}, ['Agent messages']);
  private renderedKey = '';

  constructor() {
    this.element = createElement('div', { class: 'run-feed' }, [
      this.problems,
      createElement('section', { class: 'feed-section' }, [this.warningsTitle, this.warnings]),
      createElement('section', { class: 'feed-section' }, [this.messagesTitle, this.messages]),
    ]);
  }

  update(state: RunState, serverError: { readonly code: string; readonly message: string } | undefined, nowMs: number): void {
    const error = state.error ?? serverError;
    const stops = state.summary?.budgetStops ?? [];
    const key = `${state.warnings.length}:${state.messages.length}:${error?.message ?? ''}:${stops.length}`;
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    replaceChildren(this.problems, [
      error === undefined ? undefined : createElement('p', { class: 'notice notice-error', 'data-testid': 'run-error' }, [`${error.code}: ${error.message}`]),
      stops.length === 0
        ? undefined
        : createElement('p', { class: 'notice notice-error' }, [`Stopped by a spending cap: ${stops.map((stop) => `${stop.taskId} (${stop.cap} cap ${stop.name})`).join(', ')}`]),
    ]);
    replaceChildren(this.warningsTitle, [`Warnings (${state.warnings.length})`]);
    replaceChildren(
      this.warnings,
      state.warnings.length === 0
        ? [createElement('li', { class: 'muted' }, ['None.'])]
        : state.warnings.map((warning) =>
            createElement('li', { class: 'warning' }, [
              createElement('span', { class: 'feed-meta' }, [`${formatMoment(warning.at, nowMs)} · ${warning.code}${warning.taskId === undefined ? '' : ` · ${warning.taskId}`}`]),
              ' ',
              warning.message,
            ]),
          ),
    );
    replaceChildren(this.messagesTitle, [`Agent messages (${state.messages.length})`]);
    replaceChildren(
      this.messages,
      state.messages.length === 0
        ? [createElement('li', { class: 'muted' }, ['None.'])]
        : state.messages.map((message) =>
            createElement('li', { class: 'message' }, [
              createElement('span', { class: 'message-route' }, [
                `${message.from} (${message.taskId}) → ${message.to === '*' ? 'everyone' : message.to} · ${message.messageType} · ${formatMoment(message.at, nowMs)}`,
              ]),
              message.content.length <= MESSAGE_PREVIEW_CHARS
                ? createElement('pre', { class: 'message-content' }, [message.content])
                : createElement('details', {}, [
                    createElement('summary', {}, [`${message.content.slice(0, MESSAGE_PREVIEW_CHARS)}… more`]),
                    createElement('pre', { class: 'message-content' }, [message.content]),
                  ]),
            ]),
          ),
    );
  }
}

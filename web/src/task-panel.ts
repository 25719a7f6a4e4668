import { isMessageFor, type RunMessage, type TaskState } from '../../src/core/index.js';
import { createElement, replaceChildren, setText, type ElementChild } from './create-element.js';
import { describeTaskHold } from './describe-task-hold.js';
import { formatDurationMs, formatMoment } from './format-duration.js';
import { formatCostUsd, formatTokens } from './format-spend.js';
import type { RunTaskSpec } from './schema.js';
import type { TaskActivity } from './task-activity-log.js';

/** What the panel shows of one task. */
export interface TaskPanelContent {
  readonly task: TaskState;
  /** The task as given to the run (its prompt); undefined until the run's detail has loaded. */
  readonly spec: RunTaskSpec | undefined;
  readonly activity: TaskActivity;
  /** Every message of the run; the panel keeps those from and to the task. */
  readonly messages: readonly RunMessage[];
  readonly nowMs: number;
}

/** A part of the panel redrawn only when one of its keys changes, so a reader's selection and scroll survive live updates. */
class PanelSection {
  readonly element: HTMLElement;
  private readonly body: HTMLDivElement;
  private keys: readonly unknown[] | undefined;

  constructor(title: string, className: string) {
    this.body = createElement('div', { class: 'section-body' });
    this.element = createElement('section', { class: `panel-section ${className}` }, [createElement('h3', {}, [title]), this.body]);
  }

  /** Draws the section again unless every key is the same (`Object.is`) as last time. */
  render(keys: readonly unknown[], draw: () => readonly ElementChild[]): void {
    const previous = this.keys;
    if (previous !== undefined && previous.length === keys.length && keys.every((key, index) => Object.is(key, previous[index]))) return;
    this.keys = keys;
    replaceChildren(this.body, draw());
  }

  reset(): void {
    this.keys = undefined;
  }
}

/**
 * The side panel of one task: its facts (state, attempts, duration, tokens, cost, last error, what
 * holds it up), prompt, output (streamed live, then the final one), tool calls, files changed and
 * messages from and to it. All text is set as text nodes.
 */
export class TaskPanel {
  readonly element: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly subheading: HTMLParagraphElement;
  private readonly facts = new PanelSection('Details', 'section-facts');
  private readonly prompt = new PanelSection('Prompt', 'section-prompt');
  private readonly outputLabel: HTMLSpanElement;
  private readonly output: HTMLPreElement;
  private readonly tools = new PanelSection('Tool calls', 'section-tools');
  private readonly files = new PanelSection('Files changed', 'section-files');
  private readonly messages = new PanelSection('Messages', 'section-messages');
  private shownTaskId: string | undefined;

  constructor(onClose: () => void) {
    this.heading = createElement('h2', { class: 'panel-title' });
    this.subheading = createElement('p', { class: 'panel-subtitle' });
    const close = createElement('button', { type: 'button', class: 'button button-quiet', 'aria-label': 'Close the task panel', 'data-testid': 'close-panel' }, ['Close']);
    close.addEventListener('click', onClose);
    this.outputLabel = createElement('span', { class: 'output-label' });
    this.output = createElement('pre', { class: 'task-output', 'data-testid': 'task-output', tabindex: '0' });
    const outputSection = createElement('section', { class: 'panel-section section-output' }, [
      createElement('h3', {}, ['Output ', this.outputLabel]),
      this.output,
    ]);
    this.element = createElement('aside', { class: 'task-panel', 'data-testid': 'task-panel', 'aria-label': 'Task details', hidden: '' }, [
      createElement('header', { class: 'panel-header' }, [createElement('div', {}, [this.heading, this.subheading]), close]),
      this.facts.element,
      outputSection,
      this.tools.element,
      this.files.element,
      this.messages.element,
      this.prompt.element,
    ]);
  }

  get taskId(): string | undefined {
    return this.shownTaskId;
  }

  hide(): void {
    this.shownTaskId = undefined;
    this.element.hidden = true;
  }

  show(content: TaskPanelContent): void {
    const { task, spec, activity, nowMs } = content;
    if (this.shownTaskId !== task.taskId) {
      this.shownTaskId = task.taskId;
      for (const section of [this.facts, this.prompt, this.tools, this.files, this.messages]) section.reset();
      this.output.textContent = '';
    }
    this.element.hidden = false;
    this.element.setAttribute('data-task-id', task.taskId);
    setText(this.heading, task.taskId);
    setText(this.subheading, `${task.agentName}${task.description === '' ? '' : ` · ${task.description}`}`);
    const isLive = task.status === 'running' || task.status === 'retrying';
    // A live task's facts tick every second (its running time, what holds it up); others change with the task.
    this.facts.render(isLive ? [task, Math.floor(nowMs / 1000)] : [task], () => renderFacts(task, nowMs));
    this.prompt.render([spec], () => [createElement('pre', { class: 'task-prompt' }, [spec?.prompt ?? 'Loading…'])]);
    this.renderOutput(task, activity);
    this.tools.render([activity.toolCalls, task.activeToolCalls, task.toolUsage], () => renderToolCalls(task, activity));
    this.files.render([task.filesWritten, task.evidence], () => renderFiles(task));
    const relevant = content.messages.filter((message) => message.taskId === task.taskId || isMessageFor(message, { id: task.taskId, agentName: task.agentName }));
    this.messages.render([relevant.length], () => renderMessages(task, relevant));
  }

  private renderOutput(task: TaskState, activity: TaskActivity): void {
    const isFinal = task.status === 'succeeded' && task.output !== undefined;
    const text = isFinal ? (task.output ?? '') : activity.streamedText !== '' ? activity.streamedText : (task.streamedTail ?? '');
    const label = isFinal ? 'final' : task.status === 'running' && text !== '' ? 'streaming…' : text === '' ? '' : 'streamed so far';
    setText(this.outputLabel, label);
    const empty = task.status === 'pending' ? 'Not started yet.' : task.status === 'running' ? 'Waiting for output…' : 'No output.';
    const stickToEnd = this.output.scrollTop + this.output.clientHeight >= this.output.scrollHeight - 8;
    setText(this.output, text === '' ? empty : text);
    this.output.classList.toggle('is-empty', text === '');
    // Follow a live stream only when the reader is already at its end.
    if (stickToEnd && !isFinal) this.output.scrollTop = this.output.scrollHeight;
  }
}

function renderFacts(task: TaskState, nowMs: number): ElementChild[] {
  const rows: [string, ElementChild][] = [
    ['Status', createElement('span', { class: `status-badge status-${task.status}`, 'data-testid': 'task-status' }, [task.status])],
    ['Attempts', task.attempts === 0 ? '—' : `${task.attempts}${task.attempts > 1 ? ` (${task.attempts - 1} ${task.attempts === 2 ? 'retry' : 'retries'})` : ''}`],
  ];
  if (task.status === 'running' && task.startedAt !== undefined) rows.push(['Running for', formatDurationMs(nowMs - task.startedAt)]);
  else if (task.durationMs !== undefined) rows.push(['Duration', formatDurationMs(task.durationMs)]);
  if (task.startedAt !== undefined) rows.push(['Started', formatMoment(task.startedAt, nowMs)]);
  rows.push(['Tokens', `${formatTokens(task.usage.totalTokens)} (${formatTokens(task.usage.inputTokens)} in, ${formatTokens(task.usage.outputTokens)} out)`]);
  rows.push(['Cost', formatCostUsd(task.costUsd)]);
  if (task.model !== undefined || task.runtime !== undefined) rows.push(['Model', [task.model, task.runtime === undefined ? undefined : `(${task.runtime})`].filter(Boolean).join(' ')]);
  const hold = describeTaskHold(task, nowMs);
  if (hold !== undefined) rows.push(['Held up by', createElement('span', { class: 'hold-text' }, [hold])]);
  if (task.blockedBy !== undefined) rows.push(['Skipped because', `${task.blockedBy} failed`]);
  if (task.cancelReason !== undefined) rows.push(['Cancelled by', task.cancelReason === 'run-timeout' ? "the run's time limit" : 'a cancel']);
  if (task.error !== undefined) rows.push([task.status === 'succeeded' ? 'Earlier error' : 'Last error', createElement('span', { class: 'error-text' }, [`${task.error.code}: ${task.error.message}`])]);
  const exitCode = task.evidence?.exitCode;
  if (exitCode !== undefined) rows.push(['Exit code', String(exitCode)]);
  if (task.contextPruned === true) rows.push(['Context', 'pruned to fit the threshold']);
  return [createElement('dl', { class: 'facts' }, rows.flatMap(([term, value]) => [createElement('dt', {}, [term]), createElement('dd', {}, [value])]))];
}

function renderToolCalls(task: TaskState, activity: TaskActivity): ElementChild[] {
  if (activity.toolCalls.length === 0 && task.activeToolCalls.length === 0) return [createElement('p', { class: 'muted' }, ['None.'])];
  const ended = activity.toolCalls.map((call) =>
    createElement('li', { class: call.ok === false ? 'tool-call is-failed' : 'tool-call' }, [
      createElement('span', { class: 'tool-name' }, [call.tool]),
      ' ',
      createElement('span', { class: 'tool-input' }, [call.input]),
      createElement('span', { class: 'tool-meta' }, [
        `${call.ok === false ? 'failed' : 'ok'}${call.durationMs === undefined ? '' : ` · ${formatDurationMs(call.durationMs)}`}${call.attempt > 1 ? ` · attempt ${call.attempt}` : ''}`,
      ]),
      call.error === undefined ? undefined : createElement('span', { class: 'error-text tool-error' }, [call.error]),
    ]),
  );
  const active = task.activeToolCalls.map((call) =>
    createElement('li', { class: 'tool-call is-active' }, [
      createElement('span', { class: 'tool-name' }, [call.tool]),
      ' ',
      createElement('span', { class: 'tool-input' }, [call.input]),
      createElement('span', { class: 'tool-meta' }, ['running']),
    ]),
  );
  const usage = task.toolUsage.map((tool) => `${tool.tool} ×${tool.calls}${tool.failedCalls > 0 ? ` (${tool.failedCalls} failed)` : ''}`).join(', ');
  return [usage === '' ? undefined : createElement('p', { class: 'muted' }, [usage]), createElement('ol', { class: 'tool-calls' }, [...ended, ...active])];
}

function renderFiles(task: TaskState): ElementChild[] {
  const reported = (task.evidence?.reportedChanges ?? []).filter((change) => !task.filesWritten.includes(change.path));
  const diff = task.evidence?.diff;
  if (task.filesWritten.length === 0 && reported.length === 0 && diff === undefined) return [createElement('p', { class: 'muted' }, ['None.'])];
  return [
    createElement('ul', { class: 'file-list' }, [
      ...task.filesWritten.map((file) => createElement('li', {}, [createElement('code', {}, [file])])),
      ...reported.map((change) => createElement('li', {}, [createElement('code', {}, [change.path]), ` (${change.kind}, reported)`])),
    ]),
    diff === undefined ? undefined : createElement('details', {}, [createElement('summary', {}, ['Diff']), createElement('pre', { class: 'task-diff' }, [diff])]),
  ];
}

function renderMessages(task: TaskState, messages: readonly RunMessage[]): ElementChild[] {
  if (messages.length === 0) return [createElement('p', { class: 'muted' }, ['None.'])];
  return [
    createElement(
      'ol',
      { class: 'message-list' },
      messages.map((message) => {
        const isOutgoing = message.taskId === task.taskId;
        return createElement('li', { class: 'message' }, [
          createElement('span', { class: 'message-route' }, [isOutgoing ? `to ${message.to === '*' ? 'everyone' : message.to}` : `from ${message.from}`, ` · ${message.messageType}`]),
          createElement('pre', { class: 'message-content' }, [message.content]),
        ]);
      }),
    ),
  ];
}

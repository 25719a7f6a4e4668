import type { RunState, TaskState } from '../../src/core/index.js';
import { createElement, createSvgElement, setAttribute, setText } from './create-element.js';
import { describeTaskHold, describeTaskHoldBriefly } from './describe-task-hold.js';
import { formatDurationMs } from './format-duration.js';
import { layoutTaskGraph, pickLayout, type TaskGraphLayouts } from './layout-task-graph.js';
import { NODE_HEIGHT_PX, NODE_WIDTH_PX, type GraphPoint, type TaskGraphLayout } from './task-graph-geometry.js';

/** The SVG pieces of one task's box, updated in place as its state changes. */
interface NodeParts {
  readonly group: SVGGElement;
  readonly tooltip: SVGTitleElement;
  readonly agent: SVGTextElement;
  readonly status: SVGTextElement;
  readonly hold: SVGTextElement;
  task: TaskState | undefined;
}

/** The smallest zoom a graph is shrunk to so that it fits; past it the graph keeps this size and scrolls (smaller text is unreadable). */
const MIN_FIT_SCALE = 0.75;

/** Characters that fit a line of a box at the font sizes of styles.css. */
const TITLE_CHARS = 26;
const LINE_CHARS = 30;

/**
 * The live task graph: boxes coloured by state with agent name and duration, dependency arrows,
 * laid out again only when the set of tasks changes (a meeting adds rounds). Big graphs scroll,
 * and can be dragged to pan.
 */
export class TaskGraphView {
  readonly element: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly nodes = new Map<string, NodeParts>();
  private readonly edges: { readonly from: string; readonly to: string; readonly path: SVGPathElement }[] = [];
  /** The dependencies array of each task laid out: the reducer replaces it only when `task:added` changes the graph. */
  private laidOut = new Map<string, readonly string[]>();
  private layouts: TaskGraphLayouts | undefined;
  private shown: TaskGraphLayout | undefined;
  private lastUpdate: { readonly state: RunState; readonly nowMs: number; readonly selectedTaskId: string | undefined } | undefined;

  constructor(private readonly onSelect: (taskId: string) => void) {
    this.svg = createSvgElement('svg', { class: 'task-graph', role: 'group', 'aria-label': 'Task graph' });
    this.element = createElement('div', { class: 'graph-viewport', 'data-testid': 'task-graph' }, [this.svg]);
    enableDragToPan(this.element);
    // The side panel opening or the window resizing changes the room: the graph is fitted to it again.
    new ResizeObserver(() => this.fit()).observe(this.element);
  }

  update(state: RunState, nowMs: number, selectedTaskId: string | undefined): void {
    this.lastUpdate = { state, nowMs, selectedTaskId };
    const tasks = [...state.tasks.values()];
    if (tasks.length !== this.laidOut.size || tasks.some((task) => this.laidOut.get(task.taskId) !== task.dependencies)) {
      this.laidOut = new Map(tasks.map((task) => [task.taskId, task.dependencies]));
      this.layouts = layoutTaskGraph(tasks);
      this.shown = undefined;
      this.fit();
      return;
    }
    for (const task of tasks) {
      const parts = this.nodes.get(task.taskId);
      if (parts !== undefined) updateNode(parts, task, nowMs, task.taskId === selectedTaskId);
    }
    for (const edge of this.edges) {
      const from = state.tasks.get(edge.from)?.status;
      const to = state.tasks.get(edge.to)?.status;
      setAttribute(edge.path, 'class', `task-edge${from === 'succeeded' ? ' is-satisfied' : ''}${from === 'succeeded' && (to === 'running' || to === 'retrying') ? ' is-feeding' : ''}`);
    }
  }

  /**
   * Shows the layout that fits the room best, shrunk to fit down to {@link MIN_FIT_SCALE} (a bigger
   * graph keeps that size and scrolls); draws it again when the best direction changed.
   */
  private fit(): void {
    if (this.layouts === undefined || this.lastUpdate === undefined) return;
    // clientWidth/Height exclude the scrollbars; 2 px spare keeps a fitted graph from showing them.
    const viewport = { width: Math.max(320, this.element.clientWidth - 2), height: Math.max(240, this.element.clientHeight - 2) };
    const layout = pickLayout(this.layouts, viewport);
    if (layout !== this.shown) {
      this.shown = layout;
      this.build(layout, [...this.lastUpdate.state.tasks.values()]);
      const { state, nowMs, selectedTaskId } = this.lastUpdate;
      this.update(state, nowMs, selectedTaskId);
    }
    const scale = Math.max(MIN_FIT_SCALE, Math.min(1, viewport.width / layout.width, viewport.height / layout.height));
    setAttribute(this.svg, 'width', String(Math.floor(layout.width * scale)));
    setAttribute(this.svg, 'height', String(Math.floor(layout.height * scale)));
  }

  private build(layout: TaskGraphLayout, tasks: readonly TaskState[]): void {
    this.nodes.clear();
    this.edges.length = 0;
    const marker = createSvgElement('marker', { id: 'arrow-head', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, [
      createSvgElement('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }),
    ]);
    const edgeLayer = createSvgElement('g', { class: 'edge-layer' });
    for (const edge of layout.edges) {
      const path = createSvgElement('path', { d: toPathData(edge.points), class: 'task-edge', 'marker-end': 'url(#arrow-head)' });
      edgeLayer.append(path);
      this.edges.push({ from: edge.from, to: edge.to, path });
    }
    const nodeLayer = createSvgElement('g', { class: 'node-layer' });
    for (const task of tasks) {
      const corner = layout.nodes.get(task.taskId);
      if (corner === undefined) continue;
      const parts = createNode(task, corner, () => this.onSelect(task.taskId));
      nodeLayer.append(parts.group);
      this.nodes.set(task.taskId, parts);
    }
    this.svg.replaceChildren(createSvgElement('defs', {}, [marker]), edgeLayer, nodeLayer);
    this.svg.setAttribute('viewBox', `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`);
  }
}

function createNode(task: TaskState, corner: GraphPoint, select: () => void): NodeParts {
  const text = (className: string, y: number, content: string): SVGTextElement =>
    createSvgElement('text', { class: className, x: String(corner.x + 12), y: String(corner.y + y) }, [content]);
  const tooltip = createSvgElement('title');
  const agent = text('node-agent', 38, '');
  const status = text('node-status', 55, '');
  const hold = text('node-hold', 71, '');
  const group = createSvgElement('g', { 'data-testid': 'task-node', 'data-task-id': task.taskId, tabindex: '0', role: 'button' }, [
    tooltip,
    createSvgElement('rect', { class: 'node-box', x: String(corner.x), y: String(corner.y), width: String(NODE_WIDTH_PX), height: String(NODE_HEIGHT_PX), rx: '8' }),
    createSvgElement('rect', { class: 'node-stripe', x: String(corner.x), y: String(corner.y), width: '5', height: String(NODE_HEIGHT_PX), rx: '2' }),
    text('node-title', 21, fitText(task.taskId, TITLE_CHARS)),
    agent,
    status,
    hold,
  ]);
  group.addEventListener('click', select);
  group.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      select();
    }
  });
  return { group, tooltip, agent, status, hold, task: undefined };
}

function updateNode(parts: NodeParts, task: TaskState, nowMs: number, isSelected: boolean): void {
  const isLive = task.status === 'running' || task.status === 'retrying';
  // Only a live task's line changes with time; others are redrawn when their state object changes.
  if (parts.task !== task || isLive) {
    parts.task = task;
    setAttribute(parts.group, 'data-status', task.status);
    setAttribute(parts.group, 'aria-label', `${task.taskId}, ${task.agentName}, ${task.status}`);
    const hold = describeTaskHold(task, nowMs);
    setText(parts.tooltip, `${task.taskId} · ${task.agentName}\n${task.description}${hold === undefined ? '' : `\n${hold}`}`);
    setText(parts.agent, fitText(task.agentName, LINE_CHARS));
    setText(parts.status, fitText(describeStatus(task, nowMs), LINE_CHARS));
    setText(parts.hold, fitText(describeTaskHoldBriefly(task, nowMs) ?? '', LINE_CHARS));
  }
  const isHeld = isLive && describeTaskHoldBriefly(task, nowMs) !== undefined;
  setAttribute(parts.group, 'class', `task-node status-${task.status}${isSelected ? ' is-selected' : ''}${isHeld ? ' is-held' : ''}`);
}

/** The status line of a box: state, attempt and duration (ticking while it runs). */
function describeStatus(task: TaskState, nowMs: number): string {
  const attempt = task.attempts > 1 ? ` (attempt ${task.attempts})` : '';
  switch (task.status) {
    case 'running':
      return `running${attempt} · ${formatDurationMs(nowMs - (task.startedAt ?? nowMs))}`;
    case 'retrying':
      return `retrying after attempt ${task.attempts}${task.error === undefined ? '' : ` · ${task.error.code}`}`;
    case 'succeeded':
      return `succeeded${attempt} · ${formatDurationMs(task.durationMs ?? 0)}`;
    case 'failed':
      return `failed${attempt}${task.error === undefined ? '' : ` · ${task.error.code}`}`;
    case 'skipped':
      return task.blockedBy === undefined ? 'skipped' : `skipped: ${task.blockedBy} failed`;
    case 'cancelled':
      return task.cancelReason === 'run-timeout' ? 'cancelled: run timed out' : 'cancelled';
    case 'pending':
      return 'pending';
    case 'waiting':
      // Holds no slot: it waits for a person to answer its escalation (the Escalations view).
      return task.escalation === undefined ? 'waiting for an answer' : `waiting: ${task.escalation.triggerType}`;
  }
}

function fitText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

function toPathData(points: readonly GraphPoint[]): string {
  return points.map((point, index) => `${index === 0 ? 'M' : 'L'} ${point.x.toFixed(1)} ${point.y.toFixed(1)}`).join(' ');
}

/** Dragging the background scrolls the viewport; a click on a box still selects it. */
function enableDragToPan(viewport: HTMLElement): void {
  let origin: { x: number; y: number; left: number; top: number } | undefined;
  viewport.addEventListener('pointerdown', (event) => {
    if (event.button !== 0 || (event.target instanceof Element && event.target.closest('[data-testid="task-node"]') !== null)) return;
    origin = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop };
    viewport.setPointerCapture(event.pointerId);
    viewport.classList.add('is-panning');
  });
  viewport.addEventListener('pointermove', (event) => {
    if (origin === undefined) return;
    viewport.scrollLeft = origin.left - (event.clientX - origin.x);
    viewport.scrollTop = origin.top - (event.clientY - origin.y);
  });
  const stop = (event: PointerEvent): void => {
    if (origin === undefined) return;
    origin = undefined;
    viewport.releasePointerCapture(event.pointerId);
    viewport.classList.remove('is-panning');
  };
  viewport.addEventListener('pointerup', stop);
  viewport.addEventListener('pointercancel', stop);
}

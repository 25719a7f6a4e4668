import { isEnsembleError } from '../../src/core/index.js';
import { createElement } from './create-element.js';
import { RunFeed } from './run-feed.js';
import { RunFollower } from './run-follower.js';
import { RunHeader } from './run-header.js';
import { runActionAcceptedSchema, runDetailResponseSchema, type RunDetail, type RunTaskSpec } from './schema.js';
import { TaskGraphView } from './task-graph-view.js';
import { TaskPanel } from './task-panel.js';
import type { UnmountView, ViewContext } from './view-context.js';

/** How often the run's record is read again, in ms: it tells an interrupted run (its owner died) and a resume from elsewhere. */
const DETAIL_REFRESH_MS = 4000;
/** How often running durations tick, in ms. */
const TICK_MS = 1000;

/**
 * One run: its header, live task graph, the side panel of the selected task, and its warnings and
 * messages. Task state comes from the run's event stream through core's reducer; the run's record
 * (`GET /api/runs/:id`) adds the prompts and tells whether a run that stopped mid-way was interrupted.
 */
export function mountRunView(container: HTMLElement, context: ViewContext, runId: string): UnmountView {
  const { api } = context;
  let detail: RunDetail | undefined;
  let specs = new Map<string, RunTaskSpec>();
  let selectedTaskId: string | undefined;
  let renderFrame: number | undefined;
  let isUnmounted = false;
  let isLoadingDetail = false;
  let isUnknownRun = false;
  const aborter = new AbortController();

  const follower = new RunFollower({ runId, api, onEvent: () => scheduleRender(), onEnd: () => scheduleRender() });
  const header = new RunHeader({ cancel: () => void act('cancel'), resume: () => void act('resume') });
  const graph = new TaskGraphView((taskId) => {
    selectedTaskId = selectedTaskId === taskId ? undefined : taskId;
    scheduleRender();
  });
  const panel = new TaskPanel(() => {
    selectedTaskId = undefined;
    scheduleRender();
  });
  const feed = new RunFeed();
  const layout = createElement('div', { class: 'run-layout' }, [createElement('div', { class: 'graph-area' }, [graph.element]), panel.element]);
  container.replaceChildren(createElement('div', { class: 'run-view' }, [header.element, layout, feed.element]));

  /** The run's status: the stream's, except that only the server can tell that a run left `running` without an end (interrupted). */
  function currentStatus(): string {
    const streamed = follower.state.status;
    const recorded = detail?.run.status;
    if (streamed === undefined) return recorded ?? 'loading';
    if (streamed === 'running' && recorded === 'interrupted') return 'interrupted';
    return streamed;
  }

  function scheduleRender(): void {
    if (renderFrame !== undefined || isUnmounted) return;
    renderFrame = requestAnimationFrame(() => {
      renderFrame = undefined;
      render();
    });
  }

  function render(): void {
    const nowMs = Date.now();
    const { state } = follower;
    const status = currentStatus();
    header.update(state, status, { ...(detail === undefined ? {} : { workflowName: detail.run.workflowName, startedAt: detail.run.createdAt }) }, nowMs);
    graph.update(state, nowMs, selectedTaskId);
    const task = selectedTaskId === undefined ? undefined : state.tasks.get(selectedTaskId);
    if (task === undefined) panel.hide();
    else panel.show({ task, spec: specs.get(task.taskId), activity: follower.activity.get(task.taskId), messages: state.messages, nowMs });
    layout.classList.toggle('has-panel', task !== undefined);
    feed.update(state, detail?.error, nowMs);
    // A task added to the running graph (a meeting's round) needs its prompt.
    if (state.tasks.size > specs.size && detail !== undefined && !isLoadingDetail) void loadDetail();
  }

  async function loadDetail(): Promise<void> {
    if (isLoadingDetail || isUnknownRun) return;
    isLoadingDetail = true;
    try {
      detail = await api.get(`api/runs/${encodeURIComponent(runId)}`, runDetailResponseSchema, { signal: aborter.signal });
      specs = new Map(detail.tasks.map((task) => [task.id, task]));
      // Running again (a resume from the CLI or another tab), perhaps while we were not following: follow it live.
      // Not running (ended, or interrupted without an end event): a stream still open is only a replay.
      if (detail.run.status === 'running') follower.open();
      else follower.stopAfterReplay();
    } catch (error) {
      if (aborter.signal.aborted) return;
      if (isEnsembleError(error) && error.code === 'UNKNOWN_RUN') {
        isUnknownRun = true;
        follower.close();
        header.showNotice(`No run "${runId}" in this server's journal.`, 'error');
      } else {
        header.showNotice(`Could not read the run: ${describeError(error)}`, 'error');
      }
    } finally {
      isLoadingDetail = false;
      scheduleRender();
    }
  }

  async function act(action: 'cancel' | 'resume'): Promise<void> {
    header.setBusy(true);
    scheduleRender();
    try {
      await api.post(`api/runs/${encodeURIComponent(runId)}/${action}`, {}, runActionAcceptedSchema, { signal: aborter.signal });
      header.showNotice(action === 'cancel' ? 'Cancel requested: running tasks are being stopped.' : 'Resumed: tasks that did not succeed run again.', 'info');
      if (action === 'resume') follower.open();
      void loadDetail();
    } catch (error) {
      if (aborter.signal.aborted) return;
      header.showNotice(`Could not ${action} the run: ${describeError(error)}`, 'error');
    } finally {
      header.setBusy(false);
      scheduleRender();
    }
  }

  follower.open();
  void loadDetail();
  const ticker = setInterval(() => {
    if (currentStatus() === 'running') scheduleRender();
  }, TICK_MS);
  const refresher = setInterval(() => void loadDetail(), DETAIL_REFRESH_MS);
  scheduleRender();

  return () => {
    isUnmounted = true;
    aborter.abort();
    follower.close();
    clearInterval(ticker);
    clearInterval(refresher);
    if (renderFrame !== undefined) cancelAnimationFrame(renderFrame);
  };
}

function describeError(error: unknown): string {
  if (isEnsembleError(error)) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

import { applyRunEvent, createRunState, isRunEndEvent, type RunEvent, type RunState } from '../../src/core/index.js';
import type { ApiClient } from './api-client.js';
import { runEventEnvelopeSchema } from './schema.js';
import { TaskActivityLog } from './task-activity-log.js';

export interface RunFollowerOptions {
  readonly runId: string;
  readonly api: ApiClient;
  /** Called after each applied event with the task it changed, if any. */
  readonly onEvent: (event: RunEvent) => void;
  /** Called when the stream ends after the run's end event (or after the replay of a run that is not running): nothing more to follow. */
  readonly onEnd: () => void;
}

/** Time before opening a stream again that the server refused or dropped, in ms (EventSource itself retries only a dropped one). */
const REOPEN_DELAY_MS = 3000;

/**
 * Follows a run's event stream (`GET /api/runs/:id/events`) into one `RunState`, through the same
 * reducer as the CLI and the store. The browser reconnects by itself, sending `Last-Event-ID`; a
 * stream opened again asks for the events after the last one applied; an event whose seq is not past
 * the last applied one is a replay and is ignored, so nothing is counted twice.
 */
export class RunFollower {
  readonly state: RunState = createRunState();
  readonly activity = new TaskActivityLog();
  private source: EventSource | undefined;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private isReplayOnly = false;
  /** Whether the last event applied ended an execution of the run (more may follow in a replay: a resume). */
  private hasReachedEnd = false;

  constructor(private readonly options: RunFollowerOptions) {}

  /** Whether a stream is open or about to be opened again. */
  get isFollowing(): boolean {
    return this.source !== undefined || this.reopenTimer !== undefined;
  }

  /** Opens the stream after the last applied event (unless it is open already) and follows it live. */
  open(): void {
    this.isReplayOnly = false;
    if (this.isFollowing) return;
    this.hasReachedEnd = false;
    const source = new EventSource(this.options.api.eventsUrl(this.options.runId, this.state.lastSeq));
    source.onmessage = (message: MessageEvent<unknown>) => this.receive(message.data);
    source.onerror = () => {
      if (this.source !== source) return;
      // The server ends a stream after the run's end event (the browser would reconnect: stop it here), and
      // the stream of a run that stopped without an end event once it has replayed it. A replay may hold
      // several executions (cancelled, then resumed): only an end event that is the last one received counts.
      if (this.isReplayOnly || this.hasReachedEnd) {
        this.close();
        this.options.onEnd();
        return;
      }
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error), so we try again later.
      if (source.readyState !== EventSource.CLOSED) return;
      this.source = undefined;
      this.reopenTimer = setTimeout(() => {
        this.reopenTimer = undefined;
        this.open();
      }, REOPEN_DELAY_MS);
    };
    this.source = source;
  }

  /**
   * The run is not running (ended, or interrupted: its owner died without an end event): take what
   * the server replays, then stop instead of reconnecting every second. `open()` follows live again.
   */
  stopAfterReplay(): void {
    this.isReplayOnly = true;
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
    if (this.reopenTimer !== undefined) clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
  }

  private receive(data: unknown): void {
    const event = parseRunEvent(data, this.options.runId);
    if (event === undefined || event.seq <= this.state.lastSeq) return;
    applyRunEvent(this.state, event);
    this.activity.record(event);
    this.options.onEvent(event);
    this.hasReachedEnd = isRunEndEvent(event);
  }
}

/** An SSE frame's event, or undefined when it is not one of this run's events (a newer server's unknown type is skipped). */
function parseRunEvent(data: unknown, runId: string): RunEvent | undefined {
  if (typeof data !== 'string') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const envelope = runEventEnvelopeSchema.safeParse(json);
  if (!envelope.success || envelope.data.runId !== runId) return undefined;
  // The envelope is checked; the payload is the journal's, which the server read back through the store's event schema.
  return envelope.data as unknown as RunEvent;
}

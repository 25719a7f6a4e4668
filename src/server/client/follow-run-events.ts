import { EnsembleError, isRunEndEvent, type RunEvent } from '../../core/index.js';
import { readSseEvents } from './read-sse-events.js';

export interface FollowRunEventsOptions {
  /** Start after this seq (the last event already seen). @default 0: the whole run */
  readonly lastEventId?: number;
  /** The server's API token, if it has one. */
  readonly token?: string;
  readonly signal?: AbortSignal;
  /** Reconnections allowed after a dropped stream (each resumes after the last event seen). @default 5 */
  readonly maxReconnects?: number;
  /** Wait before a reconnection, in ms. @default 500 */
  readonly reconnectDelayMs?: number;
}

/**
 * Follows a run of an `ensemble serve` at `baseUrl`: yields each event once, in order, from the
 * journal's replay and then live; reconnects with Last-Event-ID when the stream drops; returns
 * when the server ends the stream after the run's end event, or with nothing new (the run is not live).
 */
export async function* followRunEvents(baseUrl: string, runId: string, options: FollowRunEventsOptions = {}): AsyncGenerator<RunEvent> {
  let lastSeq = options.lastEventId ?? 0;
  const maxReconnects = options.maxReconnects ?? 5;
  for (let attempt = 0; ; attempt++) {
    let received = 0;
    let lastEvent: RunEvent | undefined;
    try {
      const response = await fetch(new URL(`/api/runs/${encodeURIComponent(runId)}/events`, baseUrl), {
        headers: { accept: 'text/event-stream', 'last-event-id': String(lastSeq), ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      if (!response.ok || response.body === null) throw await toResponseError(response);
      for await (const message of readSseEvents(response.body)) {
        const event = JSON.parse(message.data) as RunEvent;
        if (event.seq <= lastSeq) continue;
        lastSeq = event.seq;
        received++;
        lastEvent = event;
        yield event;
      }
      // The server ends a stream after the run's end event (a replay holds earlier executions' ends too), or at once when it is not live.
      if (received === 0 || (lastEvent !== undefined && isRunEndEvent(lastEvent))) return;
    } catch (error) {
      if (options.signal?.aborted === true || (error instanceof EnsembleError && error.code !== 'PROVIDER_UNAVAILABLE') || attempt >= maxReconnects) throw error;
    }
    if (attempt >= maxReconnects) throw new EnsembleError('PROVIDER_UNAVAILABLE', `the event stream of run "${runId}" kept dropping (${maxReconnects + 1} connections)`);
    await new Promise((resolve) => setTimeout(resolve, options.reconnectDelayMs ?? 500));
  }
}

/** The server's `{error: {code, message}}` as an EnsembleError (a 5xx stays retryable as PROVIDER_UNAVAILABLE). */
async function toResponseError(response: Response): Promise<EnsembleError> {
  const text = await response.text().catch(() => '');
  let message = `HTTP ${response.status}`;
  let code: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    message = body.error?.message ?? message;
  } catch {
    // Not our error shape (a proxy's page): the status says enough.
  }
  if (response.status >= 500) return new EnsembleError('PROVIDER_UNAVAILABLE', `the server answered ${response.status}: ${message}`, { retryable: true });
  return new EnsembleError(code === 'UNKNOWN_RUN' ? 'UNKNOWN_RUN' : code === 'UNAUTHORIZED' ? 'UNAUTHORIZED' : 'INVALID_INPUT', message);
}

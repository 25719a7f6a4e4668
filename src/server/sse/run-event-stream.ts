import type { RunEvent } from '../../core/index.js';
import type { RunStore } from '../../store/index.js';
import type { RunEventFeeds } from './run-event-feeds.js';
import { encodeSseFrame, SSE_PING_FRAME, SSE_RETRY_FRAME } from './sse-frame.js';

export interface RunEventStreamOptions {
  readonly store: RunStore;
  readonly feeds: RunEventFeeds;
  readonly runId: string;
  /** Replay starts after this seq (Last-Event-ID); 0 replays the whole run. */
  readonly afterSeq: number;
  /**
   * Whether the run may still produce events: checked when the replay has caught up. A run that
   * is not running (finished, interrupted) is replayed and the stream ends.
   */
  readonly isRunLive: () => boolean;
  /** Told once when the stream opens and once when it ends (either side). */
  readonly onOpen?: () => void;
  readonly onClose?: () => void;
}

/** Events read from the journal per pull while replaying: replay advances as fast as the client reads. */
const REPLAY_PAGE = 500;
/**
 * Chunks (a live event, or a replay page) a client may fall behind before it is dropped. A client
 * that reads slower than the run writes would otherwise hold an ever-growing queue; dropped, it
 * reconnects with Last-Event-ID and replays from the journal at its own pace.
 */
const MAX_QUEUED_CHUNKS = 20_000;

const encoder = new TextEncoder();

/**
 * The SSE body for one follower of a run: the journal's events after `afterSeq`, read page by page
 * as the client consumes them, then the run's live events from its feed, deduplicated and
 * gap-filled by seq, so the client sees every event once and in order. Ends after the run's end
 * event, or at once after the replay when the run is not live.
 */
export function createRunEventStream(options: RunEventStreamOptions): ReadableStream<Uint8Array> {
  const { store, feeds, runId } = options;
  let cursor = options.afterSeq;
  let isReplaying = true;
  let isEnded = false;
  let unfollow: (() => void) | undefined;
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined;

  const finish = (): void => {
    if (isEnded) return;
    isEnded = true;
    unfollow?.();
    unfollow = undefined;
    options.onClose?.();
  };
  const enqueue = (frame: string): void => {
    if (isEnded || streamController === undefined) return;
    streamController.enqueue(encoder.encode(frame));
  };
  /** Frames as one chunk: the HTTP layer pays per chunk (a read, a write), so a replay page goes out in one. */
  const enqueueFrames = (frames: readonly Uint8Array[]): void => {
    if (isEnded || streamController === undefined || frames.length === 0) return;
    streamController.enqueue(frames.length === 1 ? frames[0]! : concatenate(frames));
  };
  const enqueueEvents = (events: readonly RunEvent[]): void => {
    const frames: Uint8Array[] = [];
    for (const event of events) {
      if (event.seq <= cursor) continue;
      frames.push(encodeSseFrame(event));
      cursor = event.seq;
    }
    enqueueFrames(frames);
  };
  const close = (): void => {
    if (isEnded) return;
    finish();
    streamController?.close();
  };

  const follower = {
    deliver(event: RunEvent): void {
      if (isEnded || event.seq <= cursor) return;
      // Joined between an event's journaling and its announcement, or the poller skipped ahead: fill the gap from the journal.
      if (event.seq > cursor + 1) enqueueEvents(store.readEvents(runId, { afterSeq: cursor, limit: event.seq - cursor - 1 }));
      enqueueEvents([event]);
      const queued = streamController === undefined ? 0 : -(streamController.desiredSize ?? 0);
      if (queued > MAX_QUEUED_CHUNKS) close();
    },
    ping(): void {
      enqueue(SSE_PING_FRAME);
    },
    end(): void {
      close();
    },
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        streamController = controller;
        options.onOpen?.();
        enqueue(SSE_RETRY_FRAME);
      },
      pull() {
        if (!isReplaying || isEnded) return;
        // Frames another client's replay or the live feed already encoded, then the journal for the rest.
        const cached = feeds.replayCache.framesAfter(runId, cursor, REPLAY_PAGE);
        enqueueFrames(cached);
        cursor += cached.length;
        if (cached.length === REPLAY_PAGE) return;
        const page = store.readEvents(runId, { afterSeq: cursor, limit: REPLAY_PAGE });
        feeds.replayCache.append(runId, page);
        enqueueEvents(page);
        if (page.length === REPLAY_PAGE) return;
        // Caught up with the journal: in this same tick, follow live or end.
        isReplaying = false;
        if (!options.isRunLive()) {
          close();
          return;
        }
        unfollow = feeds.follow(runId, cursor, follower);
      },
      cancel() {
        // The client went away: the run goes on; only this follower stops.
        finish();
      },
    },
    { highWaterMark: 64 },
  );
}

function concatenate(frames: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const frame of frames) length += frame.byteLength;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const frame of frames) {
    joined.set(frame, offset);
    offset += frame.byteLength;
  }
  return joined;
}

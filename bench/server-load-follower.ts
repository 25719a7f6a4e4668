import { z } from 'zod';
import { readSseEvents } from '../src/server/index.js';

/** The envelope fields the bench checks; the payload is the server's business. */
const eventEnvelopeSchema = z.looseObject({
  type: z.string().min(1),
  runId: z.string().min(1),
  seq: z.int().min(1),
  at: z.int().min(0),
});

/** One event as a follower received it. */
export interface ReceivedEvent {
  readonly type: string;
  readonly runId: string;
  readonly seq: number;
  /** The event's journal time, epoch ms. */
  readonly at: number;
  /** The frame's `id:` field (must be the seq). */
  readonly frameId: string | undefined;
  /** When the client parsed the frame, epoch ms. */
  readonly receivedAt: number;
}

/** Everything one follower saw of its run's stream. */
export interface FollowerRecord {
  readonly runId: string;
  /** When the request was sent, epoch ms. */
  readonly requestedAt: number;
  /** When the response headers arrived, epoch ms: the server had subscribed it to the run's feed by then. */
  readonly connectedAt: number;
  readonly events: readonly ReceivedEvent[];
  /** When the server ended the stream, epoch ms. */
  readonly closedAt: number;
}

/**
 * Follows one run with `GET /api/runs/:id/events` and `Last-Event-ID: 0` (replay, then live) and
 * records every frame as received — no reconnection and no deduplication, unlike
 * `followRunEvents`, so a duplicate, a gap or a dropped stream shows in the record instead of
 * being repaired. Returns when the server closes the stream.
 */
export async function recordRunStream(baseUrl: string, runId: string, signal: AbortSignal): Promise<FollowerRecord> {
  const requestedAt = Date.now();
  const response = await fetch(new URL(`/api/runs/${encodeURIComponent(runId)}/events`, baseUrl), {
    headers: { accept: 'text/event-stream', 'last-event-id': '0' },
    signal,
  });
  const connectedAt = Date.now();
  if (response.status !== 200 || response.body === null) {
    throw new Error(`GET /api/runs/${runId}/events answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  }
  const events: ReceivedEvent[] = [];
  for await (const message of readSseEvents(response.body)) {
    const receivedAt = Date.now();
    const parsed = eventEnvelopeSchema.safeParse(JSON.parse(message.data));
    if (!parsed.success) throw new Error(`run ${runId}: a frame is not an event envelope (${parsed.error.issues[0]?.message ?? 'invalid'}): ${message.data.slice(0, 200)}`);
    const { type, seq, at } = parsed.data;
    events.push({ type, runId: parsed.data.runId, seq, at, frameId: message.id, receivedAt });
  }
  return { runId, requestedAt, connectedAt, events, closedAt: Date.now() };
}

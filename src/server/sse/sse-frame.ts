import { toEventJson, type RunEvent } from '../../core/index.js';

/**
 * One SSE frame per event: `id:` is the event's seq (what a reconnecting client sends back as
 * Last-Event-ID) and there is no `event:` field, so EventSource's `onmessage` receives every type.
 * The JSON is the one serializer's, on one line (JSON escapes newlines inside strings).
 */
export function toSseFrame(event: RunEvent): string {
  return `id: ${event.seq}\ndata: ${toEventJson(event)}\n\n`;
}

/** A comment line: keeps proxies and idle timers from closing a quiet stream; clients ignore it. */
export const SSE_PING_FRAME = ': ping\n\n';

/** Sent first: tells EventSource to wait 1 s before reconnecting after a drop. */
export const SSE_RETRY_FRAME = 'retry: 1000\n\n';

const encoder = new TextEncoder();
/** Frames already encoded: a live event reaches every follower of its run as the same object. */
const encodedFrames = new WeakMap<RunEvent, Uint8Array>();

/** {@link toSseFrame} as bytes, serialised and encoded once per event however many clients follow the run. */
export function encodeSseFrame(event: RunEvent): Uint8Array {
  let frame = encodedFrames.get(event);
  if (frame === undefined) {
    frame = encoder.encode(toSseFrame(event));
    encodedFrames.set(event, frame);
  }
  return frame;
}

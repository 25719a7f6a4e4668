/** A Node client of `ensemble serve`'s event streams. */
export { followRunEvents } from './follow-run-events.js';
export type { FollowRunEventsOptions } from './follow-run-events.js';
export { readSseEvents } from './read-sse-events.js';
export type { SseMessage } from './read-sse-events.js';

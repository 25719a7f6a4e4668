/** Server-Sent Events: one fan-out per run, and the replay-then-follow stream of one client. */
export { RunEventFeeds } from './run-event-feeds.js';
export type { FeedFollower, RunEventFeedsOptions } from './run-event-feeds.js';
export { createRunEventStream } from './run-event-stream.js';
export type { RunEventStreamOptions } from './run-event-stream.js';
export { toSseFrame, SSE_PING_FRAME, SSE_RETRY_FRAME } from './sse-frame.js';

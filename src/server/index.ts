/**
 * `ensemble serve`: the HTTP API (Hono) with Server-Sent Events, the dashboard's files,
 * Prometheus metrics; and a Node client that follows a run's events.
 */
export { createEnsembleServer, serverOptionsSchema } from './ensemble-server.js';
export type { EnsembleServer, EnsembleServerOptions } from './ensemble-server.js';
export { createServerApp } from './create-server-app.js';
export { isLoopbackHost, checkBindPolicy, MIN_TOKEN_LENGTH } from './auth/index.js';
export { toSseFrame } from './sse/index.js';
export { followRunEvents, readSseEvents } from './client/index.js';
export type { FollowRunEventsOptions, SseMessage } from './client/index.js';
export type { RunListItem, RunTaskView } from './runs/index.js';

import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { EnsembleError, type Clock, type Logger, type RunEvent } from '../core/index.js';
import type { AgentRegistry } from '../agents/index.js';
import type { RunStore } from '../store/index.js';
import type { StartRateLimiter } from './rate-limit.js';
import type { ServerRuns, StartedRun } from './runs/index.js';
import { createRunEventStream, type RunEventFeeds } from './sse/index.js';

/** What the server's metrics are told and asked (see `src/server/metrics/`). */
export interface MetricsSink {
  observe(event: RunEvent): void;
  sseClientOpened(): void;
  sseClientClosed(): void;
  render(): Promise<string>;
  readonly contentType: string;
}

/** Everything the routes share. */
export interface ServerContext {
  readonly store: RunStore;
  readonly feeds: RunEventFeeds;
  readonly runs: ServerRuns;
  readonly registry: AgentRegistry;
  readonly metrics: MetricsSink;
  readonly rateLimiter: StartRateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Epoch ms the server started. */
  readonly startedAt: number;
  /** Where conversations (chat) journal: the store's path. */
  readonly storePath: string;
  readonly workspaceDir: string;
  readonly agentDirs: readonly string[];
}

/** The response headers of every event stream: no caching, no proxy buffering. */
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

/** A run's events as SSE, replayed after `afterSeq` then followed live (see {@link createRunEventStream}). */
export function runEventsResponse(server: ServerContext, runId: string, afterSeq: number, status = 200): Response {
  const stream = createRunEventStream({
    store: server.store,
    feeds: server.feeds,
    runId,
    afterSeq,
    isRunLive: () => server.store.runStatus(runId) === 'running',
    onOpen: () => server.metrics.sseClientOpened(),
    onClose: () => server.metrics.sseClientClosed(),
  });
  return new Response(stream, { status, headers: SSE_HEADERS });
}

/**
 * How a run-starting request is answered: its events as SSE (the seed's clients read the stream),
 * or, when the client asks for JSON only, 202 with the run's id and where to follow it.
 */
export function respondToStart(server: ServerContext, context: Context, started: StartedRun): Response {
  if (prefersJson(context.req.header('accept'))) {
    return context.json({ ...started, events: `/api/runs/${encodeURIComponent(started.runId)}/events` }, 202);
  }
  return runEventsResponse(server, started.runId, 0);
}

function prefersJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}

/** The peer address of the request: the rate limit's key. */
export function clientKey(context: Context): string {
  try {
    return getConnInfo(context).remote.address ?? 'unknown';
  } catch {
    // `app.request()` in tests has no socket.
    return 'local';
  }
}

/** Takes one run start from the client's allowance, or refuses with RATE_LIMITED and when to retry. */
export function takeStart(server: ServerContext, context: Context): void {
  const decision = server.rateLimiter.take(clientKey(context));
  if (decision.allowed) return;
  throw new EnsembleError('RATE_LIMITED', `too many runs started from this client; try again in ${Math.ceil(decision.retryAfterMs / 1000)} s`, {
    retryable: true,
    retryAfterMs: decision.retryAfterMs,
  });
}

/** The request's JSON body; INVALID_INPUT when it is missing or not JSON. */
export async function readJsonBody(context: Context): Promise<unknown> {
  const text = await context.req.text();
  if (text.trim() === '') throw new EnsembleError('INVALID_INPUT', 'the request body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EnsembleError('INVALID_INPUT', `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

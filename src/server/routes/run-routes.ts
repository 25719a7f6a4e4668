import type { Context, Hono } from 'hono';
import { EnsembleError } from '../../core/index.js';
import { isOwnerAlive } from '../../host/index.js';
import type { RunRecord } from '../../store/index.js';
import { parseRequest } from '../error-response.js';
import { toRunError, toRunListItem, toRunTaskViews } from '../runs/index.js';
import { eventStreamQuerySchema, runListQuerySchema } from '../schema.js';
import { runEventsResponse, takeStart, type ServerContext } from '../server-context.js';

/** `/api/runs`: list, one run, its event stream, cancel and resume. */
export function addRunRoutes(app: Hono, server: ServerContext): void {
  const { store, runs } = server;

  app.get('/api/runs', (context) => {
    const query = parseRequest(runListQuerySchema, context.req.query(), 'query');
    // Runs whose process died show as interrupted, not running forever.
    store.reconcileInterrupted(isOwnerAlive);
    const records = store.listRuns({ limit: query.limit, ...(query.status === undefined ? {} : { status: query.status }) });
    return context.json({ runs: records.map((record) => toRunListItem(record, store, runs.liveState(record.runId))) });
  });

  app.get('/api/runs/:id', (context) => {
    const record = findRun(server, context.req.param('id'));
    const error = toRunError(record);
    return context.json({ run: toRunListItem(record, store, runs.liveState(record.runId)), tasks: toRunTaskViews(record, store), ...(error === undefined ? {} : { error }) });
  });

  app.get('/api/runs/:id/events', (context) => {
    const record = findRun(server, context.req.param('id'));
    const query = parseRequest(eventStreamQuerySchema, context.req.query(), 'query');
    const afterSeq = Math.max(readLastEventId(context), query.lastEventId ?? 0);
    return runEventsResponse(server, record.runId, afterSeq);
  });

  app.post('/api/runs/:id/cancel', (context) => {
    const record = findRun(server, context.req.param('id'));
    return context.json(runs.cancel(record.runId), 202);
  });

  app.post('/api/runs/:id/resume', async (context) => {
    const record = findRun(server, context.req.param('id'));
    takeStart(server, context);
    const started = await runs.resume(record.runId);
    return context.json({ ...started, events: `/api/runs/${encodeURIComponent(started.runId)}/events` }, 202);
  });
}

function findRun(server: ServerContext, runId: string): RunRecord {
  const record = server.store.getRun(runId);
  if (record === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}"`, { details: { runId } });
  return record;
}

/** The `Last-Event-ID` a reconnecting EventSource sends: the seq of the last event it got. */
function readLastEventId(context: Context): number {
  const header = context.req.header('last-event-id');
  if (header === undefined || header.trim() === '') return 0;
  const seq = Number(header.trim());
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new EnsembleError('INVALID_INPUT', `Last-Event-ID: expected the seq of an event (a whole number ≥ 0), got "${header}"`);
  }
  return seq;
}

import type { Hono } from 'hono';
import { EnsembleError, type RunEvent, type RunStatus } from '../../core/index.js';
import { parseTeam, ReviewQueue } from '../../codebase/index.js';
import { isOwnerAlive } from '../../host/index.js';
import type { EscalationRecord, ReviewRecord, RunStore, TicketRecord } from '../../store/index.js';
import { checkingBody, parseRequest } from '../error-response.js';
import { answerEscalationBodySchema, escalationListQuerySchema, rejectReviewBodySchema, reviewListQuerySchema, ticketBodySchema, ticketListQuerySchema, ticketRunBodySchema } from '../schema.js';
import { readJsonBody, respondToStart, takeStart, type ServerContext } from '../server-context.js';

/** Longest a review's merge (or rebase) may take before the request gives up, in ms. */
const REVIEW_ACTION_TIMEOUT_MS = 5 * 60_000;
/** Most journal events `GET /api/tickets/:id` returns (the latest ones): a ticket retried for days stays one response. */
const TICKET_EVENTS_SHOWN = 1000;

/** An escalation as the API shows it: the store's record and the status of the run that waits on it. */
export type EscalationView = EscalationRecord & { readonly runStatus: RunStatus | 'removed' };

/**
 * `/api/escalations`, `/api/tickets`, `/api/locks`, `/api/reviews`: the shared codebase's queue.
 * Answers only write the store; the run that waits (here or in another process) journals them.
 * Reviews are merged into the server's workspace: the repository its runs (and `tickets run`) work in.
 */
export function addCodebaseRoutes(app: Hono, server: ServerContext): void {
  const { store, clock } = server;
  // One queue for the server: it runs its decisions one at a time, so two approvals never merge at once.
  let queue: ReviewQueue | undefined;
  let isStaleReported = false;
  const reviewQueue = (): ReviewQueue => (queue ??= new ReviewQueue({ store: store.codebase, repo: server.workspaceDir, now: () => clock.now() }));

  app.get('/api/escalations', (context) => {
    const query = parseRequest(escalationListQuerySchema, context.req.query(), 'query');
    // Runs whose process died show as interrupted: their escalations can still be answered, and are delivered on resume.
    store.reconcileInterrupted(isOwnerAlive);
    const records = store.codebase.listEscalations(query.status === 'all' ? { now: clock.now() } : { status: query.status, now: clock.now() });
    const statuses = new Map<string, RunStatus | 'removed'>();
    return context.json({ escalations: records.map((record) => toEscalationView(store, record, statuses)) });
  });

  app.post('/api/escalations/:id/answer', async (context) => {
    const id = context.req.param('id');
    const body = parseRequest(answerEscalationBodySchema, await readJsonBody(context), '');
    const answered = store.codebase.answerEscalation(id, body.guidance, body.answeredBy, clock.now());
    return context.json({ escalation: toEscalationView(store, answered, new Map()) });
  });

  app.get('/api/tickets', (context) => {
    const query = parseRequest(ticketListQuerySchema, context.req.query(), 'query');
    return context.json({ tickets: store.codebase.listTickets({ ...(query.status === undefined ? {} : { status: query.status }), ...(query.limit === undefined ? {} : { limit: query.limit }) }) });
  });

  app.post('/api/tickets', async (context) => {
    const body = parseRequest(ticketBodySchema, await readJsonBody(context), '');
    const ticket = store.codebase.addTicket(body, clock.now());
    return context.json({ ticket }, 201);
  });

  // Starts a run of the queued tickets on the server's workspace: the run's events as SSE, or 202 with Accept: application/json.
  app.post('/api/tickets/run', async (context) => {
    const body = parseRequest(ticketRunBodySchema, await readJsonBody(context), '');
    const { agents, ...options } = body;
    let team;
    try {
      team = parseTeam(agents);
    } catch (error) {
      throw new EnsembleError('INVALID_INPUT', `agents: ${error instanceof Error ? error.message.replace(/^--agents: /, '') : String(error)}`);
    }
    takeStart(server, context);
    const started = await checkingBody(() => server.runs.startTickets({ ...options, team }));
    return respondToStart(server, context, started);
  });

  app.get('/api/tickets/:id', (context) => {
    const ticket = findTicket(store, context.req.param('id'));
    const events = ticketEvents(store, ticket);
    return context.json({ ticket, ...(events === undefined ? {} : { events }) });
  });

  app.get('/api/locks', (context) => context.json({ locks: store.codebase.listLeases(clock.now()) }));

  app.get('/api/reviews', async (context) => {
    const query = parseRequest(reviewListQuerySchema, context.req.query(), 'query');
    const status = query.status === undefined ? {} : { status: query.status };
    try {
      // Open reviews get fresh merge predictions: the main branch and the other branches may have moved.
      return context.json({ reviews: await reviewQueue().list({ ...status, signal: AbortSignal.timeout(REVIEW_ACTION_TIMEOUT_MS) }) });
    } catch (error) {
      // A workspace git cannot read (not the repository, a branch removed by hand) still lists what the store knows.
      if (!isStaleReported) server.logger.warn(`GET /api/reviews: could not refresh the merge predictions, showing the stored ones: ${error instanceof Error ? error.message : String(error)}`);
      isStaleReported = true;
      return context.json({ reviews: store.codebase.listReviews(status), predictionsStale: true });
    }
  });

  app.post('/api/reviews/:id/approve', async (context) => {
    const review = findReview(store, context.req.param('id'));
    await reviewQueue().approve(review.id, { signal: AbortSignal.timeout(REVIEW_ACTION_TIMEOUT_MS) });
    return context.json(reviewOutcome(store, review.id));
  });

  app.post('/api/reviews/:id/reject', async (context) => {
    const review = findReview(store, context.req.param('id'));
    // A bodyless POST (the dashboard's plain "Reject") is no reason and no requeue.
    const text = await context.req.text();
    const body = parseRequest(rejectReviewBodySchema, text.trim() === '' ? {} : parseJson(text), '');
    await reviewQueue().reject(review.id, {
      ...(body.reason === undefined ? {} : { reason: body.reason }),
      requeue: body.requeue ?? false,
      signal: AbortSignal.timeout(REVIEW_ACTION_TIMEOUT_MS),
    });
    return context.json(reviewOutcome(store, review.id));
  });
}

function toEscalationView(store: RunStore, record: EscalationRecord, statuses: Map<string, RunStatus | 'removed'>): EscalationView {
  let runStatus = statuses.get(record.runId);
  if (runStatus === undefined) {
    runStatus = store.runStatus(record.runId) ?? 'removed';
    statuses.set(record.runId, runStatus);
  }
  return { ...record, runStatus };
}

function findTicket(store: RunStore, id: string): TicketRecord {
  const ticket = store.codebase.getTicket(id);
  if (ticket === undefined) throw new EnsembleError('NOT_FOUND', `no ticket "${id}"; GET /api/tickets lists them`, { details: { ticketId: id } });
  return ticket;
}

function findReview(store: RunStore, id: string): ReviewRecord {
  const review = store.codebase.getReview(id);
  if (review === undefined) throw new EnsembleError('NOT_FOUND', `no review "${id}"; GET /api/reviews lists them`, { details: { reviewId: id } });
  return review;
}

/** The review after an approve or reject, and its ticket (re-queued, done, rejected). */
function reviewOutcome(store: RunStore, id: string): { readonly review: ReviewRecord; readonly ticket?: TicketRecord } {
  const review = findReview(store, id);
  const ticket = store.codebase.getTicket(review.ticketId);
  return { review, ...(ticket === undefined ? {} : { ticket }) };
}

/**
 * The journal events of the ticket's run that concern it: those naming the ticket, and every event
 * of the tasks that worked it. Undefined when it never ran (or its run was removed).
 */
function ticketEvents(store: RunStore, ticket: TicketRecord): RunEvent[] | undefined {
  if (ticket.runId === undefined || store.getRun(ticket.runId) === undefined) return undefined;
  const events = store.readEvents(ticket.runId);
  const taskIds = new Set<string>();
  for (const event of events) if ('ticketId' in event && event.ticketId === ticket.id && 'taskId' in event) taskIds.add(event.taskId);
  const mine = events.filter((event) => ('ticketId' in event && event.ticketId === ticket.id) || ('taskId' in event && taskIds.has(event.taskId)));
  return mine.slice(-TICKET_EVENTS_SHOWN);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EnsembleError('INVALID_INPUT', `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

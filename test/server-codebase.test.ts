import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEnsembleServer, type EnsembleServer } from '../src/server/index.js';
import { commitFiles, gitIn, makeTicketRepository } from './helpers/git-ticket-repo.js';
import { seedEscalation } from './helpers/server-codebase-seed.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

describe('ensemble serve: escalations, tickets, locks and reviews of the shared codebase', () => {
  let temp: TempFolder;
  let repo: string;
  let server: EnsembleServer;
  const request = (path: string, init: RequestInit = {}): Promise<Response> => Promise.resolve(server.app.request(path, init));
  const getJson = async <T>(path: string): Promise<T> => {
    const response = await request(path);
    expect(response.status, `GET ${path}`).toBe(200);
    return (await response.json()) as T;
  };
  const post = (path: string, body?: unknown): Promise<Response> =>
    request(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  /** Status, code and message of a failed call. */
  const failure = async (response: Response): Promise<[number, string, string]> => {
    const body = (await response.json()) as ErrorBody;
    return [response.status, body.error.code, body.error.message];
  };

  beforeEach(() => {
    temp = createTempFolder('ensemble-codebase-api-');
    repo = makeTicketRepository(join(temp.folder, 'repo'), { 'src/app.ts': 'export const app = 1;\n', 'README.md': '# app\n' });
    server = createEnsembleServer({ port: 0, storePath: join(temp.folder, 'ensemble.db'), workspaceDir: repo, env: {}, logger: { warn: () => {}, error: () => {} } });
  });
  afterEach(async () => {
    await server.close();
    temp.remove();
  });

  it('lists open escalations by priority with their run status, and every status with ?status=all', async () => {
    // Opened just now: the queue raises an escalation's priority as it waits.
    const now = Date.now();
    const low = seedEscalation(server.store, { runId: 'run-low', taskId: 'design', ticketId: 'T-1', member: 'coder-1', priority: 3, openedAt: now });
    const high = seedEscalation(server.store, { runId: 'run-high', taskId: 'schema', triggerType: 'data', reason: 'Drop the column?', priority: 9, openedAt: now, deadlineAt: now + 50_000 });
    const { escalations } = await getJson<{ escalations: Record<string, unknown>[] }>('/api/escalations');
    expect(escalations.map((escalation) => escalation['id'])).toEqual([high, low]);
    expect(escalations[1]).toMatchObject({
      id: low,
      runId: 'run-low',
      taskId: 'design',
      agentName: 'worker',
      ticketId: 'T-1',
      member: 'coder-1',
      triggerType: 'ambiguity',
      reason: 'Which DB?',
      options: ['Postgres', 'SQLite'],
      priority: 3,
      status: 'open',
      delivered: false,
    });
    // The seeded runs' owner is a process of another host: they read as running until it is judged.
    expect(typeof escalations[0]!['runStatus']).toBe('string');
    expect(escalations[0]).toMatchObject({ deadlineAt: now + 50_000, triggerType: 'data' });

    expect((await post(`/api/escalations/${high}/answer`, { guidance: 'Keep it' })).status).toBe(200);
    expect((await getJson<{ escalations: { id: string }[] }>('/api/escalations')).escalations.map((escalation) => escalation.id)).toEqual([low]);
    expect((await getJson<{ escalations: { id: string }[] }>('/api/escalations?status=answered')).escalations.map((escalation) => escalation.id)).toEqual([high]);
    expect((await getJson<{ escalations: unknown[] }>('/api/escalations?status=all')).escalations).toHaveLength(2);
    expect(await failure(await request('/api/escalations?status=closed'))).toEqual([400, 'INVALID_INPUT', expect.stringMatching(/^query\.status: /)]);
  });

  it('answers an open escalation once: 200 with the record, then 409 ESCALATION_CLOSED; unknown ids 404, empty guidance 400 naming it', async () => {
    const id = seedEscalation(server.store, { runId: 'run-1', taskId: 'design' });
    expect(await failure(await post(`/api/escalations/${id}/answer`, { guidance: '   ' }))).toEqual([400, 'INVALID_INPUT', expect.stringMatching(/^guidance: /)]);
    expect(await failure(await post(`/api/escalations/${id}/answer`, { guidance: 'x'.repeat(8001) }))).toEqual([400, 'INVALID_INPUT', expect.stringMatching(/^guidance: /)]);
    expect(await failure(await post(`/api/escalations/${id}/answer`, { guidance: 'Postgres', colour: 'red' }))).toEqual([400, 'INVALID_INPUT', expect.stringContaining('unknown field "colour"')]);
    expect(await failure(await post(`/api/escalations/${id}/answer`))).toEqual([400, 'INVALID_INPUT', expect.stringMatching(/body is empty/)]);
    expect(server.store.codebase.getEscalation(id)?.status).toBe('open');

    const answered = await post(`/api/escalations/${id}/answer`, { guidance: 'Postgres', answeredBy: 'ana' });
    expect(answered.status).toBe(200);
    const { escalation } = (await answered.json()) as { escalation: Record<string, unknown> };
    expect(escalation).toMatchObject({ id, status: 'answered', answer: 'Postgres', answeredBy: 'ana', delivered: false });
    expect(typeof escalation['runStatus']).toBe('string');
    // The running run finds it in the store (its runner reads the undelivered answers).
    expect(server.store.codebase.undeliveredAnswers('run-1').map((record) => record.answer)).toEqual(['Postgres']);

    expect(await failure(await post(`/api/escalations/${id}/answer`, { guidance: 'SQLite' }))).toEqual([409, 'ESCALATION_CLOSED', expect.stringContaining('answered')]);
    expect(server.store.codebase.getEscalation(id)?.answer).toBe('Postgres');
    expect((await failure(await post('/api/escalations/E-nope/answer', { guidance: 'go' }))).slice(0, 2)).toEqual([404, 'NOT_FOUND']);
    const wrongMethod = await request(`/api/escalations/${id}/answer`);
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('queues tickets (201, defaults filled), lists them by priority and status, and shows one with its journal events', async () => {
    const created = await post('/api/tickets', { title: 'Add login', priority: 7, files: ['src/auth/**'], labels: ['auth'], verify: ['npm', 'test'] });
    expect(created.status).toBe(201);
    const { ticket } = (await created.json()) as { ticket: Record<string, unknown> };
    expect(ticket).toMatchObject({ id: 'T-1', title: 'Add login', description: '', priority: 7, dependencies: [], files: ['src/auth/**'], labels: ['auth'], verify: ['npm', 'test'], status: 'queued', attempts: 0 });
    expect((await post('/api/tickets', { title: 'Tests for login', dependencies: ['T-1'] })).status).toBe(201);

    expect(await failure(await post('/api/tickets', { description: 'no title' }))).toEqual([400, 'INVALID_INPUT', expect.stringMatching(/^title: /)]);
    expect(await failure(await post('/api/tickets', { title: 'x', priority: 11 }))).toEqual([400, 'INVALID_INPUT', expect.stringMatching(/^priority: /)]);
    expect(await failure(await post('/api/tickets', { title: 'x', dependencies: ['T-9'] }))).toEqual([400, 'INVALID_INPUT', 'dependencies[0]: unknown ticket "T-9"']);
    expect(await failure(await post('/api/tickets', { title: 'x', owner: 'me' }))).toEqual([400, 'INVALID_INPUT', expect.stringContaining('unknown field "owner"')]);

    const listed = await getJson<{ tickets: { id: string; status: string }[] }>('/api/tickets');
    expect(listed.tickets.map((item) => item.id)).toEqual(['T-1', 'T-2']);
    server.store.codebase.updateTicket('T-2', { status: 'in-progress', runId: 'run-t', assignee: 'coder-1', startedAt: 1000 }, 1000);
    expect((await getJson<{ tickets: { id: string }[] }>('/api/tickets?status=in-progress')).tickets.map((item) => item.id)).toEqual(['T-2']);
    expect((await getJson<{ tickets: unknown[] }>('/api/tickets?status=queued&limit=5')).tickets).toHaveLength(1);
    expect((await failure(await request('/api/tickets?status=busy'))).slice(0, 2)).toEqual([400, 'INVALID_INPUT']);

    // Not run yet: no events.
    expect(await getJson<Record<string, unknown>>('/api/tickets/T-1')).toEqual({ ticket: expect.objectContaining({ id: 'T-1' }) });
    // A ticket whose task escalated: the events of its task.
    seedEscalation(server.store, { runId: 'run-t', taskId: 'T-2', ticketId: 'T-2', member: 'coder-1' });
    const shown = await getJson<{ ticket: { id: string }; events: { type: string; taskId?: string }[] }>('/api/tickets/T-2');
    expect(shown.ticket.id).toBe('T-2');
    expect(shown.events.map((event) => event.type)).toEqual(['task:added', 'task:start', 'escalation:open']);
    expect((await failure(await request('/api/tickets/T-99'))).slice(0, 2)).toEqual([404, 'NOT_FOUND']);
    const wrongMethod = await request('/api/tickets/T-1', { method: 'DELETE' });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('lists the unexpired leases', async () => {
    const now = Date.now();
    expect(server.store.codebase.acquireLeases({ owner: 'coder-1', runId: 'r', taskId: 'T-1', ticketId: 'T-1', member: 'coder-1', patterns: ['src/auth/**'], ttlMs: 600_000 }, now)).toMatchObject({ ok: true });
    expect(server.store.codebase.acquireLeases({ owner: 'coder-2', runId: 'r', taskId: 'T-2', patterns: ['README.md'], ttlMs: 1 }, now - 60_000)).toMatchObject({ ok: true });
    const { locks } = await getJson<{ locks: Record<string, unknown>[] }>('/api/locks');
    expect(locks).toEqual([expect.objectContaining({ pattern: 'src/auth/**', owner: 'coder-1', ticketId: 'T-1', member: 'coder-1', runId: 'r', taskId: 'T-1' })]);
    expect((await request('/api/locks', { method: 'POST' })).status).toBe(405);
  });

  /** A ticket with its branch committed in a worktree, queued for review; returns the review id. */
  function queueReview(title: string, files: Readonly<Record<string, string>>): string {
    const ticket = server.store.codebase.addTicket({ title }, Date.now());
    const branch = `ensemble/${ticket.id}`;
    const worktree = join(temp.folder, 'worktrees', ticket.id);
    const baseCommit = gitIn(repo, 'rev-parse', 'HEAD');
    gitIn(repo, 'worktree', 'add', '-q', '-b', branch, worktree);
    const headCommit = commitFiles(worktree, files, `${ticket.id}: ${title}`);
    server.store.codebase.updateTicket(ticket.id, { status: 'review', branch }, Date.now());
    return server.store.codebase.addReview({ ticketId: ticket.id, runId: 'run-r', branch, worktree, baseCommit, headCommit }, Date.now()).id;
  }

  it('lists reviews with fresh predictions, approves one (merged into the workspace), rejects one with requeue, and refuses a conflicting one with 409', async () => {
    const first = queueReview('Change the app', { 'src/app.ts': 'export const app = 2;\n' });
    const second = queueReview('Change the app too', { 'src/app.ts': 'export const app = 3;\n' });
    const third = queueReview('Docs', { 'README.md': '# app\n\nMore.\n' });

    const { reviews } = await getJson<{ reviews: { id: string; status: string; conflicts: { against: string; clean: boolean }[] }[] }>('/api/reviews');
    expect(reviews.map((review) => review.id)).toEqual([first, second, third]);
    // The two branches that edit src/app.ts are predicted to conflict with each other.
    expect(reviews[0]!.conflicts).toContainEqual(expect.objectContaining({ against: 'ensemble/T-2', clean: false }));
    expect(reviews[2]!.conflicts.every((prediction) => prediction.clean)).toBe(true);

    const approved = await post(`/api/reviews/${first}/approve`);
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ review: { id: first, status: 'merged' }, ticket: { id: 'T-1', status: 'done' } });
    expect(gitIn(repo, 'show', 'main:src/app.ts')).toBe('export const app = 2;');

    expect(await failure(await post(`/api/reviews/${second}/approve`))).toEqual([409, 'MERGE_CONFLICT', expect.stringContaining('src/app.ts')]);
    expect(server.store.codebase.getTicket('T-2')?.status).toBe('queued');

    const rejected = await post(`/api/reviews/${third}/reject`, { reason: 'not needed', requeue: true });
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ review: { id: third, status: 'rejected', reason: 'not needed' }, ticket: { id: 'T-3', status: 'queued' } });

    expect((await getJson<{ reviews: { id: string }[] }>('/api/reviews?status=merged')).reviews.map((review) => review.id)).toEqual([first]);
    expect((await failure(await post('/api/reviews/R-99/approve'))).slice(0, 2)).toEqual([404, 'NOT_FOUND']);
    expect((await failure(await post('/api/reviews/R-99/reject'))).slice(0, 2)).toEqual([404, 'NOT_FOUND']);
    expect(await failure(await post(`/api/reviews/${first}/reject`, { requeue: 'yes' }))).toEqual([400, 'INVALID_INPUT', expect.stringMatching(/^requeue: /)]);
    expect((await failure(await post(`/api/reviews/${first}/approve`))).slice(0, 2)).toEqual([400, 'INVALID_INPUT']);
    expect((await request(`/api/reviews/${first}/approve`)).status).toBe(405);
  });

  it('exports the codebase gauges at scrape time', async () => {
    const now = Date.now();
    for (const title of ['a', 'b', 'c', 'd']) server.store.codebase.addTicket({ title }, now);
    seedEscalation(server.store, { runId: 'run-m', taskId: 'T-1', ticketId: 'T-1', member: 'coder-1' });
    server.store.codebase.updateTicket('T-1', { status: 'done', runId: 'run-m', assignee: 'coder-1', startedAt: 1_000, finishedAt: 31_000 }, now);
    server.store.codebase.updateTicket('T-2', { status: 'done', runId: 'run-m', assignee: 'coder-2', startedAt: 1_000, finishedAt: 11_000 }, now);
    server.store.codebase.updateTicket('T-3', { status: 'in-progress', runId: 'run-m', assignee: 'coder-1', startedAt: 1_000 }, now);
    server.store.codebase.updateTicket('T-4', { status: 'waiting', runId: 'run-m', assignee: 'coder-2', startedAt: 1_000 }, now);
    server.store.codebase.addReview({ ticketId: 'T-1', runId: 'run-m', branch: 'b1', worktree: '/w1', baseCommit: 'a', headCommit: 'b', conflicts: [{ against: 'main', clean: false, files: ['x'] }] }, now);
    server.store.codebase.addReview({ ticketId: 'T-2', runId: 'run-m', branch: 'b2', worktree: '/w2', baseCommit: 'a', headCommit: 'c', conflicts: [{ against: 'main', clean: true, files: [] }] }, now);
    server.store.codebase.addReview({ ticketId: 'T-3', runId: 'run-m', branch: 'b3', worktree: '/w3', baseCommit: 'a', headCommit: 'd' }, now);

    const text = await (await request('/metrics')).text();
    const sample = (line: string): number => {
      const match = new RegExp(`^${line.replace(/[{}"]/g, (character) => `\\${character}`)} (\\S+)$`, 'm').exec(text);
      expect(match, line).not.toBeNull();
      return Number(match![1]);
    };
    expect(sample('ensemble_tickets{status="done"}')).toBe(2);
    expect(sample('ensemble_tickets{status="in-progress"}')).toBe(1);
    expect(sample('ensemble_tickets{status="queued"}')).toBe(0);
    expect(sample('ensemble_ticket_completion_seconds')).toBe(20);
    expect(sample('ensemble_escalations{status="open"}')).toBe(1);
    expect(sample('ensemble_escalations{status="answered"}')).toBe(0);
    expect(sample('ensemble_escalation_rate')).toBe(0.25);
    expect(sample('ensemble_conflict_rate')).toBeCloseTo(1 / 3);
    // run-m runs (nothing judged its owner dead): coder-1 works T-3, coder-2 waits on T-4.
    expect(server.store.runStatus('run-m')).toBe('running');
    expect(sample('ensemble_agent_utilisation')).toBe(0.5);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createEnsembleServer, followRunEvents, readSseEvents, type EnsembleServer, type EnsembleServerOptions } from '../src/server/index.js';
import { openRunStore } from '../src/store/index.js';
import type { RunEvent } from '../src/core/index.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { startCli } from './helpers/cli.js';

/** A chain of `length` simulated tasks: each starts when the one before it ends. */
function chainTasks(length: number): Record<string, unknown>[] {
  return Array.from({ length }, (_, index) => ({
    id: `step-${index + 1}`,
    agentName: 'code-reviewer',
    prompt: `step ${index + 1}`,
    ...(index === 0 ? {} : { dependencies: [`step-${index}`] }),
  }));
}

async function readAll(response: Response): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const message of readSseEvents(response.body!)) events.push(JSON.parse(message.data) as RunEvent);
  return events;
}

function expectWholeRun(events: readonly RunEvent[], journalCount: number): void {
  expect(events.map((event) => event.seq)).toEqual(Array.from({ length: journalCount }, (_, index) => index + 1));
  expect(events[0]!.type).toBe('workflow:start');
  expect(events.at(-1)!.type).toBe('workflow:complete');
}

describe('ensemble serve over loopback HTTP', () => {
  let temp: TempFolder;
  let server: EnsembleServer;
  let url: string;

  const start = async (options: EnsembleServerOptions = {}): Promise<void> => {
    server = createEnsembleServer({ port: 0, storePath: join(temp.folder, 'ensemble.db'), workspaceDir: temp.folder, env: {}, simulatedLatencyMs: 60, logger: { warn: () => {}, error: () => {} }, ...options });
    url = (await server.listen()).url;
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const journalCount = (runId: string): number => server.store.lastSeq(runId);

  beforeEach(() => {
    temp = createTempFolder('ensemble-serve-');
  });
  afterEach(async () => {
    await server?.close();
    temp.remove();
  });

  it('streams an execution as SSE frames whose id is the seq, from workflow:start to workflow:complete, then ends', async () => {
    await start();
    const response = await post('/api/workflows/execute', { workflowName: 'chain', tasks: chainTasks(3) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames: { id?: string; data: string }[] = [];
    for await (const message of readSseEvents(response.body!)) frames.push(message);
    const events = frames.map((frame) => JSON.parse(frame.data) as RunEvent);
    expect(frames.map((frame) => Number(frame.id))).toEqual(events.map((event) => event.seq));
    expectWholeRun(events, journalCount(events[0]!.runId));
    expect(events.filter((event) => event.type === 'task:complete')).toHaveLength(3);
  });

  it('answers 202 with the run id under Accept: application/json, and the run can be followed to its end', async () => {
    await start();
    const response = await post('/api/workflows/execute', { workflowId: 'code-review' }, { accept: 'application/json' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { runId: string; taskCount: number; events: string };
    expect(body.events).toBe(`/api/runs/${body.runId}/events`);
    const events: RunEvent[] = [];
    for await (const event of followRunEvents(url, body.runId)) events.push(event);
    expectWholeRun(events, journalCount(body.runId));
    const listed = (await (await fetch(`${url}/api/runs`)).json()) as { runs: { runId: string; status: string; successfulTasks: number; totalTasks: number }[] };
    expect(listed.runs[0]).toMatchObject({ runId: body.runId, status: 'succeeded', successfulTasks: body.taskCount, totalTasks: body.taskCount });
  });

  it('replays after Last-Event-ID (header or query) and refuses one that is not a seq', async () => {
    await start();
    const { runId } = (await (await post('/api/workflows/execute', { tasks: chainTasks(2) }, { accept: 'application/json' })).json()) as { runId: string };
    for await (const event of followRunEvents(url, runId)) void event;
    const total = journalCount(runId);
    const fromHeader = await readAll(await fetch(`${url}/api/runs/${runId}/events`, { headers: { 'last-event-id': '4' } }));
    expect(fromHeader.map((event) => event.seq)).toEqual(Array.from({ length: total - 4 }, (_, index) => index + 5));
    const fromQuery = await readAll(await fetch(`${url}/api/runs/${runId}/events?lastEventId=${total - 1}`));
    expect(fromQuery.map((event) => event.seq)).toEqual([total]);
    const bad = await fetch(`${url}/api/runs/${runId}/events`, { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error.message).toMatch(/^Last-Event-ID: /);
  });

  it('a follower that drops mid-run and reconnects with Last-Event-ID gets every event once, in order; the server lets go of the dropped one', async () => {
    await start();
    const { runId } = (await (await post('/api/workflows/execute', { tasks: chainTasks(8) }, { accept: 'application/json' })).json()) as { runId: string };
    const first: RunEvent[] = [];
    const controller = new AbortController();
    const response = await fetch(`${url}/api/runs/${runId}/events`, { signal: controller.signal });
    try {
      for await (const message of readSseEvents(response.body!)) {
        const event = JSON.parse(message.data) as RunEvent;
        first.push(event);
        if (event.type === 'task:complete' && event.taskId === 'step-2') break;
      }
    } finally {
      controller.abort();
    }
    expect(server.store.runStatus(runId)).toBe('running');
    await expect.poll(async () => ((await (await fetch(`${url}/healthz`)).json()) as { followers: number }).followers, { timeout: 5_000 }).toBe(0);
    const rest: RunEvent[] = [];
    for await (const event of followRunEvents(url, runId, { lastEventId: first.at(-1)!.seq })) rest.push(event);
    expectWholeRun([...first, ...rest], journalCount(runId));
  });

  it('a client that leaves its execute stream does not stop the run, which can be followed again from the start', async () => {
    await start();
    const controller = new AbortController();
    const response = await fetch(`${url}/api/workflows/execute`, { method: 'POST', body: JSON.stringify({ tasks: chainTasks(5) }), signal: controller.signal });
    let runId = '';
    for await (const message of readSseEvents(response.body!)) {
      runId = (JSON.parse(message.data) as RunEvent).runId;
      break;
    }
    controller.abort();
    const replayed: RunEvent[] = [];
    for await (const event of followRunEvents(url, runId)) replayed.push(event);
    expectWholeRun(replayed, journalCount(runId));
    expect(server.store.runStatus(runId)).toBe('succeeded');
  });

  it('refuses bad bodies with 400 naming the field, and starts nothing', async () => {
    await start();
    const cases: { body: unknown; code: string; message: RegExp }[] = [
      { body: { workflowId: 'code-review', config: { maxParallelAgents: 0 } }, code: 'INVALID_INPUT', message: /config\.maxParallelAgents/ },
      { body: { workflowId: 'code-review', colour: 'red' }, code: 'INVALID_INPUT', message: /unknown field "colour"/ },
      { body: {}, code: 'INVALID_INPUT', message: /workflowId: give a workflowId/ },
      { body: '{"tasks": [', code: 'INVALID_INPUT', message: /not valid JSON/ },
      { body: '', code: 'INVALID_INPUT', message: /body is empty/ },
      { body: { workflowId: 'code-reveiw' }, code: 'UNKNOWN_WORKFLOW', message: /did you mean "code-review"/ },
      // A workflow file on the server's disk is never read: only template ids are workflowIds here.
      { body: { workflowId: '../../../etc/passwd.yaml' }, code: 'UNKNOWN_WORKFLOW', message: /unknown template "\.\.\/\.\.\/\.\.\/etc\/passwd\.yaml"/ },
      { body: { workflowId: 'fullstack-dev' }, code: 'INVALID_INPUT', message: /parameters\.projectType: required/ },
      { body: { tasks: [{ id: 'a', agentName: 'no-such-agent', prompt: 'x' }] }, code: 'UNKNOWN_AGENT', message: /tasks\[0\]\.agentName/ },
      { body: { tasks: [{ id: 'a', agentName: 'code-reviewer', prompt: 'x', dependencies: ['b'] }, { id: 'b', agentName: 'code-reviewer', prompt: 'y', dependencies: ['a'] }] }, code: 'GRAPH_CYCLE', message: /a/ },
      { body: { tasks: [{ id: 'a', agentName: 'code-reviewer', prompt: 'x', priority: 11 }] }, code: 'INVALID_WORKFLOW', message: /tasks\[0\]\.priority/ },
    ];
    for (const { body, code, message } of cases) {
      const response = await post('/api/workflows/execute', body);
      const answer = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(answer.error.code, JSON.stringify(body)).toBe(code);
      expect(answer.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect(server.store.listRuns()).toEqual([]);
  });

  it('answers unknown routes 404, wrong methods 405 with Allow, oversized bodies 413, unknown runs and agents 404, all as {error: {code, message}}', async () => {
    await start({ bodyLimitBytes: 4096 });
    const notFound = await fetch(`${url}/api/nothing`);
    expect([notFound.status, ((await notFound.json()) as { error: { code: string } }).error.code]).toEqual([404, 'NOT_FOUND']);
    const wrongMethod = await fetch(`${url}/api/workflows/execute`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    const huge = await post('/api/workflows/execute', { tasks: [{ id: 'a', agentName: 'code-reviewer', prompt: 'x'.repeat(10_000) }] });
    expect([huge.status, ((await huge.json()) as { error: { code: string } }).error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    for (const path of ['/api/runs/run-nope', '/api/runs/run-nope/events', '/api/agents/no-such-agent']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code, path).toMatch(/^UNKNOWN_(RUN|AGENT)$/);
    }
    expect(server.store.listRuns()).toEqual([]);
  });

  it('with a token, every /api call and /metrics needs it (EventSource may send it as ?token=), while /healthz stays open', async () => {
    const token = 'a-long-enough-test-token-123';
    await start({ token });
    expect((await fetch(`${url}/api/runs`)).status).toBe(401);
    expect((await fetch(`${url}/api/runs`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await post('/api/workflows/execute', { tasks: chainTasks(1) })).status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${url}/api/runs`, { headers: auth })).status).toBe(200);
    const { runId } = (await (await post('/api/workflows/execute', { tasks: chainTasks(1) }, { ...auth, accept: 'application/json' })).json()) as { runId: string };
    const viaQuery = await readAll(await fetch(`${url}/api/runs/${runId}/events?token=${token}`));
    expect(viaQuery.at(-1)!.type).toBe('workflow:complete');
    // A token in the query of a POST does not count: only EventSource (GET) needs that way in.
    expect((await post(`/api/runs/${runId}/cancel?token=${token}`, {})).status).toBe(401);
  });

  it('refuses to bind beyond loopback without a token, and refuses a short token', () => {
    const storePath = join(temp.folder, 'refused.db');
    expect(() => createEnsembleServer({ host: '0.0.0.0', storePath, env: {} })).toThrow(/refusing to listen on 0\.0\.0\.0 without a token/);
    expect(() => createEnsembleServer({ host: '127.0.0.1', token: 'short', storePath, env: {} })).toThrow(/at least 16 characters/);
    expect(() => createEnsembleServer({ host: '::', storePath, env: { ENSEMBLE_TOKEN: 'x'.repeat(32) } }).close()).not.toThrow();
  });

  it('limits how many runs one client starts per minute: 429 RATE_LIMITED with Retry-After', async () => {
    await start({ rateLimitPerMinute: 2 });
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) statuses.push((await post('/api/workflows/execute', { tasks: chainTasks(1) }, { accept: 'application/json' })).status);
    expect(statuses).toEqual([202, 202, 429]);
    const limited = await post('/api/workflows/execute', { tasks: chainTasks(1) }, { accept: 'application/json' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });

  it('cancels a run it executes, then resumes it to success', async () => {
    await start({ simulatedLatencyMs: 150 });
    const { runId } = (await (await post('/api/workflows/execute', { tasks: chainTasks(6) }, { accept: 'application/json' })).json()) as { runId: string };
    const cancel = await post(`/api/runs/${runId}/cancel`, {});
    expect(cancel.status).toBe(202);
    await expect.poll(() => server.store.runStatus(runId), { timeout: 5_000 }).toBe('cancelled');
    const resume = await post(`/api/runs/${runId}/resume`, {});
    expect(resume.status).toBe(202);
    const events: RunEvent[] = [];
    for await (const event of followRunEvents(url, runId)) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });
    const again = await post(`/api/runs/${runId}/resume`, {});
    expect([again.status, ((await again.json()) as { error: { code: string } }).error.code]).toEqual([409, 'RUN_NOT_RESUMABLE']);
  });

  it('lists a run the CLI executes in another process on the same journal, and follows it live to its end', async () => {
    await start({ pollIntervalMs: 20 });
    const db = join(temp.folder, 'ensemble.db');
    const cli = startCli(['run', 'code-review', '--db', db, '--json'], { cwd: temp.folder, env: { ENSEMBLE_SIMULATED_LATENCY_MS: '250' } });
    try {
      const runId = await expect
        .poll(async () => ((await (await fetch(`${url}/api/runs`)).json()) as { runs: { runId: string; isLocal: boolean }[] }).runs[0], { timeout: 15_000 })
        .toMatchObject({ isLocal: false })
        .then(async () => ((await (await fetch(`${url}/api/runs`)).json()) as { runs: { runId: string }[] }).runs[0]!.runId);
      const events: RunEvent[] = [];
      for await (const event of followRunEvents(url, runId)) events.push(event);
      const store = openRunStore(db);
      try {
        expectWholeRun(events, store.lastSeq(runId));
      } finally {
        store.close();
      }
    } finally {
      cli.kill('SIGKILL');
    }
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { followRunEvents } from '../src/server/index.js';
import { openRunStore } from '../src/store/index.js';
import type { RunEvent } from '../src/core/index.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';

const chain = (length: number): Record<string, unknown>[] =>
  Array.from({ length }, (_, index) => ({ id: `step-${index + 1}`, agentName: 'code-reviewer', prompt: `step ${index + 1}`, ...(index === 0 ? {} : { dependencies: [`step-${index}`] }) }));

async function startRun(url: string, length: number): Promise<string> {
  const response = await fetch(`${url}/api/workflows/execute`, { method: 'POST', headers: { accept: 'application/json' }, body: JSON.stringify({ tasks: chain(length) }) });
  expect(response.status).toBe(202);
  return ((await response.json()) as { runId: string }).runId;
}

/**
 * Follows the run in the background: `seen` resolves once `predicate` saw an event; `ended` resolves
 * when the stream ends, with the error that ended it if any (a killed server drops the socket).
 */
function follow(url: string, runId: string, predicate: (event: RunEvent) => boolean): { readonly events: RunEvent[]; readonly seen: Promise<void>; readonly ended: Promise<unknown> } {
  const events: RunEvent[] = [];
  let markSeen: () => void = () => {};
  const seen = new Promise<void>((resolve) => (markSeen = resolve));
  const ended = (async () => {
    for await (const event of followRunEvents(url, runId, { maxReconnects: 0 })) {
      events.push(event);
      if (predicate(event)) markSeen();
    }
    return undefined;
  })().catch((error: unknown) => error);
  return { events, seen, ended };
}

describe('ensemble serve shutdown', () => {
  let temp: TempFolder;
  let db: string;
  const servers: ServeProcess[] = [];
  const serve = async (latencyMs: number): Promise<ServeProcess> => {
    const server = await startServeProcess({ cwd: temp.folder, dbPath: db, env: { ENSEMBLE_SIMULATED_LATENCY_MS: String(latencyMs) } });
    servers.push(server);
    return server;
  };

  beforeEach(() => {
    temp = createTempFolder('ensemble-shutdown-');
    db = join(temp.folder, 'ensemble.db');
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop('SIGKILL');
    temp.remove();
  });

  it('on SIGTERM journals a run in flight as interrupted, ends its streams, exits 0; the next start resumes it without re-running finished tasks', async () => {
    const first = await serve(300);
    const runId = await startRun(first.url, 6);
    const follower = follow(first.url, runId, (event) => event.type === 'task:complete' && event.taskId === 'step-2');
    await follower.seen;
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(await follower.ended).toBeUndefined();
    expect(follower.events.at(-1)).toMatchObject({ type: 'workflow:error', status: 'interrupted', error: { code: 'RUN_INTERRUPTED' } });
    const store = openRunStore(db);
    try {
      expect(store.runStatus(runId)).toBe('interrupted');
    } finally {
      store.close();
    }

    const second = await serve(20);
    await expect.poll(() => second.output(), { timeout: 10_000 }).toContain(`resumed run ${runId}`);
    const rest: RunEvent[] = [];
    for await (const event of followRunEvents(second.url, runId, { lastEventId: follower.events.at(-1)!.seq })) rest.push(event);
    expect(rest.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });
    const all = [...follower.events, ...rest];
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
    const starts = (taskId: string) => all.filter((event) => event.type === 'task:start' && event.taskId === taskId).length;
    expect([starts('step-1'), starts('step-2')]).toEqual([1, 1]);
    expect(starts('step-6')).toBe(1);
  });

  it('two servers starting at once on the journal: exactly one resumes the interrupted run, and no task runs twice', async () => {
    const first = await serve(300);
    const runId = await startRun(first.url, 5);
    const follower = follow(first.url, runId, (event) => event.type === 'task:complete' && event.taskId === 'step-1');
    await follower.seen;
    expect(await first.stop('SIGTERM')).toBe(0);
    await follower.ended;

    const [second, third] = await Promise.all([serve(50), serve(50)]);
    await expect.poll(() => [second, third].filter((server) => server.output().includes(`resumed run ${runId}`)).length, { timeout: 15_000 }).toBe(1);
    const events: RunEvent[] = [];
    for await (const event of followRunEvents(second.url, runId)) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    for (let step = 1; step <= 5; step++) {
      const starts = events.filter((event) => event.type === 'task:start' && event.taskId === `step-${step}`).length;
      // step-1 finished before the shutdown; the others ran at most once before it and once after.
      expect(starts, `step-${step}`).toBeLessThanOrEqual(step === 1 ? 1 : 2);
    }
    expect(events.filter((event) => event.type === 'workflow:start')).toHaveLength(2);
  });

  it('after kill -9 the run is shown interrupted (not running forever), is not resumed on its own, and resumes on request', async () => {
    const first = await serve(300);
    const runId = await startRun(first.url, 4);
    const follower = follow(first.url, runId, (event) => event.type === 'task:complete' && event.taskId === 'step-1');
    await follower.seen;
    await first.stop('SIGKILL');
    expect(await follower.ended).toBeInstanceOf(Error);

    const second = await serve(20);
    await expect.poll(() => second.output(), { timeout: 10_000 }).toContain('dashboard http');
    expect(second.output()).not.toContain('resumed run');
    const listed = (await (await fetch(`${second.url}/api/runs`)).json()) as { runs: { runId: string; status: string }[] };
    expect(listed.runs.find((run) => run.runId === runId)?.status).toBe('interrupted');
    const resume = await fetch(`${second.url}/api/runs/${runId}/resume`, { method: 'POST' });
    expect(resume.status).toBe(202);
    const events: RunEvent[] = [];
    for await (const event of followRunEvents(second.url, runId)) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });
  });
});

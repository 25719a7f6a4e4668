import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createEnsembleServer, readSseEvents, type EnsembleServer } from '../src/server/index.js';
import type { RunEvent } from '../src/core/index.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';

describe('ensemble serve: workflows, agents, conversations, health and metrics', () => {
  let temp: TempFolder;
  let server: EnsembleServer;
  const request = (path: string, init: RequestInit = {}): Promise<Response> => Promise.resolve(server.app.request(path, init));
  const postJson = (path: string, body: unknown, accept = 'application/json'): Promise<Response> =>
    request(path, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
  const settle = async (runId: string): Promise<void> => {
    for (let waited = 0; server.store.runStatus(runId) === 'running' && waited < 15_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  beforeEach(() => {
    temp = createTempFolder('ensemble-api-');
    server = createEnsembleServer({ port: 0, storePath: join(temp.folder, 'ensemble.db'), workspaceDir: temp.folder, env: {}, simulatedLatencyMs: 5, logger: { warn: () => {}, error: () => {} } });
  });
  afterEach(async () => {
    await server.close();
    temp.remove();
  });

  it('lists the templates with their parameters, filtered by category and tags', async () => {
    const all = (await (await request('/api/workflows/list')).json()) as { workflows: { id: string; parameters: Record<string, { type: string; required?: boolean }> }[] };
    expect(all.workflows.map((workflow) => workflow.id)).toContain('code-review-swarm');
    expect(all.workflows.find((workflow) => workflow.id === 'fullstack-dev')?.parameters['projectType']).toMatchObject({ type: 'string', required: true });
    const security = (await (await request('/api/workflows/list?category=security')).json()) as { workflows: { category: string }[] };
    expect(security.workflows.length).toBeGreaterThan(0);
    expect(security.workflows.every((workflow) => workflow.category === 'security')).toBe(true);
    const bad = await request('/api/workflows/list?colour=red');
    expect([bad.status, ((await bad.json()) as { error: { message: string } }).error.message]).toEqual([400, 'query: unknown field "colour"']);
  });

  it('lists agents by category and shows one with its prompt, never its environment', async () => {
    const listed = (await (await request('/api/agents?category=security')).json()) as { agents: { name: string; category: string }[] };
    expect(listed.agents.length).toBeGreaterThan(0);
    expect(listed.agents.every((agent) => agent.category === 'security')).toBe(true);
    const shown = (await (await request('/api/agents/code-reviewer')).json()) as { agent: Record<string, unknown> };
    expect(shown.agent).toMatchObject({ name: 'code-reviewer', runtime: 'llm' });
    expect(typeof shown.agent['prompt']).toBe('string');
    expect(shown.agent).not.toHaveProperty('env');
    const unknown = await request('/api/agents/code-reviewr');
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/did you mean "code-reviewer"/);
  });

  it('chats with an agent (simulated, and saying so) and refuses an empty message naming the field', async () => {
    const reply = (await (await postJson('/api/agents/code-reviewer/chat', { message: 'What do you check first?' })).json()) as { reply: string; simulated: boolean; runId: string };
    expect(reply.simulated).toBe(true);
    expect(reply.reply.toLowerCase()).toContain('simulated');
    expect(server.store.getRun(reply.runId)?.status).toBe('succeeded');
    const empty = await postJson('/api/agents/code-reviewer/chat', { message: '' });
    expect([empty.status, ((await empty.json()) as { error: { message: string } }).error.message]).toEqual([400, 'message: the message is empty']);
  });

  it('runs a consultation as an event stream, and a meeting that answers 202 with its run id', async () => {
    const consultation = await postJson('/api/consultations', { question: 'Monolith or services?', agents: ['backend-architect', 'security-auditor'] }, 'text/event-stream');
    expect(consultation.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: RunEvent[] = [];
    for await (const message of readSseEvents(consultation.body!)) events.push(JSON.parse(message.data) as RunEvent);
    expect(events[0]!.type).toBe('workflow:start');
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });

    const meeting = await postJson('/api/meetings', { type: 'standup', title: 'Daily', topics: ['blockers'], agents: ['backend-architect', 'frontend-developer'] });
    expect(meeting.status).toBe(202);
    const { runId } = (await meeting.json()) as { runId: string };
    await settle(runId);
    expect(server.store.runStatus(runId)).toBe('succeeded');
    const badMeeting = await postJson('/api/meetings', { type: 'standup', title: 'Daily', topics: [] });
    expect([badMeeting.status, ((await badMeeting.json()) as { error: { message: string } }).error.message]).toEqual([400, 'topics: must name at least one topic']);
    const unknownAgent = await postJson('/api/consultations', { question: 'q', agents: ['nobody-here'] });
    expect([unknownAgent.status, ((await unknownAgent.json()) as { error: { code: string } }).error.code]).toEqual([400, 'UNKNOWN_AGENT']);
  });

  it('reports health, and metrics of the runs it executed in the Prometheus text format', async () => {
    const health = (await (await request('/healthz')).json()) as { status: string; runs: { running: number } };
    expect(health).toMatchObject({ status: 'ok', runs: { running: 0 } });
    const { runId } = (await (await postJson('/api/workflows/execute', { workflowId: 'code-review' })).json()) as { runId: string };
    await settle(runId);
    const metrics = await request('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^ensemble_runs\{status="succeeded"\} 1$/m);
    expect(text).toMatch(/^ensemble_task_duration_seconds_count\{agent="code-reviewer"\} [1-9]/m);
  });
});

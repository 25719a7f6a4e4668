import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEnsembleServer, type EnsembleServer } from '../src/server/index.js';
import { gitIn, makeTicketRepository } from './helpers/git-ticket-repo.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { writeTicketTeam } from './helpers/ticket-team.js';

describe('ensemble serve: POST /api/tickets/run', () => {
  let temp: TempFolder;
  let repo: string;
  let server: EnsembleServer;
  const post = (path: string, body: unknown): Promise<Response> =>
    Promise.resolve(server.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }));

  beforeEach(() => {
    temp = createTempFolder('ensemble-tickets-api-');
    repo = makeTicketRepository(join(temp.folder, 'repo'), { 'src/a.ts': 'export const a = 1;\n' });
    const agentsDir = writeTicketTeam(temp.folder);
    server = createEnsembleServer({ port: 0, storePath: join(temp.folder, 'data', 'ensemble.db'), workspaceDir: repo, agentDirs: [agentsDir], env: {}, logger: { warn: () => {}, error: () => {} } });
  });
  afterEach(async () => {
    await server.close();
    temp.remove();
  });

  it('starts a ticket run on the workspace (202 with Accept: application/json) that works the queued tickets to a commit', async () => {
    const added = await post('/api/tickets', { title: 'Touch a', files: ['src/a.ts'] });
    expect(added.status).toBe(201);
    const response = await post('/api/tickets/run', { mode: 'locks', agents: 'editor:2' });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    for (let step = 0; step < 300 && server.store.runStatus(runId) === 'running'; step++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.store.runStatus(runId)).toBe('succeeded');
    expect(server.store.codebase.getTicket('T-1')).toMatchObject({ status: 'done', runId, assignee: 'editor-1' });
    expect(readFileSync(join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n// T-1\n');
    expect(gitIn(repo, 'log', '-1', '--format=%s')).toBe('T-1: Touch a (editor-1)');
  });

  it('refuses a bad body naming the field, and a run with nothing queued, before anything starts', async () => {
    const badMode = await post('/api/tickets/run', { mode: 'nope', agents: 'editor' });
    expect(badMode.status).toBe(400);
    expect(((await badMode.json()) as { error: { message: string } }).error.message).toMatch(/mode/);
    const badTeam = await post('/api/tickets/run', { agents: 'editor:0' });
    expect(badTeam.status).toBe(400);
    expect(((await badTeam.json()) as { error: { message: string } }).error.message).toMatch(/^agents: "editor:0"/);
    const empty = await post('/api/tickets/run', { agents: 'editor' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/nothing to run: no ticket is queued/);
    expect(server.store.listRuns()).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/core/index.js';
import { prepareTicketRun } from '../src/orchestrator/index.js';
import { openRunStore, type RunStore } from '../src/store/index.js';
import { gitIn, makeTicketRepository } from './helpers/git-ticket-repo.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { writeTicketTeam } from './helpers/ticket-team.js';
import { ticketOverlapMeter } from './helpers/tickets-llm-team.js';

let temp: TempFolder;
let repo: string;
let agentsDir: string;
let storePath: string;
let store: RunStore;

beforeEach(() => {
  temp = createTempFolder('ensemble-tickets-');
  repo = makeTicketRepository(join(temp.folder, 'repo'), { 'src/shared.ts': 'export const shared = 1;\n', 'src/other.ts': 'export const other = 2;\n', 'README.md': '# demo\n' });
  agentsDir = writeTicketTeam(temp.folder);
  storePath = join(temp.folder, 'data', 'ensemble.db');
  store = openRunStore(storePath);
});

afterEach(() => {
  store.close();
  temp.remove();
});

const typesOf = (events: readonly RunEvent[], type: RunEvent['type']): RunEvent[] => events.filter((event) => event.type === type);

describe('tickets run: two agents, overlapping files', () => {
  it('locks: the overlapping tickets never run at once, the independent one runs beside them, each is committed and its leases released', async () => {
    const first = store.codebase.addTicket({ title: 'Edit shared A', files: ['src/shared.ts'], priority: 9 }, Date.now());
    const second = store.codebase.addTicket({ title: 'Edit shared B', files: ['src/shared.ts'], priority: 8 }, Date.now());
    const third = store.codebase.addTicket({ title: 'Edit other', files: ['src/other.ts'], priority: 1 }, Date.now());
    const run = await prepareTicketRun({ storePath, workspaceDir: repo, agentDirs: [agentsDir] }, { mode: 'locks', team: [{ member: 'editor-1', agentName: 'editor' }, { member: 'editor-2', agentName: 'editor' }] });
    const events: RunEvent[] = [];
    const meter = ticketOverlapMeter([first.id, second.id]);
    run.orchestrator.on('*', (event: RunEvent) => {
      events.push(event);
      meter.onEvent(event);
    });
    const outcome = await run.start();
    expect(outcome.status).toBe('succeeded');
    expect(meter.max()).toBe(1);
    // The second waited for the first's leases, and said why.
    const deferred = typesOf(events, 'ticket:deferred').filter((event) => 'taskId' in event && event.taskId === second.id);
    expect(deferred.length).toBeGreaterThan(0);
    expect(JSON.stringify(deferred[0])).toMatch(/overlap 1\/1 files with T-1/);
    const assigned = typesOf(events, 'ticket:assigned');
    expect(assigned.map((event) => ('taskId' in event ? event.taskId : ''))).toEqual([first.id, third.id, second.id]);
    expect(JSON.stringify(assigned[0])).toMatch(/dependencies done; overlap 0\/1 files; priority 9; editor-1 least loaded/);
    expect(readFileSync(join(repo, 'src/shared.ts'), 'utf8')).toBe('export const shared = 1;\n// T-1\n// T-2\n');
    const subjects = gitIn(repo, 'log', '--format=%s', 'main').split('\n');
    for (const title of ['T-1: Edit shared A', 'T-2: Edit shared B', 'T-3: Edit other']) expect(subjects.some((subject) => subject.startsWith(title))).toBe(true);
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
    expect(store.codebase.listLeases(Date.now())).toEqual([]);
    expect(typesOf(events, 'lease:released').map((event) => ('reason' in event ? event.reason : ''))).toEqual(['commit', 'commit', 'commit']);
    expect(store.codebase.listTickets().map((ticket) => ticket.status)).toEqual(['done', 'done', 'done']);
    // All of it is in the journal after the process is gone.
    const journal = store.readEvents(outcome.runId);
    expect(journal.filter((event) => event.type === 'ticket:committed')).toHaveLength(3);
  });

  it('queue: one ticket at a time, in priority order', async () => {
    store.codebase.addTicket({ title: 'low', files: ['src/other.ts'], priority: 2 }, Date.now());
    store.codebase.addTicket({ title: 'high', files: ['src/shared.ts'], priority: 9 }, Date.now());
    const run = await prepareTicketRun({ storePath, workspaceDir: repo, agentDirs: [agentsDir] }, { mode: 'queue', team: [{ member: 'editor-1', agentName: 'editor' }, { member: 'editor-2', agentName: 'editor' }] });
    const meter = ticketOverlapMeter(['T-1', 'T-2']);
    const events: RunEvent[] = [];
    run.orchestrator.on('*', (event: RunEvent) => {
      events.push(event);
      meter.onEvent(event);
    });
    const outcome = await run.start();
    expect(outcome.status).toBe('succeeded');
    expect(meter.max()).toBe(1);
    expect(typesOf(events, 'task:start').map((event) => ('taskId' in event ? event.taskId : ''))).toEqual(['T-2', 'T-1']);
    expect(gitIn(repo, 'log', '--format=%s', '-2', 'main').split('\n').map((line) => line.slice(0, 3))).toEqual(['T-1', 'T-2']);
  });

  it('branches: both overlapping tickets run at once in their own worktrees, the conflict is predicted before review, approving one merges it', async () => {
    store.codebase.addTicket({ title: 'Rename shared A', files: ['src/shared.ts'] }, Date.now());
    store.codebase.addTicket({ title: 'Rename shared B', files: ['src/shared.ts'] }, Date.now());
    const run = await prepareTicketRun(
      { storePath, workspaceDir: repo, agentDirs: [agentsDir] },
      { mode: 'branches', team: [{ member: 'conflicter-1', agentName: 'conflicter' }, { member: 'conflicter-2', agentName: 'conflicter' }] },
    );
    const meter = ticketOverlapMeter(['T-1', 'T-2']);
    run.orchestrator.on('*', (event: RunEvent) => meter.onEvent(event));
    const outcome = await run.start();
    expect(outcome.status).toBe('succeeded');
    expect(meter.max()).toBe(2);
    // The workspace is untouched: each worked on its own branch.
    expect(readFileSync(join(repo, 'src/shared.ts'), 'utf8')).toBe('export const shared = 1;\n');
    const reviews = store.codebase.listReviews({ status: 'open' });
    expect(reviews.map((review) => review.branch).sort()).toEqual(['ensemble/T-1', 'ensemble/T-2']);
    // The review queued second was predicted to conflict with the first one's branch before anyone decided.
    const [earlier, later] = reviews;
    expect(later!.conflicts).toEqual(expect.arrayContaining([{ against: 'main', clean: true, files: [] }, { against: earlier!.branch, clean: false, files: ['src/shared.ts'] }]));
    expect(store.codebase.listTickets().map((ticket) => ticket.status)).toEqual(['review', 'review']);
  });
});

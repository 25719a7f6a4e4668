import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunOutcome } from '../src/core/index.js';
import { TmuxTeam } from '../src/codebase/index.js';
import { prepareTicketRun } from '../src/orchestrator/index.js';
import { openRunStore, type RunStore } from '../src/store/index.js';
import { gitIn, makeTicketRepository } from './helpers/git-ticket-repo.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { eventsOf } from './helpers/tickets-llm-team.js';
import { writeTmuxFakeCliAgent } from './helpers/tickets-llm-tmux-cli.js';
import { buildWindowRunner, createTmuxSandbox, waitUntil, type TmuxSandbox } from './helpers/tmux-sandbox.js';

// Issue 10, test item 7: a `locks` ticket run in tmux mode. `cli` agents (a fake coding CLI) run in
// the windows of a private tmux server's team session; the cadence checks in on them and commits
// their work in progress; a person can type into a window.

/** Every test is bounded: a run that never ends fails here instead of holding the suite. */
const TEST_TIMEOUT_MS = 90_000;
const WAIT_MS = 30_000;

let runnerFolder: TempFolder;
let runnerPath: string;
let temp: TempFolder;
let sandbox: TmuxSandbox;
let repo: string;
let agentsDir: string;
let storePath: string;
let store: RunStore;

beforeAll(() => {
  runnerFolder = createTempFolder('ensemble-tickets-tmux-runner-');
  runnerPath = buildWindowRunner(runnerFolder.folder);
});
afterAll(() => runnerFolder.remove());

beforeEach(() => {
  sandbox = createTmuxSandbox({ runnerPath });
  temp = createTempFolder('ensemble-tickets-tmux-');
  repo = makeTicketRepository(join(temp.folder, 'repo'), { 'src/a.ts': 'export const a = 1;\n', 'src/b.ts': 'export const b = 2;\n' });
  agentsDir = writeTmuxFakeCliAgent(temp.folder);
  storePath = join(temp.folder, 'data', 'ensemble.db');
  store = openRunStore(storePath);
});

afterEach(() => {
  store.close();
  sandbox.remove();
  temp.remove();
});

const never = new AbortController().signal;

describe('tickets run in tmux (locks)', () => {
  it('runs each member in a window of the team session; check-ins, work-in-progress commits and typed input reach a long-running CLI', { timeout: TEST_TIMEOUT_MS }, async () => {
    store.codebase.addTicket({ title: 'Slow change (interactive)', files: ['src/a.ts'], priority: 9 }, Date.now());
    store.codebase.addTicket({ title: 'Quick change', files: ['src/b.ts'], priority: 8 }, Date.now());
    const run = await prepareTicketRun(
      { storePath, workspaceDir: repo, agentDirs: [agentsDir], tmux: { socketName: sandbox.socketName, tmuxTmpDir: sandbox.tmuxTmpDir, runnerPath } },
      {
        mode: 'locks',
        tmux: true,
        checkInMs: 1_000,
        commitEveryMs: 1_000,
        team: [
          { member: 'cli-1', agentName: 'fake-cli' },
          { member: 'cli-2', agentName: 'fake-cli' },
        ],
      },
    );
    const events: RunEvent[] = [];
    run.orchestrator.on('*', (event: RunEvent) => void events.push(event));
    // The team's session on the private server, as `ensemble attach` finds it.
    const team = new TmuxTeam({ team: 'repo', socketName: sandbox.socketName, tmuxTmpDir: sandbox.tmuxTmpDir, runnerPath });
    const running = run.start();
    let outcome: RunOutcome | undefined;
    let slowMember = '';
    try {
      slowMember = await waitUntil(async () => eventsOf(events, 'ticket:assigned').find((event) => event.ticketId === 'T-1')?.member, 'T-1 assigned', WAIT_MS);
      // The cadence journals what the member's window shows while it works.
      const checkIn = await waitUntil(
        async () => eventsOf(events, 'ticket:checkin').find((event) => event.ticketId === 'T-1' && event.pane.includes('fake-cli: waiting for input')),
        'a check-in showing the waiting CLI',
        WAIT_MS,
      );
      expect(checkIn).toMatchObject({ taskId: 'T-1', member: slowMember, pane: expect.stringContaining('fake-cli: working on T-1 (src/a.ts)') });
      // And commits its work so far, before the CLI ends.
      const wip = await waitUntil(async () => eventsOf(events, 'ticket:committed').find((event) => event.ticketId === 'T-1'), 'a work-in-progress commit', WAIT_MS);
      expect(gitIn(repo, 'log', '-1', '--format=%s', wip.commit)).toBe(`T-1: work in progress (${slowMember})`);
      expect(wip.files).toEqual(['src/a.ts']);
      expect(gitIn(repo, 'show', `${wip.commit}:src/a.ts`)).toBe('export const a = 1;\n// T-1 started');
      expect(await team.capturePane(slowMember, { signal: never })).toContain('fake-cli: working on T-1 (src/a.ts)');
      // A person types into the window; the CLI reads it from its terminal.
      await team.sendKeys(slowMember, ['go on'], { literal: true, signal: never });
      await team.sendKeys(slowMember, ['Enter'], { signal: never });
      const screen = await waitUntil(
        async () => {
          const text = await team.capturePane(slowMember, { signal: never });
          return text.includes('fake-cli: got GO ON') ? text : undefined;
        },
        'the CLI answering the typed line',
        WAIT_MS,
      );
      expect(screen).toContain('fake-cli: done with T-1');
      outcome = await running;
    } finally {
      if (outcome === undefined) {
        run.orchestrator.cancel('test: failed before the run ended');
        await running.catch(() => undefined);
      }
    }
    expect(outcome.status).toBe('succeeded');
    // One session for the team, a window per member (beside the banner).
    expect(sandbox.tmux('list-sessions', '-F', '#{session_name}').stdout.trim().split('\n')).toEqual(['ensemble-repo']);
    const windows = sandbox.tmux('list-windows', '-t', '=ensemble-repo', '-F', '#{window_name}').stdout.trim().split('\n');
    expect(windows.sort()).toEqual(['cli-1', 'cli-2', '~ensemble']);
    const quickMember = slowMember === 'cli-1' ? 'cli-2' : 'cli-1';
    expect(eventsOf(events, 'ticket:assigned').find((event) => event.ticketId === 'T-2')?.member).toBe(quickMember);
    // The window stays on screen after the CLI ended.
    expect(await team.capturePane(quickMember, { signal: never })).toMatch(/fake-cli: working on T-2 \(src\/b\.ts\)[\s\S]*fake-cli: done with T-2/);
    // Both done and all of their work committed, T-1's first commit a work-in-progress one; each
    // ticket's last commit is its own titled one (empty when progress commits took the change).
    expect(store.codebase.listTickets().map((ticket) => ticket.status)).toEqual(['done', 'done']);
    expect(store.codebase.listLeases(Date.now())).toEqual([]);
    const t1Subjects = gitIn(repo, 'log', '--reverse', '--format=%s', 'main', '--', 'src/a.ts').split('\n');
    expect(t1Subjects[0]).toBe('initial');
    expect(t1Subjects[1]).toBe(`T-1: work in progress (${slowMember})`);
    expect(t1Subjects.slice(1).every((subject) => subject.startsWith('T-1: '))).toBe(true);
    expect(gitIn(repo, 'log', '-1', '--format=%s', '--grep=^T-2: ', 'main')).toBe(`T-2: Quick change (${quickMember})`);
    expect(gitIn(repo, 'log', '-1', '--format=%s', '--grep=^T-1: ', 'main')).toMatch(/^T-1: (?!work in progress)/);
    expect(readFileSync(join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n// T-1 started\n// T-1 go on\n');
    expect(readFileSync(join(repo, 'src/b.ts'), 'utf8')).toBe('export const b = 2;\n// T-2 started\n');
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
    // The check-ins are in the journal.
    const journaled = store.readEvents(outcome.runId).filter((event) => event.type === 'ticket:checkin');
    expect(journaled.some((event) => 'pane' in event && event.ticketId === 'T-1' && event.pane.includes('fake-cli: waiting for input'))).toBe(true);
  });

  it('a ticket whose whole change a work-in-progress commit took still ends with its own commit', { timeout: TEST_TIMEOUT_MS }, async () => {
    // The fake CLI ends only once the cadence committed all of its edit, as happens when the
    // cadence fires between an agent's last write and the ticket's commit.
    store.codebase.addTicket({ title: 'Change a (until-committed)', files: ['src/a.ts'] }, Date.now());
    const run = await prepareTicketRun(
      { storePath, workspaceDir: repo, agentDirs: [agentsDir], tmux: { socketName: sandbox.socketName, tmuxTmpDir: sandbox.tmuxTmpDir, runnerPath } },
      { mode: 'locks', tmux: true, commitEveryMs: 1_000, team: [{ member: 'cli-1', agentName: 'fake-cli' }] },
    );
    const outcome = await run.start();
    expect(outcome.status).toBe('succeeded');
    expect(store.codebase.getTicket('T-1')?.status).toBe('done');
    expect(readFileSync(join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n// T-1 started\n');
    const subjects = gitIn(repo, 'log', '--format=%s', 'main').split('\n');
    expect(subjects).toContain('T-1: work in progress (cli-1)');
    // The ticket's own commit (its title, its Ensemble-Ticket trailer) closes its history.
    expect(subjects[0]).toBe('T-1: Change a (until-committed) (cli-1)');
  });
});

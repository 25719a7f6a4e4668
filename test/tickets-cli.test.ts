import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/core/index.js';
import { openRunStore, type EscalationRecord, type LeaseRecord, type RunStore, type TicketRecord } from '../src/store/index.js';
import { isProcessGone, makeTempDir, parseNdjson, runCli } from './helpers/cli.js';
import { gitIn, makeTicketRepository } from './helpers/git-ticket-repo.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { writeTicketTeam } from './helpers/ticket-team.js';
import { cliJson, readEditorLog, startRunningCli, waitFor, waitForExit, writeHostileAgents, type RunningCli } from './helpers/tickets-hostile.js';

/** Each test starts the CLI several times (a second or more each on a loaded machine) and waits for agents. */
const SLOW_MS = 240_000;

const ORIGINAL = {
  'src/shared.ts': 'export const shared = 1;\n',
  'src/other.ts': 'export const other = 2;\n',
  'src/cache.ts': 'export const cache = {};\n',
  'src/unleased.ts': 'export const unleased = 3;\n',
  'src/a.ts': 'a\n',
  'src/b.ts': 'b\n',
  'src/c.ts': 'c\n',
  'src/d.ts': 'd\n',
  'README.md': '# demo\n',
};

let temp: TempFolder;
let repo: string;
let agentsDir: string;
let log: string;
let db: string;
/** CLI processes a test started and may leave running when it fails; killed after each test. */
let started: RunningCli[] = [];
/** Agent pids a test saw; killed (their groups) after each test if still there. */
let agentPids: number[] = [];

function setUp(): void {
  temp = createTempFolder('ensemble-tickets-cli-');
  repo = makeTicketRepository(join(temp.folder, 'repo'), ORIGINAL);
  agentsDir = writeTicketTeam(temp.folder);
  log = writeHostileAgents(temp.folder, agentsDir);
  db = join(temp.folder, 'data', 'journal.db');
  started = [];
  agentPids = [];
}

afterEach(async () => {
  for (const running of started) if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  for (const pid of agentPids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await Promise.all(started.map((running) => running.closed));
  temp.remove();
});

/** `ensemble <args> --db <db> --agents-dir <agents>` in the repository. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return runCli([...args, '--db', db, '--agents-dir', agentsDir], { cwd: repo, env });
}

function json<T>(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  return cliJson<T>([...args, '--agents-dir', agentsDir], { cwd: repo, db, env });
}

function start(args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const running = startRunningCli([...args, '--json', '--db', db, '--agents-dir', agentsDir], { cwd: repo, env });
  started.push(running);
  return running;
}

async function addTicket(title: string, flags: readonly string[]): Promise<string> {
  const added = await cli(['tickets', 'add', title, ...flags]);
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  return added.stdout.trim();
}

function withStore<T>(body: (store: RunStore) => T): T {
  const store = openRunStore(db);
  try {
    return body(store);
  } finally {
    store.close();
  }
}

const file = (path: string): string => readFileSync(join(repo, path), 'utf8');
const taskIdOf = (event: RunEvent | Record<string, unknown>): unknown => ('taskId' in event ? event.taskId : undefined);
const runIdOf = (running: RunningCli): string | undefined => {
  const first = running.events()[0];
  return typeof first?.runId === 'string' ? first.runId : undefined;
};
const describeRun = (running: RunningCli): string => `stdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`;

/** Waits until the run has an open escalation (from another process: `escalations --json`). */
async function waitForOpenEscalation(running: RunningCli): Promise<EscalationRecord> {
  return waitFor(() => `an open escalation\n${describeRun(running)}`, async () => {
    const exited = running.child.exitCode !== null;
    const { escalations } = await json<{ escalations: EscalationRecord[] }>(['escalations']);
    if (escalations[0] === undefined && exited) throw new Error(`the run ended (exit ${running.child.exitCode}) before escalating\n${describeRun(running)}`);
    return escalations[0];
  });
}

describe('tickets run through the real CLI: crash, resume, escalations, concurrency (hostile)', () => {
  it('kill -9 while two tickets hold leases: the leases stay, a second run cannot take them, the resume kills the orphans and finishes each ticket once', async () => {
    setUp();
    const first = await addTicket('Edit shared', ['--files', 'src/shared.ts', '--priority', '9']);
    const second = await addTicket('Edit other', ['--files', 'src/other.ts']);
    expect([first, second]).toEqual(['T-1', 'T-2']);
    // The agents wait 120 s before writing anything: the kill lands while they wait, and they are still waiting
    // when the resume starts (unless it kills them, they would write after it: the pids are checked below).
    const crashed = start(['tickets', 'run', '--mode', 'locks', '--agents', 'logged-editor:2'], { HOSTILE_LOG: log, HOSTILE_DELAY_MS: '120000' });
    const starts = await waitFor(() => `both agents started\n${describeRun(crashed)}`, () => {
      const entries = readEditorLog(log).filter((entry) => entry.kind === 'start');
      return entries.length >= 2 ? entries : undefined;
    });
    agentPids.push(...starts.map((entry) => entry.pid));
    const leasedBefore = await waitFor('both leases in `locks --json`', async () => {
      const { leases } = await json<{ leases: LeaseRecord[] }>(['locks']);
      return leases.length >= 2 ? leases : undefined;
    });
    const runId = runIdOf(crashed);
    expect(runId, describeRun(crashed)).toBeDefined();
    crashed.child.kill('SIGKILL');
    expect((await waitForExit(crashed)).signal).toBe('SIGKILL');

    // The crashed run's leases are still held (30 min TTL) and listed with their tickets.
    const { leases } = await json<{ leases: (LeaseRecord & { expiresInMs: number })[] }>(['locks']);
    expect(leases.map((lease) => [lease.pattern, lease.ticketId, lease.runId]).sort()).toEqual([
      ['src/other.ts', 'T-2', runId],
      ['src/shared.ts', 'T-1', runId],
    ]);
    expect(leases.map((lease) => lease.expiresAt).sort()).toEqual(leasedBefore.map((lease) => lease.expiresAt).sort());
    for (const lease of leases) expect(lease.expiresInMs).toBeGreaterThan(25 * 60_000);

    // A second run in another process finds nothing to run: both tickets are claimed by the crashed run.
    const intruder = await cli(['tickets', 'run', '--mode', 'locks', '--agents', 'logged-editor:2', '--json'], { HOSTILE_LOG: log, HOSTILE_DELAY_MS: '300' });
    expect(intruder.code, intruder.stdout + intruder.stderr).toBe(2);
    // --json: the error is a JSON line on stdout.
    expect(JSON.parse(intruder.stdout)).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^nothing to run: no ticket is queued/) } });
    expect(readEditorLog(log).filter((entry) => entry.kind === 'start')).toHaveLength(2);
    const tickets = await json<{ tickets: TicketRecord[] }>(['tickets', 'list']);
    expect(tickets.tickets.map((ticket) => [ticket.id, ticket.status, ticket.runId])).toEqual([
      ['T-1', 'in-progress', runId],
      ['T-2', 'in-progress', runId],
    ]);

    // The resume takes the run over: the orphaned agents (still waiting) are killed before the re-run.
    const resumed = await cli(['resume', runId!, '--json'], { HOSTILE_LOG: log, HOSTILE_DELAY_MS: '300' });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const resumeEvents = parseNdjson(resumed.stdout);
    expect(resumeEvents[0]).toMatchObject({ type: 'workflow:start', resumed: true });
    expect(resumeEvents.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });
    for (const entry of starts) expect(isProcessGone(entry.pid), `orphaned agent ${entry.pid} (${entry.ticket}) still runs after the resume`).toBe(true);

    // Each file was edited exactly once, by the re-run; the killed attempts wrote nothing.
    const entries = readEditorLog(log);
    const killedPids = new Set(starts.map((entry) => entry.pid));
    expect(entries.filter((entry) => entry.kind === 'edit' && killedPids.has(entry.pid))).toEqual([]);
    expect(entries.filter((entry) => entry.kind === 'edit').map((entry) => entry.ticket).sort()).toEqual(['T-1', 'T-2']);
    expect(file('src/shared.ts')).toBe(`${ORIGINAL['src/shared.ts']}// T-1\n`);
    expect(file('src/other.ts')).toBe(`${ORIGINAL['src/other.ts']}// T-2\n`);
    const subjects = gitIn(repo, 'log', '--format=%s', 'main').split('\n');
    expect(subjects.filter((subject) => subject.startsWith('T-1:'))).toHaveLength(1);
    expect(subjects.filter((subject) => subject.startsWith('T-2:'))).toHaveLength(1);
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');

    // Leases released, tickets done, both executions in the journal.
    expect((await json<{ leases: LeaseRecord[] }>(['locks'])).leases).toEqual([]);
    const done = await json<{ tickets: TicketRecord[] }>(['tickets', 'list']);
    expect(done.tickets.map((ticket) => ticket.status)).toEqual(['done', 'done']);
    withStore((store) => {
      const events = store.readEvents(runId!);
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
      expect(events.filter((event) => event.type === 'workflow:start').map((event) => ('resumed' in event ? event.resumed : undefined))).toEqual([false, true]);
      for (const ticketId of ['T-1', 'T-2']) {
        expect(events.filter((event) => event.type === 'task:start' && taskIdOf(event) === ticketId), ticketId).toHaveLength(2);
        expect(events.filter((event) => event.type === 'task:complete' && taskIdOf(event) === ticketId), ticketId).toHaveLength(1);
        expect(events.filter((event) => event.type === 'lease:acquired' && taskIdOf(event) === ticketId).length, ticketId).toBeGreaterThanOrEqual(1);
        expect(events.filter((event) => event.type === 'lease:released' && taskIdOf(event) === ticketId).map((event) => ('reason' in event ? event.reason : '')), ticketId).toEqual(['commit']);
      }
      expect(store.getRun(runId!)?.status).toBe('succeeded');
    });
  }, SLOW_MS);

  it('an escalation answered from another process: the waiting ticket resumes with the guidance and finishes', async () => {
    setUp();
    await addTicket('Add a cache', ['--files', 'src/cache.ts']);
    const running = start(['tickets', 'run', '--mode', 'locks', '--agents', 'asker']);
    const escalation = await waitForOpenEscalation(running);
    const runId = runIdOf(running);
    expect(escalation).toMatchObject({
      runId,
      taskId: 'T-1',
      ticketId: 'T-1',
      agentName: 'asker',
      triggerType: 'architecture',
      reason: 'Which database should the cache use?',
      options: ['Postgres', 'SQLite'],
      status: 'open',
      delivered: false,
    });
    expect(escalation.id).toMatch(/^E-/);
    const { ticket } = await json<{ ticket: TicketRecord }>(['tickets', 'show', 'T-1']);
    expect(ticket.status).toBe('waiting');

    const answered = await cli(['escalations', 'answer', escalation.id, 'SQLite'], { USER: 'ana' });
    expect(answered.stderr).toBe('');
    expect(answered.code).toBe(0);
    // The run is still running while its only task waits for a person (it must not exit, nor report itself interrupted).
    expect(answered.stdout, `the run process: exit ${running.child.exitCode}\n${describeRun(running)}`).toBe(`answered ${escalation.id}; run ${runId} picks it up\n`);

    const exit = await waitForExit(running);
    expect(exit.code, describeRun(running)).toBe(0);
    expect(file('src/cache.ts')).toBe(`${ORIGINAL['src/cache.ts']}// cache on SQLite\n`);
    const all = await json<{ escalations: EscalationRecord[] }>(['escalations', '--all']);
    expect(all.escalations).toHaveLength(1);
    expect(all.escalations[0]).toMatchObject({ id: escalation.id, status: 'answered', answer: 'SQLite', answeredBy: 'ana', delivered: true });
    expect((await json<{ escalations: EscalationRecord[] }>(['escalations'])).escalations).toEqual([]);
    expect((await json<{ ticket: TicketRecord }>(['tickets', 'show', 'T-1'])).ticket.status).toBe('done');
    expect((await json<{ leases: LeaseRecord[] }>(['locks'])).leases).toEqual([]);
    withStore((store) => {
      const types = store
        .readEvents(runId!)
        .filter((event) => taskIdOf(event) === 'T-1' && ['escalation:open', 'escalation:answered', 'task:complete'].includes(event.type))
        .map((event) => event.type);
      expect(types).toEqual(['escalation:open', 'escalation:answered', 'task:complete']);
      const answeredEvent = store.readEvents(runId!).find((event) => event.type === 'escalation:answered');
      expect(answeredEvent).toMatchObject({ escalationId: escalation.id, guidance: 'SQLite' });
    });
  }, SLOW_MS);

  it('an escalation nobody answers expires to its default, and the ticket finishes with it', async () => {
    setUp();
    await addTicket('Add a cache', ['--files', 'src/cache.ts']);
    const running = start(['tickets', 'run', '--mode', 'locks', '--agents', 'deadline-asker']);
    const exit = await waitForExit(running);
    expect(exit.code, describeRun(running)).toBe(0);
    const runId = runIdOf(running);
    expect(file('src/cache.ts')).toBe(`${ORIGINAL['src/cache.ts']}// cache on Postgres\n`);
    const all = await json<{ escalations: EscalationRecord[] }>(['escalations', '--all']);
    expect(all.escalations).toHaveLength(1);
    expect(all.escalations[0]).toMatchObject({ status: 'expired', defaultAction: 'Postgres', ticketId: 'T-1' });
    expect(all.escalations[0]!.deadlineAt! - all.escalations[0]!.openedAt).toBe(1_200);
    expect((await json<{ ticket: TicketRecord }>(['tickets', 'show', 'T-1'])).ticket.status).toBe('done');
    withStore((store) => {
      const events = store.readEvents(runId!).filter((event) => taskIdOf(event) === 'T-1');
      expect(events.filter((event) => event.type.startsWith('escalation:') || event.type === 'task:complete').map((event) => event.type)).toEqual(['escalation:open', 'escalation:expired', 'task:complete']);
      expect(events.find((event) => event.type === 'escalation:expired')).toMatchObject({ action: 'guidance', guidance: 'Postgres' });
    });
  }, SLOW_MS);

  it('an escalation outlives kill -9: answered while no process runs it, the resume delivers the answer and finishes', async () => {
    setUp();
    await addTicket('Add a cache', ['--files', 'src/cache.ts']);
    const running = start(['tickets', 'run', '--mode', 'locks', '--agents', 'asker']);
    const escalation = await waitForOpenEscalation(running);
    const runId = runIdOf(running)!;
    // (While the only task waits, the CLI may already have exited by itself: see the answered-while-running test.)
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await waitForExit(running);

    const answered = await cli(['escalations', 'answer', escalation.id, 'SQLite']);
    expect(answered.stderr).toBe('');
    expect(answered.code).toBe(0);
    expect(answered.stdout).toContain(`answered ${escalation.id}`);
    // Nobody runs it: the CLI says so and how to deliver the answer.
    expect(answered.stdout).toMatch(new RegExp(`run ${runId} is (interrupted|running)[^\\n]*\`ensemble resume ${runId}\` delivers it`));
    expect(answered.stdout).not.toContain('is running');
    withStore((store) => expect(store.codebase.getEscalation(escalation.id)).toMatchObject({ status: 'answered', answer: 'SQLite', delivered: false }));
    expect(file('src/cache.ts')).toBe(ORIGINAL['src/cache.ts']);

    const resumed = await cli(['resume', runId, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(parseNdjson(resumed.stdout).at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });
    expect(file('src/cache.ts')).toBe(`${ORIGINAL['src/cache.ts']}// cache on SQLite\n`);
    expect((await json<{ ticket: TicketRecord }>(['tickets', 'show', 'T-1'])).ticket.status).toBe('done');
    withStore((store) => {
      expect(store.codebase.getEscalation(escalation.id)).toMatchObject({ status: 'answered', answer: 'SQLite', delivered: true });
      const events = store.readEvents(runId);
      const types = events.filter((event) => event.type === 'workflow:start' || (taskIdOf(event) === 'T-1' && ['escalation:open', 'escalation:answered', 'task:complete'].includes(event.type))).map((event) => event.type);
      expect(types).toEqual(['workflow:start', 'escalation:open', 'workflow:start', 'escalation:answered', 'task:complete']);
      expect(events.filter((event) => event.type === 'escalation:answered')).toHaveLength(1);
    });
  }, SLOW_MS);

  it('two `tickets run` at once on the same queue: each ticket is worked exactly once, all are done, no line is doubled', async () => {
    setUp();
    const files = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts', 'src/shared.ts', 'src/other.ts'] as const;
    for (const [index, path] of files.entries()) await addTicket(`Edit ${path}`, ['--files', path, '--priority', String(9 - index)]);
    const env = { HOSTILE_LOG: log, HOSTILE_DELAY_MS: '400' };
    const one = start(['tickets', 'run', '--mode', 'locks', '--agents', 'logged-editor:2'], env);
    const two = start(['tickets', 'run', '--mode', 'locks', '--agents', 'logged-editor:2'], env);
    const [exitOne, exitTwo] = await Promise.all([waitForExit(one), waitForExit(two)]);
    const context = `run one (exit ${exitOne.code}):\n${describeRun(one)}\nrun two (exit ${exitTwo.code}):\n${describeRun(two)}`;

    const entries = readEditorLog(log);
    const startsPerTicket = new Map<string, number>();
    for (const entry of entries.filter((candidate) => candidate.kind === 'start')) startsPerTicket.set(entry.ticket, (startsPerTicket.get(entry.ticket) ?? 0) + 1);
    expect(Object.fromEntries(startsPerTicket), context).toEqual(Object.fromEntries(files.map((_, index) => [`T-${index + 1}`, 1])));
    for (const [index, path] of files.entries()) expect(file(path), `${path}\n${context}`).toBe(`${ORIGINAL[path]}// T-${index + 1}\n`);
    const tickets = await json<{ tickets: TicketRecord[] }>(['tickets', 'list']);
    expect(tickets.tickets.map((ticket) => [ticket.id, ticket.status]), context).toEqual(files.map((_, index) => [`T-${index + 1}`, 'done']));
    const subjects = gitIn(repo, 'log', '--format=%s', 'main').split('\n');
    for (const [index] of files.entries()) expect(subjects.filter((subject) => subject.startsWith(`T-${index + 1}:`)), context).toHaveLength(1);
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
    expect((await json<{ leases: LeaseRecord[] }>(['locks'])).leases).toEqual([]);
    // Whichever way the work split, the runs between them completed each ticket's task once.
    const completions = [...one.events(), ...two.events()].filter((event) => event.type === 'task:complete').map((event) => String(event.taskId));
    expect(completions.sort(), context).toEqual(files.map((_, index) => `T-${index + 1}`));
    // Tickets are claimed (compare-and-set) before a run starts: the runs split the queue, no task of
    // either fails, and a run that found every ticket claimed says so and exits 2 having run nothing.
    for (const running of [one, two]) expect(running.events().filter((event) => event.type === 'task:error'), context).toEqual([]);
    const exits = [exitOne.code, exitTwo.code].sort();
    expect(exits[0], context).toBe(0);
    expect([0, 2], context).toContain(exits[1]);
    for (const [running, exit] of [
      [one, exitOne],
      [two, exitTwo],
    ] as const) {
      if (exit.code === 2) expect(`${running.stdout()}${running.stderr()}`, context).toMatch(/nothing to run/);
    }
  }, SLOW_MS);

  it('rogue in locks mode: its write outside its lease is reverted and refused, and after max tries the ticket goes to the human queue as agent-failed', async () => {
    setUp();
    await addTicket('Edit shared', ['--files', 'src/shared.ts']);
    const running = start(['tickets', 'run', '--mode', 'locks', '--agents', 'rogue', '--max-tries', '2', '--backoff', '100ms']);
    const escalation = await waitForOpenEscalation(running);
    const runId = runIdOf(running)!;
    expect(escalation).toMatchObject({ ticketId: 'T-1', triggerType: 'agent-failed', agentName: 'rogue' });
    expect((await json<{ ticket: TicketRecord }>(['tickets', 'show', 'T-1'])).ticket.status).toBe('agent-failed');
    // The unleased file is as it was, and nothing of the ticket was committed.
    expect(file('src/unleased.ts')).toBe(ORIGINAL['src/unleased.ts']);
    expect(gitIn(repo, 'status', '--porcelain', '--', 'src/unleased.ts')).toBe('');
    expect(gitIn(repo, 'log', '--format=%s', 'main').split('\n').filter((subject) => subject.startsWith('T-1'))).toEqual([]);
    expect(gitIn(repo, 'log', '--format=%H', 'main', '--', 'src/unleased.ts').split('\n')).toHaveLength(1);

    // Ctrl-C ends the run; the escalation stays open for a person.
    running.child.kill('SIGINT');
    await waitForExit(running);
    withStore((store) => {
      const events = store.readEvents(runId).filter((event) => taskIdOf(event) === 'T-1');
      const refused = events.filter((event) => event.type === 'lease:refused');
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused[0]).toMatchObject({ ticketId: 'T-1', path: 'src/unleased.ts' });
      const failures = events.filter((event) => event.type === 'task:retry' || event.type === 'task:error' || event.type === 'escalation:open');
      expect(failures.map((event) => event.type)).toEqual(['task:retry', 'escalation:open']);
      expect(failures[0]).toMatchObject({ error: { code: 'LEASE_VIOLATION' } });
      expect(events.filter((event) => event.type === 'task:start')).toHaveLength(2);
      expect(store.codebase.getEscalation(escalation.id)?.status).toBe('open');
    });
  }, SLOW_MS);

  it('--follow keeps running after its tickets are done and takes a ticket added meanwhile', async () => {
    setUp();
    await addTicket('Edit a', ['--files', 'src/a.ts']);
    const env = { HOSTILE_LOG: log, HOSTILE_DELAY_MS: '300' };
    const running = start(['tickets', 'run', '--mode', 'locks', '--agents', 'logged-editor', '--follow'], env);
    await waitFor(() => `T-1 done\n${describeRun(running)}`, () => (running.events().some((event) => event.type === 'task:complete' && event.taskId === 'T-1') ? true : undefined));
    await addTicket('Edit b', ['--files', 'src/b.ts']);
    await waitFor(
      () => `T-2 done by the following run (exit ${running.child.exitCode})\n${describeRun(running)}`,
      () => (running.events().some((event) => event.type === 'task:complete' && event.taskId === 'T-2') ? true : undefined),
    );
    expect(running.child.exitCode).toBeNull();
    running.child.kill('SIGINT');
    await waitForExit(running);
    expect(file('src/b.ts')).toBe(`${ORIGINAL['src/b.ts']}// T-2\n`);
  }, SLOW_MS);

  it('--follow on an empty queue starts and waits for tickets instead of refusing to start', async () => {
    setUp();
    const env = { HOSTILE_LOG: log, HOSTILE_DELAY_MS: '300' };
    const idle = start(['tickets', 'run', '--mode', 'locks', '--agents', 'logged-editor', '--follow'], env);
    await waitFor(
      () => `the idle run's start\n${describeRun(idle)}`,
      () => (idle.events().some((event) => event.type === 'workflow:start' || 'error' in event) || idle.child.exitCode !== null ? true : undefined),
    );
    expect(idle.events().filter((event) => 'error' in event), describeRun(idle)).toEqual([]);
    expect(idle.child.exitCode, describeRun(idle)).toBeNull();
    idle.child.kill('SIGINT');
    await waitForExit(idle);
  }, SLOW_MS);

  it('refuses bad flags with exit 2 naming the flag, and a folder that is not a git repository with a clear message', async () => {
    setUp();
    await addTicket('Edit shared', ['--files', 'src/shared.ts']);
    const refused = [
      [['--mode', 'nope'], /--mode: "nope" is not one of queue, locks, branches/],
      [['--agents', 'x:0'], /--agents: "x:0" must be an agent name/],
      [['--lease-ttl', '5q'], /--lease-ttl: "5q" is not a duration/],
      [['--agents', 'nobody'], /--agents: unknown agent "nobody"/],
      [['--max-tries', '0'], /--max-tries/],
      [['--backoff', '1m,x'], /--backoff/],
    ] as const;
    for (const [flags, message] of refused) {
      const result = await cli(['tickets', 'run', ...flags]);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr, flags.join(' ')).toMatch(message);
      expect(result.stdout).toBe('');
    }
    const outside = makeTempDir('ensemble-not-git-');
    try {
      const result = await runCli(['tickets', 'run', '--agents', 'editor', '--db', db, '--agents-dir', agentsDir], { cwd: outside });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/is not a git work tree; tickets need a git repository/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    // Nothing ran: the ticket is still queued.
    expect((await json<{ ticket: TicketRecord }>(['tickets', 'show', 'T-1'])).ticket.status).toBe('queued');
  }, SLOW_MS);
});

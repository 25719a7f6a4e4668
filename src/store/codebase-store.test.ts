import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { runConfigSchema, taskSpecSchema, ZERO_USAGE, type RunEvent } from '../core/index.js';
import { openRunStore, SCHEMA_VERSION, type RunStore } from './index.js';
import { MIGRATIONS } from './migrate-schema.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

let store: RunStore;
let path: string;
let remove: (current?: RunStore) => void;

beforeEach(() => {
  const temp = openTempStore('ensemble-codebase-', openRunStore);
  store = temp.store;
  path = temp.path;
  remove = temp.remove;
  return () => remove(store);
});

const lease = { runId: 'r1', taskId: 't1', ttlMs: 1000 } as const;

describe('tickets', () => {
  it('claims a ticket for one run only; a run that ended without giving it back (cancelled while its process was gone) loses it', () => {
    const ticket = store.codebase.addTicket({ title: 'Add login' }, 1_000);
    const config = runConfigSchema.parse({});
    const createRun = (runId: string) => store.createRun({ runId, workflowName: 'tickets', spec: { tasks: [], config, parameters: {} }, owner: { pid: process.pid, host: 'h' }, createdAt: 1_000 });
    const first = createRun('run-a');
    expect(store.codebase.claimTicket(ticket.id, 'run-a', 2_000)?.runId).toBe('run-a');
    // run-a is running: nobody else gets it; run-a claiming again is a no-op.
    expect(store.codebase.claimTicket(ticket.id, 'run-b', 2_000)).toBeUndefined();
    expect(store.codebase.claimTicket(ticket.id, 'run-a', 2_000)?.runId).toBe('run-a');
    store.codebase.updateTicket(ticket.id, { status: 'in-progress', assignee: 'dev-1' }, 2_100);
    store.releaseClaim(first, 'interrupted');
    // Interrupted: resumable, so still its own.
    expect(store.codebase.claimTicket(ticket.id, 'run-b', 3_000)).toBeUndefined();
    // `ensemble cancel` of the interrupted run: taken over, then ended cancelled.
    store.releaseClaim(store.claimRun('run-a', { pid: process.pid, host: 'h' }), 'cancelled');
    expect(store.runStatus('run-a')).toBe('cancelled');
    expect(store.codebase.claimTicket(ticket.id, 'run-b', 4_000)).toMatchObject({ runId: 'run-b', status: 'queued' });
    expect(store.codebase.getTicket(ticket.id)?.assignee).toBeUndefined();
  });

  it('keeps a ticket claimed by a run not journaled yet for a minute (it claims just before it starts), then frees it', () => {
    const ticket = store.codebase.addTicket({ title: 'Add login' }, 1_000);
    expect(store.codebase.claimTicket(ticket.id, 'run-starting', 1_000)?.runId).toBe('run-starting');
    expect(store.codebase.claimTicket(ticket.id, 'run-other', 30_000)).toBeUndefined();
    expect(store.codebase.claimTicket(ticket.id, 'run-other', 62_000)?.runId).toBe('run-other');
  });

  it('numbers tickets T-1, T-2 … with defaults filled, and never reuses a number', () => {
    const first = store.codebase.addTicket({ title: 'Add login' }, 10);
    expect(first).toEqual({
      id: 'T-1',
      title: 'Add login',
      description: '',
      priority: 5,
      dependencies: [],
      files: [],
      labels: [],
      status: 'queued',
      attempts: 0,
      flags: [],
      createdAt: 10,
      updatedAt: 10,
    });
    const second = store.codebase.addTicket(
      { title: 'Tests', description: 'd', priority: 9, dependencies: ['T-1'], files: ['src/**'], labels: ['x'], capability: 'c', agent: 'coder', verify: ['npm', 'test'] },
      11,
    );
    expect(second).toMatchObject({ id: 'T-2', priority: 9, dependencies: ['T-1'], files: ['src/**'], labels: ['x'], capability: 'c', agent: 'coder', verify: ['npm', 'test'] });
    new Database(path).prepare('DELETE FROM tickets WHERE ticket_number = 2').run();
    expect(store.codebase.addTicket({ title: 'Third' }, 12).id).toBe('T-3');
    expect(store.codebase.getTicket('T-3')?.title).toBe('Third');
    expect(store.codebase.getTicket('T-2')).toBeUndefined();
    expect(store.codebase.getTicket('nonsense')).toBeUndefined();
  });

  it('refuses invalid input naming the field', () => {
    store.codebase.addTicket({ title: 'a' }, 1);
    const expectInvalid = (input: unknown, message: string | RegExp): void => {
      expect(() => store.codebase.addTicket(input as never, 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(message) }));
    };
    expectInvalid({ title: 'b', dependencies: ['T-9'] }, /^dependencies\[0\]: unknown ticket "T-9"$/);
    expectInvalid({ title: 'b', dependencies: ['T-1', 'x'] }, /^dependencies\[1\]: /);
    expectInvalid({ title: '' }, /^title: /);
    expectInvalid({ title: 'x'.repeat(201) }, /^title: /);
    expectInvalid({ title: 'b', priority: 11 }, /^priority: /);
    expectInvalid({ title: 'b', priority: 2.5 }, /^priority: /);
    expectInvalid({ title: 'b', files: [''] }, /^files\[0\]: /);
    expectInvalid({ title: 'b', labels: [''] }, /^labels\[0\]: /);
    expectInvalid({ title: 'b', verify: ['npm', ''] }, /^verify\[1\]: /);
    expectInvalid({ title: 'b', colour: 'red' }, /unknown field "colour"/);
    expect(store.codebase.listTickets()).toHaveLength(1);
  });

  it('lists by priority then age, filters by status, and updates with null clearing a field', () => {
    store.codebase.addTicket({ title: 'low', priority: 2 }, 1);
    store.codebase.addTicket({ title: 'high', priority: 8 }, 2);
    store.codebase.addTicket({ title: 'mid', priority: 5 }, 3);
    store.codebase.addTicket({ title: 'high too', priority: 8 }, 4);
    expect(store.codebase.listTickets().map((ticket) => ticket.id)).toEqual(['T-2', 'T-4', 'T-3', 'T-1']);
    expect(store.codebase.listTickets({ limit: 2 }).map((ticket) => ticket.id)).toEqual(['T-2', 'T-4']);

    const started = store.codebase.updateTicket('T-3', { status: 'in-progress', runId: 'r1', assignee: 'coder-1', attempts: 1, startedAt: 50, branch: 'ensemble/T-3' }, 50);
    expect(started).toMatchObject({ status: 'in-progress', runId: 'r1', assignee: 'coder-1', attempts: 1, startedAt: 50, branch: 'ensemble/T-3', updatedAt: 50, createdAt: 3 });
    const failed = store.codebase.updateTicket(
      'T-3',
      { status: 'failed', flags: ['complex', 'complex'], lastError: { code: 'VERIFICATION_FAILED', message: 'npm test failed', retryable: false }, assignee: null, finishedAt: 60 },
      60,
    );
    expect(failed).toMatchObject({ status: 'failed', flags: ['complex'], lastError: { code: 'VERIFICATION_FAILED' }, runId: 'r1', finishedAt: 60 });
    expect(failed.assignee).toBeUndefined();
    expect(store.codebase.listTickets({ status: 'failed' }).map((ticket) => ticket.id)).toEqual(['T-3']);
    expect(store.codebase.getTicket('T-3')).toEqual(failed);

    expect(() => store.codebase.updateTicket('T-9', { status: 'done' }, 1)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: 'unknown ticket "T-9"' }));
    expect(() => store.codebase.updateTicket('T-1', { status: 'finished' as never }, 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/^patch\.status: /) }));
  });
});

describe('leases', () => {
  it('refuses a pattern another owner holds (overlapping), grants disjoint ones, and refreshes the same owner', () => {
    const codebase = store.codebase;
    expect(codebase.acquireLeases({ ...lease, owner: 'r1:T-1', ticketId: 'T-1', member: 'coder-1', patterns: ['src/a/**', 'README.md'] }, 100)).toEqual({ ok: true, expiresAt: 1100 });
    const refused = codebase.acquireLeases({ ...lease, owner: 'r1:T-2', patterns: ['lib/**', 'src/a/b.ts'] }, 200);
    expect(refused).toEqual({
      ok: false,
      conflicts: [{ pattern: 'src/a/b.ts', holder: { pattern: 'src/a/**', owner: 'r1:T-1', runId: 'r1', taskId: 't1', ticketId: 'T-1', member: 'coder-1', acquiredAt: 100, expiresAt: 1100 } }],
    });
    // A refusal takes nothing, not even the free patterns of the request.
    expect(codebase.leasesOf('r1:T-2')).toEqual([]);
    expect(codebase.acquireLeases({ ...lease, owner: 'r1:T-2', patterns: ['lib/**', 'src/b.ts'] }, 200)).toEqual({ ok: true, expiresAt: 1200 });
    // The same owner re-acquiring refreshes the expiry and keeps the first acquisition time.
    expect(codebase.acquireLeases({ ...lease, owner: 'r1:T-1', patterns: ['src/a/**'] }, 500)).toEqual({ ok: true, expiresAt: 1500 });
    expect(codebase.leasesOf('r1:T-1').map(({ pattern, acquiredAt, expiresAt }) => ({ pattern, acquiredAt, expiresAt }))).toEqual([
      { pattern: 'README.md', acquiredAt: 100, expiresAt: 1100 },
      { pattern: 'src/a/**', acquiredAt: 100, expiresAt: 1500 },
    ]);
    expect(codebase.listLeases(600).map((held) => `${held.owner} ${held.pattern}`)).toEqual(['r1:T-1 README.md', 'r1:T-1 src/a/**', 'r1:T-2 lib/**', 'r1:T-2 src/b.ts']);
  });

  it('reclaims expired leases on acquire, lists them only on request, and renews and releases by owner', () => {
    const codebase = store.codebase;
    codebase.acquireLeases({ ...lease, owner: 'a', patterns: ['src/**'] }, 0);
    codebase.acquireLeases({ ...lease, owner: 'b', patterns: ['docs/**'] }, 0);
    expect(codebase.renewLeases('b', 5000, 900)).toBe(1);
    // At 1000 a's lease has expired (expires_at <= now): listed only with includeExpired, reclaimed by the next acquire.
    expect(codebase.listLeases(1000).map((held) => held.owner)).toEqual(['b']);
    expect(codebase.listLeases(1000, { includeExpired: true }).map((held) => held.owner)).toEqual(['a', 'b']);
    expect(codebase.acquireLeases({ ...lease, owner: 'c', patterns: ['docs/x.md'] }, 1000)).toMatchObject({ ok: false });
    expect(codebase.listLeases(1000, { includeExpired: true }).map((held) => held.owner)).toEqual(['b']);
    expect(codebase.acquireLeases({ ...lease, owner: 'c', patterns: ['src/a.ts'] }, 1000)).toEqual({ ok: true, expiresAt: 2000 });
    expect(codebase.releaseLeases('b').map((held) => held.pattern)).toEqual(['docs/**']);
    expect(codebase.releaseLeases('b')).toEqual([]);
    expect(codebase.renewLeases('b', 5000, 1000)).toBe(0);
    expect(codebase.acquireLeases({ ...lease, owner: 'c', patterns: ['docs/x.md'] }, 1001)).toMatchObject({ ok: true });
    expect(() => codebase.acquireLeases({ ...lease, owner: 'c', patterns: [] }, 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => codebase.acquireLeases({ ...lease, owner: 'c', patterns: ['a'], ttlMs: 0 }, 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('two stores on one file never both hold overlapping leases', () => {
    const other = openRunStore(path);
    try {
      const stores = [store, other];
      let granted = 0;
      // Bounded: 200 alternating rounds; each round both try the same folder, and the winner releases.
      for (let round = 0; round < 200; round++) {
        const results = stores.map((each, index) => each.codebase.acquireLeases({ ...lease, owner: `owner-${index}`, patterns: [round % 2 === 0 ? 'src/**' : `src/f${round}.ts`] }, round));
        expect(results.filter((result) => result.ok)).toHaveLength(1);
        granted += 1;
        const holders = new Set(other.codebase.listLeases(round).map((held) => held.owner));
        expect(holders.size).toBe(1);
        for (const owner of holders) store.codebase.releaseLeases(owner);
      }
      expect(granted).toBe(200);
    } finally {
      other.close();
    }
  });

  it('two processes racing for one folder never both hold it', async () => {
    const child = fileURLToPath(new URL('../../test/helpers/store-lease-race-child.ts', import.meta.url));
    const viteNode = fileURLToPath(new URL('../../node_modules/.bin/vite-node', import.meta.url));
    const folder = dirname(path);
    const racers = ['a', 'b'].map((owner) => {
      const racer = spawn(viteNode, [child], { env: { ...process.env, RACE_FOLDER: folder, RACE_OWNER: owner }, stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      racer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<string>((resolve, reject) => {
        racer.on('error', reject);
        racer.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`racer ${owner} exited with ${String(code)}`))));
      });
      return { racer, exited };
    });
    try {
      // Both are ready (database open) before either starts: bounded at 30 s.
      for (let waits = 0; waits < 300 && !['a', 'b'].every((owner) => existsSync(join(folder, `ready-${owner}`))); waits++) await delay(100);
      writeFileSync(join(folder, 'go'), '');
      const results = (await Promise.all(racers.map(({ exited }) => exited))).map((output) => JSON.parse(output) as { wins: number; violations: number });
      expect(results.map((result) => result.violations)).toEqual([0, 0]);
      // Someone won (under load one racer may finish all its rounds before the other starts: no fairness is promised).
      expect(results.some((result) => result.wins > 0)).toBe(true);
    } finally {
      for (const { racer } of racers) if (racer.exitCode === null) racer.kill();
    }
  }, 60_000);
});

describe('escalations', () => {
  /** Creates a run and journals workflow:start, then task:added and task:start (attempt 1) per task: seqs 1 … 1 + 2 × tasks. */
  function startRun(runId: string, taskIds: readonly string[]): { append: (...events: RunEvent[]) => void } {
    const config = runConfigSchema.parse({ maxParallelAgents: 2 });
    const tasks = taskIds.map((id) => taskSpecSchema.parse({ id, agentName: 'worker', prompt: 'p' }));
    store.createRun({ runId, workflowName: 'tickets', spec: { tasks, config, parameters: {} }, owner: { pid: 1, host: 'h' }, createdAt: 1 });
    const journal = store.journalFor(runId);
    let setupSeq = 0;
    const next = (type: string, payload: object): RunEvent => ({ type, runId, seq: ++setupSeq, at: 1000, ...payload }) as unknown as RunEvent;
    journal.append([
      next('workflow:start', { workflowName: 'tickets', taskCount: taskIds.length, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }),
      ...taskIds.map((taskId) => next('task:added', { taskId, agentName: 'worker', description: '', dependencies: [], priority: 5 })),
      ...taskIds.map((taskId) => next('task:start', { taskId, agentName: 'worker', description: '', attempt: 1 })),
    ]);
    return { append: (...batch) => journal.append(batch) };
  }

  let seq = 0;
  const event = (runId: string, type: string, at: number, payload: object): RunEvent => ({ type, runId, seq: ++seq, at, ...payload }) as unknown as RunEvent;
  const open = (runId: string, taskId: string, at: number, extra: object = {}): RunEvent =>
    event(runId, 'escalation:open', at, {
      taskId,
      agentName: 'worker',
      attempt: 1,
      escalationId: `E-${runId}-${taskId}-1`,
      triggerType: 'architecture',
      reason: `how should ${taskId} go?`,
      context: 'tried two ways',
      options: ['a', 'b'],
      priority: 5,
      duration: 40,
      usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
      costUsd: 0.5,
      ...extra,
    });

  function taskRow(runId: string, taskId: string): unknown {
    const raw = new Database(path, { readonly: true });
    try {
      return raw.prepare('SELECT status, attempts, total_tokens, cost_usd FROM tasks WHERE run_id = ? AND task_id = ?').get(runId, taskId);
    } finally {
      raw.close();
    }
  }

  it('projects escalation:open into a row and the task into waiting; answering is one compare-and-set, delivered when journaled', () => {
    const { append } = startRun('r1', ['t1', 't2']);
    seq = 5;
    append(open('r1', 't1', 2000, { ticketId: 'T-1', member: 'coder-1', deadlineAt: 9000, defaultAction: 'take a' }), open('r1', 't2', 2500, { priority: 8 }));
    expect(store.codebase.getEscalation('E-r1-t1-1')).toEqual({
      id: 'E-r1-t1-1',
      runId: 'r1',
      taskId: 't1',
      agentName: 'worker',
      attempt: 1,
      ticketId: 'T-1',
      member: 'coder-1',
      triggerType: 'architecture',
      reason: 'how should t1 go?',
      context: 'tried two ways',
      options: ['a', 'b'],
      priority: 5,
      status: 'open',
      openedAt: 2000,
      deadlineAt: 9000,
      defaultAction: 'take a',
      delivered: false,
    });
    expect(taskRow('r1', 't1')).toEqual({ status: 'waiting', attempts: 1, total_tokens: 3, cost_usd: 0.5 });
    expect(store.codebase.listEscalations({ status: 'open' }).map((escalation) => escalation.id)).toEqual(['E-r1-t2-1', 'E-r1-t1-1']);

    expect(() => store.codebase.answerEscalation('E-r1-t1-1', '  ', undefined, 3000)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/^guidance: /) }));
    expect(() => store.codebase.answerEscalation('E-nope', 'go', undefined, 3000)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    const answered = store.codebase.answerEscalation('E-r1-t1-1', 'take b', 'ana', 3000);
    expect(answered).toMatchObject({ status: 'answered', answer: 'take b', answeredBy: 'ana', answeredAt: 3000, delivered: false });
    expect(() => store.codebase.answerEscalation('E-r1-t1-1', 'again', undefined, 3100)).toThrow(
      expect.objectContaining({ code: 'ESCALATION_CLOSED', message: expect.stringContaining('is answered') }),
    );
    expect(store.codebase.undeliveredAnswers('r1').map((escalation) => escalation.id)).toEqual(['E-r1-t1-1']);

    // The owner journals the answer: delivered, the answer and its time kept, the task queued again.
    append(event('r1', 'escalation:answered', 3500, { taskId: 't1', agentName: 'worker', escalationId: 'E-r1-t1-1', guidance: 'take b' }));
    expect(store.codebase.getEscalation('E-r1-t1-1')).toMatchObject({ status: 'answered', answer: 'take b', answeredBy: 'ana', answeredAt: 3000, delivered: true });
    expect(store.codebase.undeliveredAnswers('r1')).toEqual([]);
    expect(taskRow('r1', 't1')).toMatchObject({ status: 'pending' });

    // Answered by the run itself (scheduler.answerEscalation): answered at the event's time.
    append(event('r1', 'escalation:answered', 4000, { taskId: 't2', agentName: 'worker', escalationId: 'E-r1-t2-1', guidance: 'use a', answeredBy: 'bo' }));
    expect(store.codebase.getEscalation('E-r1-t2-1')).toMatchObject({ status: 'answered', answer: 'use a', answeredBy: 'bo', answeredAt: 4000, delivered: true });
    expect(store.codebase.listEscalations({ runId: 'r1', status: 'open' })).toEqual([]);
  });

  it('ranks the human queue by priority raised with the wait: an old escalation overtakes a newer, higher one', () => {
    const { append } = startRun('r3', ['old', 'new']);
    seq = 7;
    const hour = 3_600_000;
    append(open('r3', 'old', 1_000, { priority: 5 }), open('r3', 'new', 1_000 + hour, { priority: 7 }));
    // Stored order: by the priority they were opened with.
    expect(store.codebase.listEscalations({ status: 'open' }).map((record) => record.taskId)).toEqual(['new', 'old']);
    // An hour later the old one has risen four steps (one per quarter hour) to 9.
    const ranked = store.codebase.listEscalations({ status: 'open', now: 1_000 + hour });
    expect(ranked.map((record) => [record.taskId, record.priority])).toEqual([
      ['old', 9],
      ['new', 7],
    ]);
  });

  it('expires with the default guidance, keeps a cancelled or timed-out task\'s open (a resume waits on it again), and refuses events for unknown escalations', () => {
    const { append } = startRun('r2', ['t1', 't2', 't3']);
    seq = 7;
    append(open('r2', 't1', 2000, { defaultAction: 'take a' }), open('r2', 't2', 2000), open('r2', 't3', 2000));
    append(event('r2', 'escalation:expired', 3000, { taskId: 't1', agentName: 'worker', escalationId: 'E-r2-t1-1', action: 'guidance', guidance: 'take a' }));
    expect(store.codebase.getEscalation('E-r2-t1-1')).toMatchObject({ status: 'expired', answer: 'take a', answeredAt: 3000 });
    expect(() => store.codebase.answerEscalation('E-r2-t1-1', 'late', undefined, 3100)).toThrow(
      expect.objectContaining({ code: 'ESCALATION_CLOSED', message: 'escalation "E-r2-t1-1" is expired, not open; it can no longer be answered' }),
    );
    const cancelled = (taskId: string, reason: string): RunEvent => event('r2', 'task:cancelled', 3200, { taskId, agentName: 'worker', reason, usage: ZERO_USAGE, costUsd: 0 });
    append(cancelled('t2', 'cancelled'), cancelled('t3', 'run-timeout'));
    expect(store.codebase.getEscalation('E-r2-t2-1')?.status).toBe('open');
    expect(store.codebase.getEscalation('E-r2-t3-1')?.status).toBe('open');

    const before = store.lastSeq('r2');
    expect(() => append(event('r2', 'escalation:answered', 4000, { taskId: 't1', agentName: 'worker', escalationId: 'E-r2-t1-1', guidance: 'x' }))).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('escalation "E-r2-t1-1", which is not open') }),
    );
    expect(store.lastSeq('r2')).toBe(before);
    seq = before;
    expect(() => append(open('r2', 't3', 4000))).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('already exists') }));
  });

  it('a removed run takes its escalations and leases along; tickets and reviews stay', () => {
    const { append } = startRun('r3', ['t1']);
    seq = 3;
    append(open('r3', 't1', 2000));
    store.codebase.acquireLeases({ ...lease, runId: 'r3', owner: 'r3:T-1', patterns: ['src/**'] }, 1);
    store.codebase.addTicket({ title: 'stays' }, 1);
    store.codebase.addReview({ ticketId: 'T-1', runId: 'r3', branch: 'ensemble/T-1', worktree: '/w', baseCommit: 'a', headCommit: 'b', conflicts: [] }, 1);
    store.markRunStatus('r3', 'interrupted');
    store.removeRun('r3', () => false);
    expect(store.codebase.listEscalations()).toEqual([]);
    expect(store.codebase.listLeases(0, { includeExpired: true })).toEqual([]);
    expect(store.codebase.listTickets()).toHaveLength(1);
    expect(store.codebase.listReviews()).toHaveLength(1);
  });
});

describe('reviews', () => {
  it('adds R-1, R-2 …, lists by status and updates with null clearing a field', () => {
    const input = { ticketId: 'T-1', runId: 'r1', branch: 'ensemble/T-1', worktree: '/data/worktrees/tickets/T-1', baseCommit: 'abc', headCommit: 'def' };
    const first = store.codebase.addReview({ ...input, conflicts: [{ against: 'main', clean: true, files: [] }] }, 10);
    expect(first).toEqual({ id: 'R-1', ...input, status: 'open', conflicts: [{ against: 'main', clean: true, files: [] }], createdAt: 10, updatedAt: 10 });
    const second = store.codebase.addReview({ ...input, ticketId: 'T-2', branch: 'ensemble/T-2', conflicts: [{ against: 'ensemble/T-1', clean: false, files: ['src/a.ts'] }] }, 11);
    expect(second.id).toBe('R-2');
    const rejected = store.codebase.updateReview('R-1', { status: 'rejected', reason: 'wrong approach' }, 20);
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'wrong approach', updatedAt: 20, createdAt: 10 });
    const reopened = store.codebase.updateReview('R-1', { status: 'open', reason: null, headCommit: 'fed', conflicts: [] }, 30);
    expect(reopened).toMatchObject({ status: 'open', headCommit: 'fed', conflicts: [] });
    expect(reopened.reason).toBeUndefined();
    const merged = store.codebase.updateReview('R-2', { status: 'merged', mergedCommit: '123' }, 40);
    expect(store.codebase.getReview('R-2')).toEqual(merged);
    expect(store.codebase.listReviews({ status: 'open' }).map((review) => review.id)).toEqual(['R-1']);
    expect(store.codebase.listReviews().map((review) => review.id)).toEqual(['R-1', 'R-2']);
    expect(store.codebase.getReview('R-9')).toBeUndefined();
    expect(() => store.codebase.updateReview('R-9', { status: 'merged' }, 1)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: 'unknown review "R-9"' }));
    expect(() => store.codebase.addReview({ ...input, ticketId: 'nope' }, 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/^ticketId: /) }));
  });
});

describe('schema v5 migration', () => {
  it('opens a version 4 journal: its runs stay, and the codebase tables start empty and numbered from 1', () => {
    const oldPath = join(path, '..', 'v4.db');
    const raw = new Database(oldPath);
    raw.pragma('journal_mode = WAL');
    for (const migration of MIGRATIONS.slice(0, 4)) raw.exec(migration);
    raw.pragma('user_version = 4');
    raw.prepare("INSERT INTO runs (run_id, workflow_name, status, created_at, updated_at, owner_pid, owner_host, task_count, spec_json) VALUES ('old', 'w', 'interrupted', 1, 1, 1, 'h', 0, '{}')").run();
    raw.close();
    const migrated = openRunStore(oldPath);
    try {
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(5);
      expect(migrated.runStatus('old')).toBe('interrupted');
      expect(migrated.codebase.listTickets()).toEqual([]);
      expect(migrated.codebase.addTicket({ title: 'first' }, 1).id).toBe('T-1');
      expect(migrated.codebase.addReview({ ticketId: 'T-1', runId: 'old', branch: 'b', worktree: 'w', baseCommit: 'a', headCommit: 'b', conflicts: [] }, 1).id).toBe('R-1');
      expect(migrated.codebase.acquireLeases({ ...lease, owner: 'o', patterns: ['src/**'] }, 1)).toMatchObject({ ok: true });
      expect(migrated.codebase.listEscalations()).toEqual([]);
    } finally {
      migrated.close();
    }
  });
});

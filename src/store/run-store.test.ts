import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  runConfigSchema,
  taskSpecSchema,
  type EventPayloads,
  type RunEvent,
  type RunEventType,
  type RunSummary,
  type SerializedError,
  type TaskInput,
} from '../core/index.js';
import { openRunStore, type CreateRunInput, type RunStore } from './index.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

let path: string;
let store: RunStore;

beforeEach(() => {
  const temp = openTempStore('ensemble-store-', openRunStore, join('nested', 'ensemble.db'));
  ({ path, store } = temp);
  return () => temp.remove(store);
});

const OWNER = { pid: 4242, host: 'test-host' };
const SUMMARY: RunSummary = {
  totalTasks: 3,
  successfulTasks: 1,
  failedTasks: 1,
  skippedTasks: 1,
  cancelledTasks: 0,
  totalTokens: 30,
  totalCost: 0.25,
  totalDuration: 900,
  toolCalls: 4, contextTokens: 0,
};
const NO_SPEND = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
const FAILURE: SerializedError = { code: 'AGENT_EXIT_NONZERO', message: 'exit 1', retryable: true, details: { exitCode: 1 } };

function createRun(runId: string, tasks: readonly TaskInput[], overrides: Partial<CreateRunInput> = {}): void {
  store.createRun({
    runId,
    workflowName: 'test workflow',
    spec: { tasks: tasks.map((task) => taskSpecSchema.parse(task)), config: runConfigSchema.parse({ maxParallelAgents: 2 }), parameters: { resource: 'todo' } },
    owner: OWNER,
    createdAt: 1_000,
    ...overrides,
  });
}

/** Builds a run's events with consecutive seqs, as the scheduler would. */
function eventWriter(runId: string, firstSeq = 1): <T extends RunEventType>(type: T, payload: EventPayloads[T], at?: number) => RunEvent {
  let seq = firstSeq;
  return (type, payload, at = 1_000 + seq) => ({ type, runId, seq: seq++, at, ...payload }) as unknown as RunEvent;
}

function added(taskId: string, agentName: string, dependencies: readonly string[] = []): EventPayloads['task:added'] {
  return { taskId, agentName, description: `do ${taskId}`, dependencies, priority: 5 };
}

function completed(taskId: string, agentName: string, duration: number, extra: Partial<EventPayloads['task:complete']> = {}): EventPayloads['task:complete'] {
  return {
    taskId,
    agentName,
    duration,
    tokensUsed: 30,
    usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 },
    costUsd: 0.25,
    attempt: 1,
    output: `output of ${taskId}`,
    ...extra,
  };
}

/** A whole run: zeta succeeds after a retry, alpha fails, mid is skipped. */
function wholeRun(runId: string): RunEvent[] {
  const event = eventWriter(runId);
  return [
    event('workflow:start', { workflowName: 'test workflow', taskCount: 3, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }),
    event('task:added', added('zeta', 'writer')),
    event('task:added', added('alpha', 'tester')),
    event('task:added', added('mid', 'writer', ['alpha', 'zeta'])),
    event('task:start', { taskId: 'zeta', agentName: 'writer', description: 'do zeta', attempt: 1 }),
    event('agent:invoke', { taskId: 'zeta', agentName: 'writer', model: 'sim-1', runtime: 'simulated', attempt: 1 }),
    event('task:start', { taskId: 'alpha', agentName: 'tester', description: 'do alpha', attempt: 1 }),
    event('task:retry', { taskId: 'zeta', agentName: 'writer', attempt: 1, delayMs: 10, error: FAILURE, usage: NO_SPEND, costUsd: 0 }),
    event('task:start', { taskId: 'zeta', agentName: 'writer', description: 'do zeta', attempt: 2 }),
    event('agent:message', { taskId: 'zeta', agentName: 'writer', from: 'writer', to: '*', messageType: 'broadcast', content: 'hi' }),
    event('task:complete', completed('zeta', 'writer', 300, { attempt: 2, model: 'sim-2', evidence: { exitCode: 0, command: ['npm', 'test'], simulated: true } })),
    event('task:error', { taskId: 'alpha', agentName: 'tester', duration: 120, attempt: 1, error: FAILURE, usage: NO_SPEND, costUsd: 0 }),
    event('task:skipped', { taskId: 'mid', agentName: 'writer', reason: 'dependency-failed', blockedBy: 'alpha' }),
    event('workflow:complete', { status: 'failed', summary: SUMMARY }, 5_000),
  ];
}

const THREE_TASKS: readonly TaskInput[] = [
  { id: 'zeta', agentName: 'writer', description: 'do zeta' },
  { id: 'alpha', agentName: 'tester', description: 'do alpha', priority: 9, retry: { max: 2 } },
  { id: 'mid', agentName: 'writer', description: 'do mid', dependencies: ['alpha', 'zeta'] },
];

describe('RunStore', () => {
  it('creates the parent folders of its file', () => {
    createRun('run-1', THREE_TASKS);
    expect(store.getRun('run-1')?.runId).toBe('run-1');
  });

  it('round-trips a run: the events come back as appended, the run row reflects them', () => {
    createRun('run-1', THREE_TASKS, { workflowId: 'feature' });
    const events = wholeRun('run-1');
    const journal = store.journalFor('run-1');
    journal.append(events.slice(0, 4));
    journal.append(events.slice(4, 5));
    journal.append(events.slice(5));

    expect(store.readEvents('run-1')).toEqual(events);
    expect(store.readEvents('run-1', { afterSeq: 10 })).toEqual(events.slice(10));
    expect(store.readEvents('run-1', { afterSeq: 2, limit: 3 }).map((event) => event.seq)).toEqual([3, 4, 5]);
    expect(store.readEvents('no-such-run')).toEqual([]);
    expect(store.lastSeq('run-1')).toBe(events.length);
    expect(store.lastSeq('no-such-run')).toBe(0);

    const run = store.getRun('run-1');
    expect(run).toEqual({
      runId: 'run-1',
      workflowName: 'test workflow',
      workflowId: 'feature',
      status: 'failed',
      createdAt: 1_000,
      updatedAt: 5_000,
      finishedAt: 5_000,
      owner: OWNER,
      // A new run's heartbeat is its creation; a stale one (30 s by default) makes it interrupted.
      heartbeatAt: 1_000,
      staleAfterMs: 30_000,
      summary: SUMMARY,
      spec: {
        tasks: THREE_TASKS.map((task) => taskSpecSchema.parse(task)),
        config: runConfigSchema.parse({ maxParallelAgents: 2 }),
        parameters: { resource: 'todo' },
      },
      taskCount: 3,
      lastSeq: events.length,
    });
    expect(store.getRun('no-such-run')).toBeUndefined();
  });

  it('projects task events onto task rows, in declaration order', () => {
    createRun('run-1', THREE_TASKS);
    const events = wholeRun('run-1');
    const journal = store.journalFor('run-1');
    // Up to the retry: zeta is retrying with the error of attempt 1, alpha is running.
    journal.append(events.slice(0, 8));
    let tasks = store.listTasks('run-1');
    expect(tasks.map((task) => [task.taskId, task.ordinal, task.status])).toEqual([
      ['zeta', 0, 'retrying'],
      ['alpha', 1, 'running'],
      ['mid', 2, 'pending'],
    ]);
    expect(tasks[0]).toMatchObject({ attempts: 1, model: 'sim-1', error: FAILURE, startedAt: 1_005 });
    expect(tasks[2]).toMatchObject({ dependencies: ['alpha', 'zeta'], description: 'do mid', priority: 5, attempts: 0 });

    journal.append(events.slice(8));
    tasks = store.listTasks('run-1');
    const [zeta, alpha, mid] = tasks;
    expect(zeta).toEqual({
      taskId: 'zeta',
      agentName: 'writer',
      description: 'do zeta',
      dependencies: [],
      priority: 5,
      ordinal: 0,
      status: 'succeeded',
      attempts: 2,
      startedAt: 1_009,
      finishedAt: 1_011,
      durationMs: 300,
      output: 'output of zeta',
      usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 },
      costUsd: 0.25,
      model: 'sim-2',
      evidence: { exitCode: 0, command: ['npm', 'test'], simulated: true },
    });
    expect(alpha).toMatchObject({ status: 'failed', attempts: 1, durationMs: 120, finishedAt: 1_012, error: FAILURE });
    expect(alpha?.output).toBeUndefined();
    expect(mid).toMatchObject({ status: 'skipped', attempts: 0, finishedAt: 1_013 });
    expect(store.listTasks('no-such-run')).toEqual([]);
  });

  it('hands succeeded tasks to resume and computes agent medians across runs', () => {
    createRun('run-1', THREE_TASKS);
    store.journalFor('run-1').append(wholeRun('run-1'));
    expect(store.completedTasks('run-1')).toEqual(
      new Map([['zeta', { output: 'output of zeta', usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 }, costUsd: 0.25, durationMs: 300 }]]),
    );

    // A second run: the writer agent succeeds four more times, the newest last.
    createRun('run-2', [1, 2, 3, 4].map((index) => ({ id: `w${index}`, agentName: 'writer' })), { createdAt: 2_000 });
    const event = eventWriter('run-2');
    const journal = store.journalFor('run-2');
    journal.append([1, 2, 3, 4].map((index) => event('task:added', added(`w${index}`, 'writer'))));
    [100, 900, 500, 700].forEach((duration, index) => {
      journal.append([event('task:complete', completed(`w${index + 1}`, 'writer', duration), 10_000 + index)]);
    });

    // Samples of writer, newest first: 700, 500, 900, 100, 300 (run-1).
    expect(store.agentMedianDurations(['writer', 'tester', 'nobody'])).toEqual(new Map([['writer', 500]]));
    expect(store.agentMedianDurations(['writer'], 2)).toEqual(new Map([['writer', 600]]));
    expect(store.agentMedianDurations(['writer'], 4)).toEqual(new Map([['writer', 600]]));
    expect(store.agentMedianDurations([])).toEqual(new Map());
    expect(() => store.agentMedianDurations(['writer'], 0)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('keeps events and projections across close and reopen', () => {
    createRun('run-1', THREE_TASKS);
    const events = wholeRun('run-1');
    store.journalFor('run-1').append(events.slice(0, 6));
    store.close();
    store.close();

    store = openRunStore(path);
    expect(store.readEvents('run-1')).toEqual(events.slice(0, 6));
    expect(store.listTasks('run-1').map((task) => task.status)).toEqual(['running', 'pending', 'pending']);
    // A new journal continues the run, and task ordinals continue from the stored rows.
    store.journalFor('run-1').append(events.slice(6));
    expect(store.lastSeq('run-1')).toBe(events.length);
    expect(store.getRun('run-1')?.status).toBe('failed');
  });

  it('rejects a duplicate seq loudly and writes nothing of that batch', () => {
    createRun('run-1', THREE_TASKS);
    const events = wholeRun('run-1');
    const journal = store.journalFor('run-1');
    journal.append(events.slice(0, 5));

    const duplicate = { ...events[4]!, seq: 3 } as RunEvent;
    const batch = [events[5]!, events[6]!, duplicate];
    expect(() => journal.append(batch)).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('has seq 3, not after 7') }),
    );
    expect(store.lastSeq('run-1')).toBe(5);
    expect(store.readEvents('run-1')).toEqual(events.slice(0, 5));
    // alpha's task:start (seq 7) was in the failed batch: its projection was rolled back too.
    expect(store.listTasks('run-1').find((task) => task.taskId === 'alpha')?.status).toBe('pending');
    expect(store.listTasks('run-1').find((task) => task.taskId === 'zeta')?.model).toBeUndefined();

    // The journal is still usable, and a rolled-back task:added does not leave a gap in ordinals.
    journal.append(events.slice(5));
    expect(store.readEvents('run-1')).toEqual(events);
  });

  it('rolls back a batch whose task:added repeats a task, keeping ordinals dense', () => {
    createRun('run-1', THREE_TASKS);
    const event = eventWriter('run-1');
    const journal = store.journalFor('run-1');
    journal.append([event('task:added', added('zeta', 'writer'))]);
    expect(() => journal.append([event('task:added', added('alpha', 'tester')), event('task:added', added('zeta', 'writer'))])).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR' }),
    );
    journal.append([{ ...event('task:added', added('mid', 'writer')), seq: 2 } as RunEvent]);
    expect(store.listTasks('run-1').map((task) => [task.taskId, task.ordinal])).toEqual([
      ['zeta', 0],
      ['mid', 1],
    ]);
  });

  it('rejects events of another run, of unknown tasks, and journals of unknown runs', () => {
    createRun('run-1', THREE_TASKS);
    const journal = store.journalFor('run-1');
    const foreign = eventWriter('run-2')('task:added', added('zeta', 'writer'));
    expect(() => journal.append([foreign])).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('run-2') }));

    const event = eventWriter('run-1');
    const orphan = event('task:start', { taskId: 'ghost', agentName: 'writer', description: '', attempt: 1 });
    expect(() => journal.append([orphan])).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('"ghost"') }));
    expect(store.lastSeq('run-1')).toBe(0);

    expect(() => store.journalFor('run-9')).toThrow(expect.objectContaining({ code: 'UNKNOWN_RUN' }));
    expect(() => createRun('run-1', THREE_TASKS)).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('already exists') }));
  });

  it("reads a run's status alone, without its spec", () => {
    createRun('run-1', THREE_TASKS);
    expect(store.runStatus('run-1')).toBe('running');
    store.markRunStatus('run-1', 'cancelled');
    expect(store.runStatus('run-1')).toBe('cancelled');
    expect(store.runStatus('no-such-run')).toBeUndefined();
    const raw = new Database(path);
    raw.prepare("UPDATE runs SET spec_json = '{' WHERE run_id = 'run-1'").run();
    raw.close();
    expect(store.runStatus('run-1')).toBe('cancelled');
  });

  it('sets, reads and clears the cancel flag', () => {
    createRun('run-1', THREE_TASKS);
    expect(store.isCancelRequested('run-1')).toBe(false);
    store.requestCancel('run-1');
    expect(store.isCancelRequested('run-1')).toBe(true);
    const requestedAt = store.getRun('run-1')?.cancelRequestedAt;
    expect(requestedAt).toBeTypeOf('number');
    store.requestCancel('run-1');
    expect(store.getRun('run-1')?.cancelRequestedAt).toBe(requestedAt);

    store.markRunStatus('run-1', 'interrupted');
    store.claimRun('run-1', { pid: 7, host: 'other-host' });
    const run = store.getRun('run-1');
    expect(run).toMatchObject({ status: 'running', owner: { pid: 7, host: 'other-host' } });
    expect(run?.cancelRequestedAt).toBeUndefined();
    expect(store.isCancelRequested('run-1')).toBe(false);

    expect(store.isCancelRequested('no-such-run')).toBe(false);
    expect(() => store.requestCancel('no-such-run')).toThrow(expect.objectContaining({ code: 'UNKNOWN_RUN' }));
    expect(() => store.claimRun('no-such-run', OWNER)).toThrow(expect.objectContaining({ code: 'UNKNOWN_RUN' }));
  });

  it('sees a cancel requested through another connection (another process)', () => {
    createRun('run-1', THREE_TASKS);
    const other = openRunStore(path);
    try {
      other.requestCancel('run-1');
      expect(store.isCancelRequested('run-1')).toBe(true);
      store.journalFor('run-1').append(wholeRun('run-1').slice(0, 2));
      expect(other.lastSeq('run-1')).toBe(2);
    } finally {
      other.close();
    }
  });

  it('marks running runs whose owner died as interrupted, and only those', () => {
    createRun('dead', THREE_TASKS, { owner: { pid: 1, host: 'a' }, createdAt: 1 });
    createRun('alive', THREE_TASKS, { owner: { pid: 2, host: 'a' }, createdAt: 2 });
    createRun('finished', THREE_TASKS, { owner: { pid: 1, host: 'a' }, createdAt: 3 });
    store.markRunStatus('finished', 'succeeded');

    const seen: { pid: number; host: string }[] = [];
    const interrupted = store.reconcileInterrupted((owner) => {
      seen.push(owner);
      return owner.pid === 2;
    });
    expect(interrupted).toEqual(['dead']);
    expect(seen).toHaveLength(2);
    expect(store.getRun('dead')?.status).toBe('interrupted');
    expect(store.getRun('alive')?.status).toBe('running');
    expect(store.getRun('finished')).toMatchObject({ status: 'succeeded', finishedAt: expect.any(Number) });
    expect(store.reconcileInterrupted(() => false)).toEqual(['alive']);
  });

  it('lists runs newest first, with a limit and a status filter', () => {
    for (const [index, runId] of ['r-a', 'r-b', 'r-c', 'r-d'].entries()) createRun(runId, THREE_TASKS, { createdAt: 100 + index });
    store.markRunStatus('r-b', 'failed');
    expect(store.listRuns().map((run) => run.runId)).toEqual(['r-d', 'r-c', 'r-b', 'r-a']);
    expect(store.listRuns({ limit: 2 }).map((run) => run.runId)).toEqual(['r-d', 'r-c']);
    expect(store.listRuns({ status: 'failed' }).map((run) => run.runId)).toEqual(['r-b']);
    expect(store.listRuns({ status: 'running', limit: 1 }).map((run) => run.runId)).toEqual(['r-d']);
    expect(() => store.listRuns({ limit: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('listRuns.limit') }));
  });

  it('counts runs and tasks per status over the whole journal, other connections\' runs included, runs from their status index (issue 9)', () => {
    const zeroRuns = { running: 0, succeeded: 0, failed: 0, cancelled: 0, interrupted: 0 };
    const zeroTasks = { pending: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0, waiting: 0 };
    expect(store.countRunsByStatus()).toEqual(zeroRuns);
    expect(store.countTasksByStatus()).toEqual(zeroTasks);
    createRun('whole', THREE_TASKS);
    store.journalFor('whole').append(wholeRun('whole'));
    const elsewhere = openRunStore(path);
    try {
      elsewhere.createRun({ runId: 'other', workflowName: 'w', spec: { tasks: [], config: runConfigSchema.parse({}), parameters: {} }, owner: OWNER, createdAt: 2_000 });
      const event = eventWriter('other');
      elsewhere.journalFor('other').append([
        event('workflow:start', { workflowName: 'w', taskCount: 2, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }),
        event('task:added', added('a', 'writer')),
        event('task:added', added('b', 'writer')),
        event('task:start', { taskId: 'a', agentName: 'writer', description: 'do a', attempt: 1 }),
      ]);
      elsewhere.markRunStatus('other', 'interrupted');
    } finally {
      elsewhere.close();
    }
    expect(store.countRunsByStatus()).toEqual({ ...zeroRuns, failed: 1, interrupted: 1 });
    expect(store.countTasksByStatus()).toEqual({ ...zeroTasks, pending: 1, running: 1, succeeded: 1, failed: 1, skipped: 1 });
    const database = new Database(path, { readonly: true });
    try {
      const plan = JSON.stringify(database.prepare('EXPLAIN QUERY PLAN SELECT status, COUNT(*) AS count FROM runs GROUP BY status').all());
      expect(plan).toContain('COVERING INDEX runs_by_status');
    } finally {
      database.close();
    }
  });

  it('restores task rows on claim when the first execution died before task:added was journaled', () => {
    createRun('run-1', THREE_TASKS);
    store.claimRun('run-1', OWNER);
    expect(store.listTasks('run-1').map((task) => [task.taskId, task.ordinal, task.status, task.dependencies])).toEqual([
      ['zeta', 0, 'pending', []],
      ['alpha', 1, 'pending', []],
      ['mid', 2, 'pending', ['alpha', 'zeta']],
    ]);
    // The resumed scheduler does not repeat task:added; its task events now find their rows.
    const event = eventWriter('run-1');
    store.journalFor('run-1').append([event('task:start', { taskId: 'alpha', agentName: 'tester', description: 'do alpha', attempt: 1 })]);
    expect(store.listTasks('run-1')[1]?.status).toBe('running');
  });

  it('reports a corrupt spec as JOURNAL_ERROR naming the run', () => {
    createRun('run-1', THREE_TASKS);
    createRun('run-2', THREE_TASKS);
    const raw = new Database(path);
    raw.prepare("UPDATE runs SET spec_json = '{\"tasks\": [' WHERE run_id = 'run-1'").run();
    raw.prepare("UPDATE runs SET spec_json = json_set(spec_json, '$.tasks[1].priority', 99) WHERE run_id = 'run-2'").run();
    raw.close();

    expect(() => store.getRun('run-1')).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringMatching(/run "run-1" spec_json is not valid JSON/) }),
    );
    expect(() => store.getRun('run-2')).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringMatching(/run "run-2" spec_json is unreadable: tasks\[1\]\.priority/) }),
    );
    // A listing stays usable; the corrupt spec is reported, named, when it is read.
    const listed = store.listRuns();
    expect(listed.map((run) => run.runId).sort()).toEqual(['run-1', 'run-2']);
    expect(() => listed.find((run) => run.runId === 'run-1')!.spec).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR' }));
  });

  it('reports a corrupt event as JOURNAL_ERROR naming the run and seq', () => {
    createRun('run-1', THREE_TASKS);
    store.journalFor('run-1').append(wholeRun('run-1').slice(0, 3));
    const raw = new Database(path);
    raw.prepare("UPDATE events SET event_json = json_set(event_json, '$.priority', 'high') WHERE run_id = 'run-1' AND seq = 2").run();
    raw.prepare("UPDATE events SET event_json = json_set(event_json, '$.seq', 9) WHERE run_id = 'run-1' AND seq = 3").run();
    raw.close();
    expect(() => store.readEvents('run-1')).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringMatching(/run "run-1" event seq 2 is unreadable: priority/) }),
    );
    expect(() => store.readEvents('run-1', { afterSeq: 2 })).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('event seq 3 holds the event of run "run-1" seq 9') }),
    );
  });

  it('reports operations on a closed store as JOURNAL_ERROR', () => {
    createRun('run-1', THREE_TASKS);
    const journal = store.journalFor('run-1');
    store.close();
    expect(() => journal.append(wholeRun('run-1').slice(0, 1))).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR' }));
    expect(() => store.getRun('run-1')).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR' }));
  });

  it('works in memory', () => {
    const memory = openRunStore(':memory:');
    try {
      memory.createRun({
        runId: 'run-1',
        workflowName: 'w',
        spec: { tasks: [], config: runConfigSchema.parse({}), parameters: {} },
        owner: OWNER,
        createdAt: 1,
      });
      memory.journalFor('run-1').append(wholeRun('run-1').slice(0, 1));
      expect(memory.getRun('run-1')).toMatchObject({ lastSeq: 1, taskCount: 0, status: 'running' });
      expect(memory.path).toBe(':memory:');
    } finally {
      memory.close();
    }
  });
});

describe('RunStore.listRuns by workflow id prefix (issue 8: meetings list)', () => {
  it('lists only the runs whose workflow id starts with the prefix, literally, newest first, with the status filter', () => {
    const store = openRunStore(':memory:');
    try {
      const spec = { tasks: [taskSpecSchema.parse({ id: 't', agentName: 'a' })], config: runConfigSchema.parse({}), parameters: {} };
      const add = (runId: string, workflowId: string | undefined, createdAt: number): void => {
        store.createRun({ runId, workflowName: 'w', ...(workflowId === undefined ? {} : { workflowId }), spec, owner: { pid: 1, host: 'h' }, createdAt });
      };
      add('m1', 'meeting:standup', 1);
      add('other', 'feature', 2);
      add('m2', 'meeting:retrospective', 3);
      add('none', undefined, 4);
      add('like', 'meetingXstandup', 5);
      expect(store.listRuns({ workflowIdPrefix: 'meeting:' }).map((run) => run.runId)).toEqual(['m2', 'm1']);
      expect(store.listRuns({ workflowIdPrefix: 'meeting:', limit: 1 }).map((run) => run.runId)).toEqual(['m2']);
      // `_` would match any character under LIKE: the prefix is matched as it is.
      expect(store.listRuns({ workflowIdPrefix: 'meeting_' }).map((run) => run.runId)).toEqual([]);
      store.markRunStatus('m1', 'failed');
      expect(store.listRuns({ workflowIdPrefix: 'meeting:', status: 'failed' }).map((run) => run.runId)).toEqual(['m1']);
    } finally {
      store.close();
    }
  });
});
